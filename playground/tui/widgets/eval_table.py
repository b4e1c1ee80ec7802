"""The evaluation results table: one row per strategy setting and baseline,
sortable by any column (click its header: again reverses; keys sort by the
next column or reverse). Enter on a row posts `Picked` with its figures.
Keys are declared in `tui/bindings.py` (remappable by id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.binding import BindingType
from textual.message import Message
from textual.reactive import var
from textual.widgets import DataTable

from playground.eval.metrics import Metrics
from playground.eval.result_table import COLUMNS, Column, cells, sort_rows
from playground.tui.bindings import EVAL_TABLE_BINDINGS

# Columns whose first sort is ascending (cheapest, fastest, alphabetical); the others best first.
ASCENDING = ("cost", "strategy", "params", "p50", "p95", "note")


@dataclass(frozen=True)
class SortOrder:
    key: str = "cost"
    descending: bool = False


class EvalTable(DataTable[str]):
    DEFAULT_CSS = """
    EvalTable { height: 1fr; min-height: 5; }
    """
    BINDINGS: ClassVar[list[BindingType]] = list(EVAL_TABLE_BINDINGS)

    order: var[SortOrder] = var(SortOrder, init=False)

    class Picked(Message):
        def __init__(self, row: Metrics) -> None:
            super().__init__()
            self.row = row

    class Highlighted(Message):
        def __init__(self, row: Metrics | None) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.results: list[Metrics] = []
        self.columns_shown: tuple[Column, ...] = COLUMNS  # replay's; a live run or a calibration has its own
        self.shown: list[Metrics] = []  # in display order (tests read it)

    def on_mount(self) -> None:
        self._fill()

    def show(self, rows: Sequence[Metrics], columns: Sequence[Column] = COLUMNS) -> None:
        self.results = list(rows)
        self.columns_shown = tuple(columns)
        if self.order.key not in self.keys:
            self.set_reactive(EvalTable.order, SortOrder())
        self._fill()

    @property
    def keys(self) -> list[str]:
        return [col.key for col in self.columns_shown]

    def sort_by(self, key: str, descending: bool | None = None) -> None:
        """Sort by column `key`; without `descending`, a second sort of the same column reverses it."""
        if descending is None:
            descending = not self.order.descending if self.order.key == key else key not in ASCENDING
        self.order = SortOrder(key, descending)

    def watch_order(self) -> None:
        self._fill()

    def _fill(self) -> None:
        self.clear(columns=True)
        arrow = " ▼" if self.order.descending else " ▲"
        for col in self.columns_shown:  # the sorted column's label carries the direction
            self.add_column(col.label + (arrow if col.key == self.order.key else ""), key=col.key)
        self.shown = sort_rows(self.results, self.order.key, self.order.descending, self.columns_shown)
        for index, row in enumerate(self.shown):
            self.add_row(*cells(row, self.columns_shown), key=str(index))

    def action_sort_next(self) -> None:
        keys = self.keys
        self.sort_by(keys[(keys.index(self.order.key) + 1) % len(keys)])

    def action_reverse(self) -> None:
        self.sort_by(self.order.key, not self.order.descending)

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.shown):
            self.post_message(self.Picked(self.shown[event.cursor_row]))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        row = self.shown[event.cursor_row] if 0 <= event.cursor_row < len(self.shown) else None
        self.post_message(self.Highlighted(row))
