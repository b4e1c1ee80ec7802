"""The prompt editor and its hint line (how to send, size of the prompt).

The hint names the keys as they are bound now (a keymap can change them)."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Static, TextArea

from playground.tui.bindings import PALETTE_ID, key_label
from playground.tui.css import css_beside


class PromptTextArea(TextArea):
    """A TextArea whose own editing keys (backspace, arrows, Ctrl+K, ...) take effect in order with
    the characters typed around them.

    Textual inserts a character as the editor receives it but resolves a bound key only once the key
    has bubbled up to the app, so with a backlog of input (typing while eight columns stream, a
    macro, a fast chord keyboard) the characters typed after a backspace landed before it ran
    (Textualize/textual#6605). Here the editor runs its own bindings as it receives them; keys it
    does not bind still bubble up as before."""

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable and not self.read_only:
            bindings = self._bindings.copy()
            keymap = self.app._keymap
            if keymap:
                bindings.apply_keymap(keymap)
            for binding in bindings.key_to_bindings.get(event.key, ()):
                if not binding.priority and await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return
        await super()._on_key(event)


class PromptBox(Vertical):
    """A multi-line prompt with a visible hint; the screen does the sending."""

    DEFAULT_CSS = css_beside(__file__, "prompt.tcss")

    size_note: var[str] = var("")

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial = text
        self._hint = ""

    def compose(self) -> ComposeResult:
        area = PromptTextArea(
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
