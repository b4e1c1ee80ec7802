"""The prompt editor and its hint line (how to send, size of the prompt)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TextArea

SEND_HINT = "Ctrl+Enter, Ctrl+S or F5 sends · Esc stops · F2 strategies · Ctrl+P commands"


class PromptBox(Vertical):
    """A multi-line prompt with a visible hint; the app does the sending."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial = text

    def compose(self) -> ComposeResult:
        area = TextArea(
            self._initial,
            id="prompt",
            soft_wrap=True,
            tab_behavior="focus",
            highlight_cursor_line=False,
            placeholder="Ask something, e.g. “Compare quicksort and mergesort for nearly sorted data”",
        )
        area.border_title = "Prompt"
        yield area
        yield Static(SEND_HINT, id="prompt-hint", markup=False)

    @property
    def area(self) -> TextArea:
        return self.query_one("#prompt", TextArea)

    @property
    def text(self) -> str:
        return self.area.text

    def set_size_note(self, note: str) -> None:
        """Show the prompt's measured size next to the send hint."""
        hint = f"{note} · {SEND_HINT}" if note else SEND_HINT
        self.query_one("#prompt-hint", Static).update(hint)
