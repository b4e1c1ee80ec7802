"""What to evaluate, and how: replay recorded outcomes (a dataset: the shipped
example unless a path is typed; strategies that need no model call are
ticked; optional sweeps), run a prompt set live through the app's engine (a
shipped prompt set or a path; any strategy; concurrency), or calibrate on a
dataset (target, value, split and seed).

The mode shows only its own fields (a class on the picker). Enter in any
field, or the Run button, posts `RunRequested`; while a live run goes the
button reads Cancel and posts `CancelRequested`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import var
from textual.widgets import Button, Input, Label, Select, SelectionList
from textual.widgets.selection_list import Selection

from playground.eval.live_view import DEFAULT_CONCURRENCY, shipped_prompt_set, shipped_prompt_sets
from playground.eval.sweep import TARGETS, knob_for
from playground.strategies.registry import DEFAULT_STRATEGIES, STRATEGIES

SWEEP_HINT = "sweep: threshold.threshold=0.1:0.9:0.1"
MODES = (("Replay recorded outcomes", "replay"), ("Live: run a prompt set", "live"),
         ("Calibrate on outcomes", "calibrate"))
TARGET_HINTS = {"strong_share": "0.3", "budget_per_1k": "2.5", "quality_floor": "0.8"}


class DatasetPicker(VerticalScroll):
    DEFAULT_CSS = """
    DatasetPicker { height: 1fr; width: 100%; }
    DatasetPicker Label { color: $text-muted; margin: 0 0 0 1; }
    DatasetPicker Input { width: 100%; margin: 0 0 1 0; }
    DatasetPicker Select { width: 100%; margin: 0 0 1 0; }
    DatasetPicker #eval-strategies { height: auto; max-height: 14; min-height: 4; border: round $panel; }
    DatasetPicker #eval-run { width: 100%; min-width: 8; }
    DatasetPicker .-live-only, DatasetPicker .-calibrate-only { display: none; }
    DatasetPicker.-live .-live-only, DatasetPicker.-calibrate .-calibrate-only { display: block; }
    DatasetPicker.-live .-replay-only, DatasetPicker.-calibrate .-sweep { display: none; }
    """

    mode: var[str] = var("replay")
    running_live: var[bool] = var(False)

    class RunRequested(Message):
        """The user asked for a run with what the picker shows."""

    class CancelRequested(Message):
        """The user asked to stop the live run under way."""

    class ModeChanged(Message):
        def __init__(self, mode: str) -> None:
            super().__init__()
            self.mode = mode

    LABELS: ClassVar[dict[str, str]] = {
        "replay": "Dataset (empty: example)",
        "calibrate": "Dataset (empty: example)",
        "live": "Prompt set file (optional)",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.replayable: dict[str, str | None] = {}

    def compose(self) -> ComposeResult:
        yield Select(MODES, value="replay", allow_blank=False, id="eval-mode", compact=True)
        yield Select([(name, name) for name in shipped_prompt_sets()], value=shipped_prompt_sets()[0],
                     allow_blank=False, id="eval-set", compact=True, classes="-live-only")
        yield Label(self.LABELS["replay"], id="eval-path-label")
        yield Input(placeholder="example outcomes (shipped)", id="eval-path", compact=True)
        yield SelectionList[str](*[Selection(name, name, False) for name in STRATEGIES], id="eval-strategies")
        yield Label("Concurrency", classes="-live-only")
        yield Input(placeholder=str(DEFAULT_CONCURRENCY), id="eval-concurrency", type="integer", compact=True,
                    classes="-live-only")
        yield Select([(kind, kind) for kind in TARGETS], value=TARGETS[0], allow_blank=False, id="eval-target",
                     compact=True, classes="-calibrate-only")
        yield Input(placeholder=f"target value, e.g. {TARGET_HINTS[TARGETS[0]]}", id="eval-target-value",
                    compact=True, classes="-calibrate-only")
        yield Label("Fit split · seed", classes="-calibrate-only")
        yield Input(value="0.5", id="eval-split", type="number", compact=True, classes="-calibrate-only")
        yield Input(value="0", id="eval-seed", type="integer", compact=True, classes="-calibrate-only")
        yield Input(placeholder=SWEEP_HINT, id="eval-sweep", compact=True, classes="-replay-only -sweep")
        yield Button("Run", id="eval-run", variant="primary", compact=True)

    # -- what the fields hold -----------------------------------------------------------
    def _text(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    @property
    def path(self) -> Path | None:
        text = self._text("eval-path")
        return Path(text) if text else None

    @property
    def prompt_set(self) -> tuple[Path, str]:
        """The live run's prompt set file and how to name it: a typed path, else the chosen shipped set."""
        typed = self.path
        if typed is not None:
            return typed, str(typed)
        name = str(self.query_one("#eval-set", Select).value)
        return shipped_prompt_set(name), f"{name} (shipped)"

    @property
    def sweep_text(self) -> str:
        return self._text("eval-sweep")

    @property
    def concurrency_text(self) -> str:
        return self._text("eval-concurrency")

    @property
    def target(self) -> tuple[str, str]:
        """(kind, value as typed)."""
        return str(self.query_one("#eval-target", Select).value), self._text("eval-target-value")

    @property
    def split_text(self) -> tuple[str, str]:
        return self._text("eval-split"), self._text("eval-seed")

    @property
    def strategies(self) -> list[str]:
        return list(self.query_one("#eval-strategies", SelectionList).selected)

    # -- what the fields offer ----------------------------------------------------------
    def offer(self, replayable: Mapping[str, str | None]) -> None:
        """Remember which strategies replay on the loaded dataset and offer the
        mode's choice: for replay those (the others listed, unticked and
        disabled; the screen names their reasons); for calibration those that
        also have a calibration knob; live, every strategy (the defaults ticked)."""
        self.replayable = dict(replayable)
        self._offer()

    def _offer(self) -> None:
        selection: SelectionList[str] = self.query_one("#eval-strategies", SelectionList)
        selection.clear_options()
        for name, cls in STRATEGIES.items():
            if self.mode == "live":
                selection.add_option(Selection(name, name, name in DEFAULT_STRATEGIES))
                continue
            reason = self.replayable.get(name)
            if reason is None and self.mode == "calibrate" and knob_for(cls) is None:
                reason = "no calibration knob"
            label = name if reason is None else f"{name}  (cannot {'replay' if self.mode == 'replay' else 'calibrate'})"
            selection.add_option(Selection(label, name, reason is None, disabled=reason is not None))

    def set_strategies(self, names: list[str]) -> None:
        selection: SelectionList[str] = self.query_one("#eval-strategies", SelectionList)
        selection.deselect_all()
        for name in names:
            selection.select(name)

    def set_mode(self, mode: str) -> None:
        self.query_one("#eval-mode", Select).value = mode

    def watch_mode(self, old: str, mode: str) -> None:
        self.remove_class(f"-{old}")
        self.add_class(f"-{mode}")
        self.query_one("#eval-path-label", Label).update(self.LABELS[mode])
        self.query_one("#eval-path", Input).placeholder = (
            "a prompt set: JSON Lines, CSV or text" if mode == "live" else "example outcomes (shipped)")
        if self.is_mounted:
            self._offer()

    def watch_running_live(self, running: bool) -> None:
        button = self.query_one("#eval-run", Button)
        button.label = "Cancel" if running else "Run"
        button.variant = "warning" if running else "primary"

    @on(Select.Changed, "#eval-mode")
    def _mode(self, event: Select.Changed) -> None:
        event.stop()
        self.mode = str(event.value)
        self.post_message(self.ModeChanged(self.mode))

    @on(Select.Changed, "#eval-target")
    def _target(self, event: Select.Changed) -> None:
        event.stop()
        hint = TARGET_HINTS.get(str(event.value), "")
        self.query_one("#eval-target-value", Input).placeholder = f"target value, e.g. {hint}"

    @on(Input.Submitted)
    @on(Button.Pressed, "#eval-run")
    def _run(self, event: Message) -> None:
        event.stop()
        self.post_message(self.CancelRequested() if self.running_live else self.RunRequested())
