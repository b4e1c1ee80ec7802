"""Choose what to export (which strategy, which format) from the TUI. The
dialog only collects the choice; the app writes the file."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Select, Static

from playground.config.exporters import FORMATS
from playground.tui.screens.profiles import ProfileDialog

FORMAT_HELP = {
    "toml": "this project's policy file: loads with --config or Router.from_file",
    "litellm": "a LiteLLM proxy config.yaml",
    "portkey": "a Portkey gateway config (JSON)",
}


class ExportDialog(ProfileDialog):
    """Returns (strategy, format), or None. Shares the profile dialogs' look and Esc."""

    # Enter exports right away; Tab reaches the strategy and format selects.
    AUTO_FOCUS = "#export-go"

    def __init__(self, strategies: Sequence[str], strategy: str, fmt: str = "toml") -> None:
        super().__init__()
        self.strategies = list(dict.fromkeys(strategies))
        self.strategy = strategy if strategy in self.strategies else self.strategies[0]
        self.fmt = fmt if fmt in FORMATS else FORMATS[0]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Export the tuned policy", classes="dialog-title", markup=False)
            yield Static("strategy", classes="dialog-note", markup=False)
            yield Select([(s, s) for s in self.strategies], value=self.strategy, allow_blank=False,
                         id="export-strategy")
            yield Static("format", classes="dialog-note", markup=False)
            yield Select([(f"{f}: {FORMAT_HELP[f]}", f) for f in FORMATS], value=self.fmt, allow_blank=False,
                         id="export-format")
            yield Button("Export", id="export-go", variant="primary")
            yield Static("Enter exports: writes the file (owner-only) and copies it to the clipboard · "
                         "Tab to change · Esc cancels",
                         classes="dialog-help", markup=False)

    @on(Select.Changed, "#export-strategy")
    def _strategy(self, event: Select.Changed) -> None:
        self.strategy = str(event.value)

    @on(Select.Changed, "#export-format")
    def _format(self, event: Select.Changed) -> None:
        self.fmt = str(event.value)

    @on(Button.Pressed, "#export-go")
    def _export(self) -> None:
        self.dismiss((self.strategy, self.fmt))
