"""The status line: where answers come from (simulator or real providers).

Simulated and live are styled differently (`-simulated` / `-live`) so nobody
mistakes simulated costs for real ones, or spends real money unaware.
"""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.reactive import var
from textual.widgets import Static

from playground.tui.css import css_beside

Mode = Literal["starting", "simulated", "live", "error"]
_BADGES: dict[Mode, str] = {
    "starting": "STARTING",
    "simulated": "SIMULATED",
    "live": "LIVE",
    "error": "NOT READY",
}


class StatusLine(Horizontal):
    """A mode badge and one line of detail; the mode reaches CSS as one class."""

    DEFAULT_CSS = css_beside(__file__, "status.tcss")

    mode: var[Mode] = var("starting")
    detail: var[str] = var("opening the session…")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="-starting")

    def compose(self) -> ComposeResult:
        yield Static(_BADGES["starting"], id="mode-badge", markup=False)
        yield Static(self.detail, id="mode-detail", markup=False)

    def set_mode(self, mode: Mode, detail: str) -> None:
        self.mode, self.detail = mode, detail

    def watch_mode(self, old: Mode, new: Mode) -> None:
        self.classes = (self.classes - {f"-{old}"}) | {f"-{new}"}
        self._show()

    def watch_detail(self) -> None:
        self._show()

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        """Draw the mode (before its children exist, `on_mount` draws it)."""
        try:
            self.query_one("#mode-badge", Static).update(_BADGES[self.mode])
            self.query_one("#mode-detail", Static).update(self.detail)
        except NoMatches:
            pass

    @property
    def text(self) -> str:
        return f"{_BADGES[self.mode]} {self.detail}"


def split_mode_label(label: str) -> str:
    """`Session.mode_label` starts with "SIMULATED:" or "LIVE:"; the badge
    already says that, so the detail drops it."""
    head, sep, rest = label.partition(":")
    return rest.strip() if sep and head.strip().isupper() else label
