"""The small dialog that asks for a file to attach (an image, a tools file or
a response schema): one path field that completes file names as you type;
Enter attaches, Escape cancels. The dialog only collects the path; the
attachments line loads and checks the file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

from playground.tui.bindings import ATTACH_DIALOG_BINDINGS, key_label

# Completing in a huge directory: look at this many entries at most.
_MAX_ENTRIES = 2000


def complete_path(value: str) -> str | None:
    """The first existing path that starts with `value` (directories end in
    the separator), or None."""
    if not value:
        return None
    typed = Path(value).expanduser()
    folder, prefix = (typed, "") if value.endswith(os.sep) else (typed.parent, typed.name)
    hidden = prefix.startswith(".")  # dot files only when asked for
    try:
        with os.scandir(folder) as entries:
            names = sorted(entry.name + (os.sep if entry.is_dir() else "")
                           for _, entry in zip(range(_MAX_ENTRIES), entries, strict=False)
                           if entry.name.startswith(prefix) and (hidden or not entry.name.startswith(".")))
    except OSError:
        return None
    if not names:
        return None
    return value + names[0][len(prefix):]


class PathSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_path(value)


class AttachDialog(ModalScreen[str | None]):
    """Ask for the path of a file to attach."""

    BINDINGS: ClassVar[list[BindingType]] = list(ATTACH_DIALOG_BINDINGS)
    DEFAULT_CSS = """
    AttachDialog {
        align: center middle;
    }
    AttachDialog > Vertical {
        width: 80%;
        max-width: 90;
        height: auto;
        padding: 1 2;
        border: round $primary;
        background: $surface;
    }
    AttachDialog #attach-help {
        color: $text-muted;
        margin-top: 1;
    }
    """

    def __init__(self, title: str, what: str) -> None:
        super().__init__()
        self._title = title
        self._what = what

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Static(f"Path of the {self._what}:", markup=False)
            yield Input(placeholder="e.g. ~/pictures/chart.png", suggester=PathSuggester(), id="attach-path")
            yield Static(f"→ completes the name · Enter attaches · {key_label(self.app, 'attach_dialog_close')} "
                         "cancels", id="attach-help", markup=False)

    def on_mount(self) -> None:
        self.query_one("#attach-path", Input).focus()

    @property
    def path_input(self) -> Input:
        return self.query_one("#attach-path", Input)

    @on(Input.Submitted, "#attach-path")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
