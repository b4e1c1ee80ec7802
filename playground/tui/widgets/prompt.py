"""The prompt editor and its hint line (how to send, size of the prompt).

The hint names the keys as they are bound now (a keymap can change them)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Static, TextArea

from playground.tui.bindings import PALETTE_ID, key_label
from playground.tui.css import css_beside


class PromptBox(Vertical):
    """A multi-line prompt with a visible hint; the screen does the sending."""

    DEFAULT_CSS = css_beside(__file__, "prompt.tcss")

    size_note: var[str] = var("")

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial = text
        self._hint = ""

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
        yield Static("", id="prompt-hint", markup=False)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._show_hint()
        # A prefilled (or remembered) prompt is continued, not typed in front of.
        area = self.query_one("#prompt", TextArea)
        area.move_cursor(area.document.end)

    def _bindings_changed(self, _screen: Screen[object]) -> None:
        self._show_hint()

    @property
    def area(self) -> TextArea:
        return self.query_one("#prompt", TextArea)

    @property
    def text(self) -> str:
        return self.area.text

    def send_hint(self) -> str:
        app = self.app
        return (f"{key_label(app, 'send', every=True)} sends · {key_label(app, 'stop')} stops · "
                f"{key_label(app, 'toggle_strategies')} strategies · {key_label(app, PALETTE_ID)} commands")

    def set_size_note(self, note: str) -> None:
        """Show the prompt's measured size next to the send hint."""
        self.size_note = note

    def watch_size_note(self) -> None:
        if self.is_mounted:
            self._show_hint()

    def _show_hint(self) -> None:
        hint = self.send_hint()
        text = f"{self.size_note} · {hint}" if self.size_note else hint
        if text != self._hint:  # bindings refresh often; keys change rarely
            self._hint = text
            self.query_one("#prompt-hint", Static).update(text, layout=False)  # one line, clipped
