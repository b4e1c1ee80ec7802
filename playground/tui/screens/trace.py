"""The full trace of every column's last run, over the playground (F4)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static


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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f4,q", "dismiss", "Close", id="close_trace"),
    ]

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Decision traces · Esc closes", id="trace-help", markup=False)
            yield Markdown(self.markdown, id="trace")
