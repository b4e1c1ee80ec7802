"""Evaluate strategies on recorded outcomes (F11 unless remapped, or the
palette's "Evaluate strategies…").

Left: the dataset (the shipped example unless a path is typed), the
strategies to replay (those needing no model call are ticked), optional
sweeps, the Run button and a progress bar. Right: the sortable results table
(quality, cost per 1,000, savings against the best single model, strong
share, APGR) over the cost–quality plot. Enter on a row opens the tuning
screen with that setting pending (not applied until the user applies it).

Replays run in a worker thread (strategy by strategy, for the progress bar);
anything wrong with the input is one line above the keys, never a
traceback. The loaded dataset is handed to `on_loaded`, so the tuning
preview can show quality while a threshold moves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import ModalScreen
from textual.widgets import Footer, ProgressBar, Static

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.eval.metrics import Metrics
from playground.eval.plot_points import PlotPoint
from playground.eval.result_table import setting_of
from playground.eval.sweep import SweepSpec, parse_sweep
from playground.eval.workbench import Evaluation, Workbench, evaluate, load_replay
from playground.tui.bindings import EVALUATION_BINDINGS
from playground.tui.widgets.eval_picker import DatasetPicker
from playground.tui.widgets.eval_plot import EvalPlot
from playground.tui.widgets.eval_table import EvalTable
from playground.tui.widgets.key_hint import KeyHint

HINT = ("Evaluate · replay recorded outcomes, no model is called · {eval_tune} on a row tunes it · "
        "{eval_sort}/{eval_sort_reverse} sort · {evaluation_run} runs · {evaluation_close} closes")
# (strategy, parameters): the setting the user picked, for the tuning screen.
OnPick = Callable[[str, dict[str, Any]], None]


def _problem(exc: BaseException, path: Path | None) -> str:
    """One line for anything that went wrong reading or replaying."""
    if isinstance(exc, UserError):
        return str(exc)
    where = f"{path}: " if path is not None else ""
    return f"{where}{type(exc).__name__}: {exc}".splitlines()[0]


def parse_sweeps(text: str) -> list[SweepSpec]:
    """Sweeps separated by spaces, commas or semicolons."""
    return [parse_sweep(part) for part in re.split(r"[\s;,]+", text) if part]


class EvaluationScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    EvaluationScreen { background: $background; }
    EvaluationScreen #eval-title { height: 1; padding: 0 1; background: $panel; color: $text-muted;
                                   text-wrap: nowrap; text-overflow: ellipsis; }
    EvaluationScreen #eval-body { height: 1fr; }
    EvaluationScreen #eval-left { width: 30; height: 1fr; border: round $panel; }
    EvaluationScreen #eval-progress { width: 100%; height: 1; }
    EvaluationScreen #eval-progress Bar { width: 1fr; }
    EvaluationScreen #eval-status { height: 1; padding: 0 1; color: $text-muted; text-wrap: nowrap;
                                    text-overflow: ellipsis; }
    EvaluationScreen #eval-status.-error { height: auto; max-height: 3; color: $text-error; text-wrap: wrap; }
    EvaluationScreen #eval-right { width: 1fr; height: 1fr; }
    EvaluationScreen #eval-summary { height: 1; padding: 0 1; color: $text-muted; text-wrap: nowrap;
                                     text-overflow: ellipsis; }
    EvaluationScreen EvalTable { border: round $primary 60%; }
    EvaluationScreen EvalPlot { border: round $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = list(EVALUATION_BINDINGS)

    state: var[str] = var("loading")  # loading | ready | running | done | error

    def __init__(self, catalog: Catalog, *, bench: Workbench | None = None,
                 on_loaded: Callable[[Workbench], None] | None = None, on_pick: OnPick | None = None) -> None:
        """`bench`: a dataset loaded earlier (else the shipped example is
        loaded); `on_loaded` hears of every dataset loaded; `on_pick` gets the
        setting of a row the user picks."""
        super().__init__()
        self.catalog = catalog
        self.bench = bench
        self.on_loaded = on_loaded
        self.on_pick = on_pick
        self.evaluation: Evaluation | None = None
        self.problem: str | None = None
        self.unable: dict[str, str] = {}  # strategy -> why it cannot replay on the loaded dataset

    def compose(self) -> ComposeResult:
        yield KeyHint(HINT, id="eval-title")
        with Horizontal(id="eval-body"):
            with Vertical(id="eval-left"):
                yield DatasetPicker(id="eval-picker")
                yield ProgressBar(total=1, show_eta=False, id="eval-progress")
            with Vertical(id="eval-right"):
                yield Static("", id="eval-summary", markup=False)
                yield EvalTable(id="eval-table")
                yield EvalPlot(id="eval-plot")
        yield Static("loading the example outcomes…", id="eval-status", markup=False)
        yield Footer()

    @property
    def table(self) -> EvalTable:
        return self.query_one(EvalTable)

    @property
    def plot(self) -> EvalPlot:
        return self.query_one(EvalPlot)

    @property
    def picker(self) -> DatasetPicker:
        return self.query_one(DatasetPicker)

    def on_mount(self) -> None:
        self.plot.show(None)
        if self.bench is not None:
            self._load_done(self.bench, self.bench.replayable())
        else:
            self.state = "loading"
            self._load(None)

    # -- status -------------------------------------------------------------------------
    def say(self, text: str, error: bool = False) -> None:
        status = self.query_one("#eval-status", Static)
        status.update(text)
        status.set_class(error, "-error")
        self.problem = text if error else None

    def _fail(self, message: str) -> None:
        self.state = "error" if self.bench is None else "ready"
        self.say(message, error=True)

    # -- loading ------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="evaluation", exit_on_error=False)
    def _load(self, path: Path | None) -> None:
        try:
            bench = load_replay(path, self.catalog)
            replayable = bench.replayable()
        except Exception as exc:  # one line, never a traceback
            self.app.call_from_thread(self._fail, _problem(exc, path))
            return
        self.app.call_from_thread(self._load_done, bench, replayable, True)

    def _load_done(self, bench: Workbench, replayable: Mapping[str, str | None], run: bool = False) -> None:
        self.bench = bench
        if self.on_loaded is not None:
            self.on_loaded(bench)
        self.picker.offer(replayable)
        cached = "features from the cache" if bench.cached else "features computed"
        pair = f" · pair {bench.pair[0]} / {bench.pair[1]}" if bench.pair else ""
        self.unable = {name: why for name, why in replayable.items() if why}
        self.say(f"{bench.label}: {bench.dataset.n} prompts, {len(bench.dataset.models)} models ({cached}){pair}")
        self.state = "ready"
        if run or self.evaluation is None:
            self.action_run()

    # -- running ------------------------------------------------------------------------
    @on(DatasetPicker.RunRequested)
    def _requested(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        if self.state in ("loading", "running"):
            return
        path = self.picker.path
        if self.bench is None or not self.bench.is_source(path):
            if path is not None and not path.expanduser().exists():
                self._fail(f"{path}: no such file; type the path of a replay dataset (CSV, JSON Lines or Parquet), "
                           "or leave the field empty for the shipped example")
                return
            self.state = "loading"
            self._load(path)
            return
        try:
            sweeps = parse_sweeps(self.picker.sweep_text)
        except UserError as exc:
            self.say(str(exc), error=True)
            return
        names = self.picker.strategies
        if not names and not sweeps:
            self.say("No strategy ticked: tick at least one to replay.", error=True)
            return
        self.state = "running"
        self._run(self.bench, names, sweeps)

    @work(thread=True, exclusive=True, group="evaluation", exit_on_error=False)
    def _run(self, bench: Workbench, names: list[str], sweeps: list[SweepSpec]) -> None:
        def progress(done: int, total: int, what: str) -> None:
            self.app.call_from_thread(self._progress, done, total, what)

        try:
            result = evaluate(bench, names, sweeps, progress)
        except Exception as exc:  # one line, never a traceback
            self.app.call_from_thread(self._fail, _problem(exc, None))
            return
        self.app.call_from_thread(self._show, result)

    def _progress(self, done: int, total: int, what: str) -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)
        if what != "done":
            self.say(f"replaying {what}… ({done}/{total})")

    def _show(self, result: Evaluation) -> None:
        first = self.evaluation is None
        self.evaluation = result
        self.table.show(result.rows)
        self.plot.show(result.plot)
        if first:  # arrows move through the rows, Enter tunes one
            self.table.focus()
        report = result.report
        skipped = "; ".join(f"{name}: {why}" for name, why in {**self.unable, **report.skipped}.items())
        routers = sum(1 for row in report.rows if row.kind == "router")
        self.say(f"{routers} settings replayed on {report.dataset.n} prompts"
                 + (f" · not replayable: {skipped}" if skipped else ""))
        best = result.plot.best_single
        pair = f"pair {report.pair[0]} / {report.pair[1]} · " if report.pair else ""
        self.query_one("#eval-summary", Static).update(
            f"{report.dataset.name} · {pair}best single: {best.strategy} ({best.quality:.1%}, "
            f"${best.cost_per_1k:.4f}/1k) · oracle {result.plot.oracle.quality:.1%} · ★ Pareto front")
        self.state = "done"

    # -- picking ------------------------------------------------------------------------
    def point_for(self, row: Metrics | None) -> PlotPoint | None:
        if row is None or self.evaluation is None:
            return None
        for point in self.evaluation.plot.points:
            if point.strategy == row.strategy and point.params == row.params:
                return point
        return None

    @on(EvalTable.Highlighted)
    def _highlighted(self, event: EvalTable.Highlighted) -> None:
        self.plot.select(self.point_for(event.row))

    @on(EvalTable.Picked)
    def _picked(self, event: EvalTable.Picked) -> None:
        self.pick(event.row)

    def pick(self, row: Metrics) -> None:
        """Open the tuning screen with the row's setting pending."""
        setting = setting_of(row)
        if setting is None:
            self.notify(f"{row.strategy} is a baseline no configuration routes like: pick another row to tune it.",
                        title="Evaluation", severity="warning")
            return
        if self.on_pick is not None:
            self.on_pick(*setting)

    def action_close(self) -> None:
        self.dismiss(None)
