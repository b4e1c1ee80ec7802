"""Pick a theme with a live preview: moving the highlight applies the theme at
once; Enter keeps it (the app remembers it), Esc puts the previous one back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class ThemePicker(ModalScreen[str | None]):
    """Dismisses with the chosen theme's name, or None when cancelled."""

    DEFAULT_CSS = """
    ThemePicker {
        align: right middle;
        background: $background 0%;
    }
    ThemePicker > Vertical {
        width: 40;
        height: 80%;
        background: $surface;
        border: round $primary;
        padding: 0 1;
    }
    ThemePicker #theme-hint {
        color: $text-muted;
    }
    ThemePicker OptionList {
        height: 1fr;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel_theme"),
    ]

    def __init__(self, themes: Sequence[str], current: str, builtin: Sequence[str] = ()) -> None:
        super().__init__()
        self.themes = list(themes)
        self.original = current
        self.builtin = set(builtin)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Theme · ↑↓ preview · Enter keeps · Esc cancels", id="theme-hint", markup=False)
            options = [Option(f"{name}{'  ★' if name in self.builtin else ''}", id=name) for name in self.themes]
            yield OptionList(*options, id="theme-list")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.original in self.themes:
            options.highlighted = self.themes.index(self.original)
        options.focus()

    @on(OptionList.OptionHighlighted)
    def _preview(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.app.theme = event.option.id

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.app.theme = self.original
        self.dismiss(None)
