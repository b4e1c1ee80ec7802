"""The key footer; compact, it lists only the essential keys (the rest stay
bound and are in the command palette), so it fits 80 columns."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from playground.tui.bindings import COMPACT_FOOTER_IDS, all_bindings

_COMPACT_ACTIONS = frozenset(b.action for b in all_bindings() if b.id in COMPACT_FOOTER_IDS)


class KeyFooter(Footer):
    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if (self.compact and isinstance(widget, FooterKey) and not widget.has_class("-command-palette")
                    and widget.action not in _COMPACT_ACTIONS):
                continue
            yield widget

    def watch_compact(self) -> None:
        if self.is_mounted:
            self.call_after_refresh(self.recompose)
