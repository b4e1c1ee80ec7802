"""Side panel choosing which strategies get a column.

An overlay on the right (it does not take width from the columns). The list
is the single source of truth for the selection: the main screen reconciles
its columns on `SelectionList.SelectedChanged`, which fires for clicks, keys
and programmatic changes (command palette) alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from playground.tui.css import css_beside
from playground.tui.widgets.key_hint import KeyHint


class StrategyPicker(Vertical):
    """Checkbox list of strategies with their one-line summaries."""

    DEFAULT_CSS = css_beside(__file__, "strategy_picker.tcss")

    opened: reactive[bool] = reactive(False, toggle_class="-open")

    def __init__(self, summaries: Mapping[str, str], selected: Iterable[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._summaries = dict(summaries)
        self._initial = set(selected)

    def compose(self) -> ComposeResult:
        yield Static("Strategies", id="picker-title", markup=False)
        # A selection's prompt is one line, so the highlighted strategy's
        # summary is shown under the list.
        options = [Selection(name, name, name in self._initial, id=name) for name in self._summaries]
        yield SelectionList[str](*options, id="strategy-list")
        yield Static("", id="picker-summary", markup=False)
        yield KeyHint("Space toggles · {toggle_strategies} closes", id="picker-help")

    @on(SelectionList.SelectionHighlighted, "#strategy-list")
    def _show_summary(self, event: SelectionList.SelectionHighlighted[str]) -> None:
        name = event.selection.value
        self.query_one("#picker-summary", Static).update(self._summaries.get(name, ""))

    @property
    def selection_list(self) -> SelectionList[str]:
        return self.query_one("#strategy-list", SelectionList)

    @property
    def selected(self) -> list[str]:
        return list(self.selection_list.selected)

    def set_enabled(self, name: str, enabled: bool) -> None:
        if enabled:
            self.selection_list.select(name)
        else:
            self.selection_list.deselect(name)
