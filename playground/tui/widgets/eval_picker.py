"""What to evaluate: the dataset (the shipped example, or a path typed in),
the strategies to replay (those that need no model call are ticked; the
others say why they cannot replay) and optional sweeps.

Enter in either field, or the Run button, posts `RunRequested`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, SelectionList
from textual.widgets.selection_list import Selection

from playground.strategies.registry import STRATEGIES

SWEEP_HINT = "sweep: threshold.threshold=0.1:0.9:0.1"


class DatasetPicker(Vertical):
    DEFAULT_CSS = """
    DatasetPicker { height: 1fr; width: 100%; }
    DatasetPicker Label { color: $text-muted; margin: 0 0 0 1; }
    DatasetPicker Input { width: 100%; margin: 0 0 1 0; }
    DatasetPicker #eval-strategies { height: 1fr; min-height: 4; border: round $panel; }
    DatasetPicker #eval-run { width: 100%; min-width: 8; }
    """

    class RunRequested(Message):
        """The user asked for a run with what the picker shows."""

    def compose(self) -> ComposeResult:
        yield Label("Dataset (empty: shipped example)")
        yield Input(placeholder="example outcomes (shipped)", id="eval-path", compact=True)
        yield SelectionList[str](*[Selection(name, name, False) for name in STRATEGIES], id="eval-strategies")
        yield Input(placeholder=SWEEP_HINT, id="eval-sweep", compact=True)
        yield Button("Run", id="eval-run", variant="primary", compact=True)

    @property
    def path(self) -> Path | None:
        text = self.query_one("#eval-path", Input).value.strip()
        return Path(text) if text else None

    @property
    def sweep_text(self) -> str:
        return self.query_one("#eval-sweep", Input).value.strip()

    @property
    def strategies(self) -> list[str]:
        return list(self.query_one("#eval-strategies", SelectionList).selected)

    def offer(self, replayable: Mapping[str, str | None]) -> None:
        """Tick the strategies that replay on this dataset; the others stay
        listed, unticked and disabled; the screen names their reasons."""
        selection: SelectionList[str] = self.query_one("#eval-strategies", SelectionList)
        selection.clear_options()
        for name in STRATEGIES:
            reason = replayable.get(name)
            label = name if reason is None else f"{name}  (cannot replay)"
            selection.add_option(Selection(label, name, reason is None, disabled=reason is not None))

    def set_strategies(self, names: list[str]) -> None:
        selection: SelectionList[str] = self.query_one("#eval-strategies", SelectionList)
        selection.deselect_all()
        for name in names:
            selection.select(name)

    @on(Input.Submitted)
    @on(Button.Pressed, "#eval-run")
    def _run(self, event: Message) -> None:
        event.stop()
        self.post_message(self.RunRequested())
