"""The row of columns: they share the width down to a readable minimum;
past that the row shows a page of columns and a bar says how many are off
screen on each side (and which keys page). One column can be maximised.

Columns off the page are not displayed (so not laid out or drawn), but
keep streaming: paging back draws what they received meanwhile.

The row also settles the heap once every column has ended (`settle_heap`):
the garbage collector's full passes then skip what the app keeps, instead of
walking it mid-stream. Only when the `tui` command owns the collector
(`tui/startup.py`): an app embedded by a test or a library caller leaves it alone.
"""

from __future__ import annotations

import gc
import time

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

from playground.tui.bindings import key_label
from playground.tui.startup import owns_collector
from playground.tui.style_cache import forget_removed_widgets
from playground.tui.widgets.column import StrategyColumn

# A column narrower than this is not readable (cells, including its margin).
MIN_COLUMN_WIDTH = 34
# How long every column must have been idle before the heap is settled, and
# how often at most a settle walks everything (~0.2 s of CPU); the others walk
# only what was made since the last (tens of milliseconds).
SETTLE_AFTER_S = 0.5
SETTLE_EVERY_S = 60.0


def settle_heap(*, everything: bool = True) -> None:
    """Collect now, then freeze what survived (`gc.freeze`): the collector's
    automatic full passes then walk only what was made since.

    Why: the app holds ~350k tracked objects (its modules, the SDKs' models,
    Textual's cached strips); with eight fast columns a full pass came about
    once per send and took 200-270 ms (CPU), stalling frames and keys
    mid-stream (bench/bench_tui.py; 20 ms once frozen). Each send's
    survivors grew the unfrozen heap again, so until the next settle full
    passes came mid-stream once more, 30-45 ms each (bench_tui's frames,
    2026-12-03): hence a settle after every send, walking only what is not
    frozen. `everything` unfreezes first, so what was frozen and has since
    died in a cycle is freed too (the row does that at most once a minute)."""
    forget_removed_widgets()  # else removed widgets' drawn lines survive the collection
    if everything:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


class PageBar(Static):
    """One line under the columns, shown only when some are off screen."""

    DEFAULT_CSS = """
    PageBar {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $boost;
        color: $text-muted;
        display: none;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    PageBar.-shown {
        display: block;
    }
    """

    shown: reactive[bool] = reactive(False, toggle_class="-shown")


class ColumnsRow(Horizontal):
    DEFAULT_CSS = """
    ColumnsRow {
        height: 1fr;
        padding: 0 1 0 0;
    }
    """

    first: reactive[int] = reactive(0, init=False)
    maximized: reactive[str | None] = reactive(None, init=False)

    def __init__(self, *children: StrategyColumn, id: str | None = None) -> None:
        super().__init__(*children, id=id)
        self._columns: list[StrategyColumn] | None = None
        self._settle_timer: Timer | None = None
        self._settled_at: float | None = None

    def compose(self) -> ComposeResult:
        yield PageBar(id="pager", markup=False)

    @property
    def columns(self) -> list[StrategyColumn]:
        """The columns in order (kept: a DOM query per frame was a hot spot;
        mounting or removing one resets it)."""
        if self._columns is None:
            self._columns = list(self.query_children(StrategyColumn))
        return self._columns

    def forget_columns(self) -> None:
        """A column was mounted or removed: list them again."""
        self._columns = None

    # -- the heap between runs ------------------------------------------------------------
    def on_strategy_column_finished(self) -> None:
        """A run ended (the message bubbles on to the app): settle the heap
        once every column has been idle for a moment. The first settle, and
        then one at most once a minute, walks everything (the first freezes
        the bulk, the SDKs loaded by the first send); the others only what
        the runs since made."""
        if self._settle_timer is not None:
            self._settle_timer.stop()
        self._settle_timer = self.set_timer(SETTLE_AFTER_S, self._settle)

    def _settle(self) -> None:
        self._settle_timer = None
        if not owns_collector() or not gc.isenabled():
            return  # a test's or a library caller's collector is theirs
        if any(c.running or c.markdown_due for c in self.columns):
            return  # the next run's end settles it
        everything = self._settled_at is None or time.monotonic() - self._settled_at >= SETTLE_EVERY_S
        settle_heap(everything=everything)
        if everything:
            self._settled_at = time.monotonic()

    def on_unmount(self) -> None:
        if self._settled_at is not None:
            gc.unfreeze()  # the row is going: let the collector see everything again

    @property
    def per_page(self) -> int:
        """How many columns fit side by side at a readable width."""
        return max(1, (self.size.width or 1) // MIN_COLUMN_WIDTH)

    @property
    def visible(self) -> list[StrategyColumn]:
        columns = self.columns
        if self.maximized is not None:
            return [c for c in columns if c.strategy.name == self.maximized]
        first = self._first(len(columns))
        return columns[first:first + self.per_page]

    @property
    def off_screen(self) -> tuple[int, int]:
        """Columns hidden to the left and to the right."""
        columns = self.columns
        visible = self.visible
        if not visible:
            return 0, 0
        start = columns.index(visible[0])
        return start, len(columns) - start - len(visible)

    def _first(self, count: int) -> int:
        return max(0, min(self.first, count - self.per_page))

    def page(self, delta: int) -> None:
        """Move a page left (-1) or right (+1); when maximised, to the previous or next column."""
        columns = self.columns
        if not columns:
            return
        if self.maximized is not None:
            names = [c.strategy.name for c in columns]
            index = names.index(self.maximized) if self.maximized in names else 0
            self.maximized = names[max(0, min(len(names) - 1, index + delta))]
            return
        self.first = max(0, min(self._first(len(columns)) + delta * self.per_page, len(columns) - self.per_page))

    def toggle_maximized(self, name: str | None) -> None:
        self.maximized = None if self.maximized is not None else name

    def watch_first(self) -> None:
        self.fit()

    def watch_maximized(self) -> None:
        self.fit()

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Show the columns of the current page, and say what is off screen."""
        self.forget_columns()  # called after columns are mounted or removed
        columns = self.columns
        if self.maximized is not None and self.maximized not in {c.strategy.name for c in columns}:
            self.maximized = None  # its column was removed
            return
        visible = set(self.visible)
        for column in columns:
            shown = column in visible
            if shown and not column.display:
                column.display = True
                column.catch_up()  # off the page, it drew nothing
            elif column.display != shown:
                # Only on a change: assigning a style, even its current value, restyles the column
                # and lays the screen out again (this runs on every resize, the first one too).
                column.display = shown
        self._show_bar(len(columns))

    def _show_bar(self, count: int) -> None:
        bar = self.query_one(PageBar)
        left, right = self.off_screen
        app = self.app
        if self.maximized is not None:
            position = [c.strategy.name for c in self.columns].index(self.maximized) + 1
            bar.update(f"⛶ {self.maximized} maximised ({position} of {count}) · "
                       f"{key_label(app, 'toggle_maximize')} restores · "
                       f"{key_label(app, 'page_left')} / {key_label(app, 'page_right')} previous / next")
            bar.shown = True
            return
        bar.shown = bool(left or right)
        if bar.shown:
            first = count - right - len(self.visible) + 1
            bar.update(f"{'◀ ' + str(left) + ' more · ' if left else ''}columns {first}–{count - right} of {count}"
                       f"{' · ' + str(right) + ' more ▶' if right else ''} · "
                       f"{key_label(app, 'page_left')} / {key_label(app, 'page_right')} pages · "
                       f"{key_label(app, 'toggle_maximize')} maximises")
