"""The key footer: the active bindings as one line of text (a remapped key
shows remapped; a binding whose action is unavailable is dimmed). Compact,
it lists only the essential keys (the rest stay bound and are in the
command palette), so it fits 80 columns.

Every screen with keys to show uses it. Textual's `Footer` is a widget per
key and recomposes on every bindings refresh: each time columns start or
finish, and on the tuning, evaluation and history screens each time focus
moves (a new set of key widgets mounted and laid out, about a fifth of the
CPU of working through those screens). This redraws two lines of text
instead. Keys are clickable, as in Textual's footer.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from playground.tui.bindings import COMPACT_FOOTER_IDS

_KEY = "bold $footer-key-foreground on $footer-key-background"
_DESCRIPTION = "$footer-description-foreground on $footer-description-background"


class KeyFooter(Horizontal):
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyFooter > #footer-keys {
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    KeyFooter > #footer-palette {
        width: auto;
        border-left: vkey $foreground 20%;
        padding: 0 1 0 0;
    }
    """

    compact: reactive[bool] = reactive(False)

    def __init__(self) -> None:
        super().__init__()
        self._keys = Content("")
        self._palette = Content("")
        self._spans: list[tuple[int, int, str]] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="footer-keys", markup=False)
        yield Static("", id="footer-palette", markup=False)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self.draw)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.draw()

    def watch_compact(self) -> None:
        if self.is_mounted:
            self.draw()

    def _entry(self, binding: Binding, enabled: bool) -> Content:
        """" ^s Send " (as Textual's footer writes it), compact "^s Send "."""
        key = self.app.get_key_display(binding)
        if self.compact:
            entry = Content.styled(key, _KEY) + Content.styled(f" {binding.description}", _DESCRIPTION) + " "
        else:
            entry = Content.styled(f" {key} ", _KEY) + Content.styled(f"{binding.description} ", _DESCRIPTION)
        return entry if enabled else entry.stylize("dim")

    def on_click(self, event: events.Click) -> None:
        """A click on a key presses it (the entries' cells are known from drawing them)."""
        keys = self.query_one("#footer-keys", Static)
        x = event.screen_x - keys.region.x
        for start, end, key in self._spans:
            if start <= x < end:
                self.app.simulate_key(key)
                return
        palette = self.query_one("#footer-palette", Static)
        if palette.display and palette.region.contains(event.screen_x, event.screen_y):
            self.app.simulate_key(self.app.COMMAND_PALETTE_BINDING)

    def draw(self) -> None:
        """The keys as the screen binds them now, one entry per action."""
        if not self.children:
            return  # not composed yet: `on_mount` draws
        active = self.screen.active_bindings
        palette_key = self.app.COMMAND_PALETTE_BINDING
        seen: set[str] = set()
        entries: list[Content] = []
        spans: list[tuple[int, int, str]] = []
        position = 0
        for key, (_node, binding, enabled, _tooltip) in active.items():
            if not binding.show or binding.action in seen or key == palette_key:
                continue
            seen.add(binding.action)
            if self.compact and binding.id not in COMPACT_FOOTER_IDS:
                continue
            entry = self._entry(binding, enabled)
            entries.append(entry)
            spans.append((position, position + entry.cell_length, key))
            position += entry.cell_length
        self._spans = spans
        keys = Content("").join(entries)
        if keys != self._keys or keys.spans != self._keys.spans:
            self._keys = keys
            self.query_one("#footer-keys", Static).update(keys, layout=False)
        palette = active.get(palette_key)
        palette_static = self.query_one("#footer-palette", Static)
        palette_static.display = palette is not None and self.app.ENABLE_COMMAND_PALETTE
        if palette is not None:
            entry = self._entry(palette.binding, palette.enabled)
            if entry != self._palette:
                self._palette = entry
                palette_static.update(entry)
