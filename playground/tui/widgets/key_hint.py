"""A line of help that names keys as they are bound now.

`KeyHint("Space toggles · {toggle_strategies} closes")` writes each
`{binding_id}` as the key bound to it ("f2", or the keymap's key), and
rewrites itself when the screen's bindings change."""

from __future__ import annotations

import re

from textual.screen import Screen
from textual.widgets import Static

from playground.tui.bindings import key_label

_FIELD = re.compile(r"\{([a-z_]+)\}")


def fill_keys(app: object, template: str) -> str:
    """The template with every `{binding_id}` replaced by its key."""
    return _FIELD.sub(lambda m: key_label(app, m.group(1)), template)  # type: ignore[arg-type]


class KeyHint(Static):
    def __init__(self, template: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.template = template
        self._shown = ""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._shown = fill_keys(self.app, self.template)
        self.update(self._shown)

    def _bindings_changed(self, _screen: Screen[object]) -> None:
        text = fill_keys(self.app, self.template)
        if text != self._shown:  # bindings refresh often; keys change rarely
            self._shown = text
            self.update(text)
