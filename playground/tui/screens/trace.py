"""The full trace of every column's run, over the playground (F4).

While columns run it follows them: the trace is re-read from the columns a
few times a second and redrawn when it changed (one widget, `MarkdownView`,
so redrawing is cheap), so a streaming column shows its decision and the
calls made so far, then its full trace when it ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from playground.tui.bindings import TRACE_BINDINGS
from playground.tui.widgets.key_hint import KeyHint
from playground.tui.widgets.markdown_view import MarkdownView

REFRESH_HZ = 4


class TraceScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    TraceScreen {
        align: center middle;
    }
    TraceScreen > VerticalScroll {
        width: 90%;
        height: 90%;
        background: $surface;
        border: round $primary;
        padding: 0 1;
    }
    TraceScreen #trace-help {
        color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = list(TRACE_BINDINGS)

    def __init__(self, source: Callable[[], str], *, live: Callable[[], bool] = lambda: False) -> None:
        """`source`: the traces as Markdown, now; `live`: whether runs are
        still going (the screen then keeps re-reading `source`)."""
        super().__init__()
        self.source = source
        self.live = live
        self.markdown = source()

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield KeyHint("Decision traces · {close_trace} closes", id="trace-help")
            yield MarkdownView(self.markdown, id="trace")

    def on_mount(self) -> None:
        self._ticker = self.set_interval(1 / REFRESH_HZ, self._follow)

    def _follow(self) -> None:
        markdown = self.source()
        if markdown != self.markdown:
            self.markdown = markdown
            self.query_one("#trace", MarkdownView).show_markdown(markdown)
        elif not self.live():
            self._ticker.pause()
