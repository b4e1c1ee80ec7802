"""Copying a column's answer (and its trace) to the clipboard: OSC 52 through
the terminal, and the same text written to a file in the user data dir for
terminals that do not pass clipboard escape codes, with a message saying where."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from playground.config import paths
from playground.config.files import write_private
from playground.core.errors import UserError
from playground.tui.trace_format import trace_markdown

if TYPE_CHECKING:
    from playground.tui.app import PlaygroundApp
    from playground.tui.widgets.column import StrategyColumn


def clipboard_file() -> Path:
    """Where a copied answer is also written (terminals without OSC 52)."""
    return paths.data_dir() / "clipboard.md"


def copy_answer(app: PlaygroundApp, strategy: str | None = None, with_trace: bool = False) -> None:
    """Copy `strategy`'s answer; without a name, the focused column's, the only
    column's, or the one the user picks."""
    columns = app.columns
    column = next((c for c in columns if c.strategy.name == strategy), None)
    if column is None and strategy is None:
        focused = app.focused
        column = next((c for c in columns if focused is not None and c in focused.ancestors_with_self), None)
        if column is None and len(columns) == 1:
            column = columns[0]
    if column is None:
        if not columns:
            app.notify("No column to copy from.", title="Copy", severity="warning")
            return
        app.push_screen(ColumnChooser([c.strategy.name for c in columns]),
                        lambda name: copy_answer(app, name, with_trace) if name else None)
        return
    _copy(app, column, with_trace)


def _copy(app: PlaygroundApp, column: StrategyColumn, with_trace: bool) -> None:
    run, name = column.current, column.strategy.name
    if run is None or not (run.displayed or run.result):
        app.notify(f"{name} has no answer yet: send a prompt first.", title="Copy", severity="warning")
        return
    text = run.result.text if run.result is not None and run.result.text else run.displayed
    what = "answer"
    if with_trace:
        text = f"{text}\n\n---\n\n{trace_markdown(name, run.result)}"
        what = "answer and trace"
    app.copy_to_clipboard(text)
    where = clipboard_file()
    try:
        write_private(where, text)
        fallback = f"If your terminal does not pass clipboard escape codes (OSC 52), it is also in {where}"
    except UserError as exc:
        fallback = f"(could not also write it to a file: {exc})"
    app.notify(f"Copied {name}'s {what} ({len(text):,} characters) to the clipboard. {fallback}",
               title="Copied", markup=False, timeout=10)


class ColumnChooser(ModalScreen[str | None]):
    """Which column to copy from, when focus does not say."""

    DEFAULT_CSS = """
    ColumnChooser { align: center middle; }
    ColumnChooser > Vertical { width: 40; height: auto; background: $surface; border: round $primary; }
    ColumnChooser Static { color: $text-muted; padding: 0 1; }
    ColumnChooser OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__()
        self.names = list(names)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Copy which column's answer? (Esc cancels)", markup=False)
            yield OptionList(*[Option(name, id=name) for name in self.names], id="copy-which")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def key_escape(self) -> None:
        self.dismiss(None)
