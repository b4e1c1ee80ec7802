"""Evaluate strategies (F11 unless remapped, or the palette's "Evaluate
strategies…") three ways: replay recorded outcomes, run a prompt set live
through the app's engine, or calibrate a strategy's knob to a target.

Left: the mode, the dataset or prompt set (shipped unless a path is typed),
the strategies, the mode's own fields (sweeps; concurrency; target, value,
split and seed), the Run button and a progress bar. Right: the sortable
results table over the cost–quality plot and its legend. Enter on a row
opens the tuning screen with that setting pending (not applied until the
user applies it): a replayed point, a sweep step or a calibrated setting.

Replays and calibrations run in a worker thread (strategy by strategy, for
the progress bar). A live run is an async worker on the app's engine: each
row is written to the results store as it arrives, Esc (or the button, which
reads Cancel) stops it keeping those rows, and running the same set again
resumes from them. Anything wrong with the input is one line above the keys,
never a traceback. The loaded dataset is handed to `on_loaded`, so the
tuning preview can show quality while a threshold moves.
"""

from __future__ import annotations

import asyncio
import math
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
from textual.widgets import ProgressBar, Static
from textual.worker import Worker

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.core.pricing import format_usd
from playground.engine.runner import Engine
from playground.eval.live import LiveProgress
from playground.eval.live_view import (
    LIVE_COLUMNS,
    LivePlan,
    LiveResult,
    parse_concurrency,
    plan_live,
    progress_text,
    read_back,
    run_plan,
    stored_rows,
)
from playground.eval.metrics import Metrics
from playground.eval.plot_points import PlotPoint
from playground.eval.result_table import PAIR_PARAMS, setting_of
from playground.eval.sweep import SweepSpec, Target, parse_sweep, parse_target
from playground.eval.tuning import describe_tuning
from playground.eval.workbench import (
    Calibration,
    Evaluation,
    Workbench,
    calibrate,
    evaluate,
    load_replay,
)
from playground.tui.bindings import EVALUATION_BINDINGS
from playground.tui.widgets.eval_picker import DatasetPicker
from playground.tui.widgets.eval_plot import EvalPlot, PlotLegend
from playground.tui.widgets.eval_table import EvalTable
from playground.tui.widgets.key_footer import KeyFooter
from playground.tui.widgets.key_hint import KeyHint

HINT = ("Evaluate · replay, live or calibrate · {eval_tune} on a row tunes it · "
        "{eval_sort}/{eval_sort_reverse} sort · {evaluation_run} runs · {evaluation_close} stops a live run, "
        "else closes")
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


def parse_calibration(kind: str, value: str, split: str, seed: str) -> tuple[Target, float, int]:
    """The calibration fields: target, fit share and seed; `UserError` naming the field otherwise."""
    if not value:
        raise UserError(f"Type the {kind} to calibrate to (e.g. {kind}=0.3), then run.")
    target = parse_target(f"{kind}={value}")
    try:
        fraction = float(split or "0.5")
    except ValueError:
        raise UserError(f"split {split!r}: the share of prompts to fit on, e.g. 0.5") from None
    if not 0.0 < fraction < 1.0:
        raise UserError(f"split {fraction:g}: the share of prompts to fit on lies strictly between 0 and 1")
    try:
        number = int(seed or "0")
    except ValueError:
        raise UserError(f"seed {seed!r}: a whole number, e.g. 0") from None
    return target, fraction, number


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
    EvaluationScreen #eval-status.-wrap { height: auto; max-height: 3; text-wrap: wrap; }
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
        self.calibration: Calibration | None = None
        self.live: LiveResult | None = None  # the last live run's rows (after it ended or was stopped)
        self.live_plan: LivePlan | None = None
        self._live_worker: Worker[None] | None = None
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
                yield PlotLegend("", id="eval-legend")
        yield Static("loading the example outcomes…", id="eval-status", markup=False)
        yield KeyFooter()

    @property
    def table(self) -> EvalTable:
        return self.query_one(EvalTable)

    @property
    def plot(self) -> EvalPlot:
        return self.query_one(EvalPlot)

    @property
    def picker(self) -> DatasetPicker:
        return self.query_one(DatasetPicker)

    @property
    def live_running(self) -> bool:
        return self._live_worker is not None and not self._live_worker.is_finished

    def on_mount(self) -> None:
        self.plot.show(None)
        if self.bench is not None:
            self._load_done(self.bench, self.bench.replayable())
        else:
            self.state = "loading"
            self._load(None)

    # -- status -------------------------------------------------------------------------
    def say(self, text: str, error: bool = False, wrap: bool = False) -> None:
        status = self.query_one("#eval-status", Static)
        status.update(text)
        status.set_class(error, "-error")
        status.set_class(wrap and not error, "-wrap")
        self.problem = text if error else None

    def _fail(self, message: str) -> None:
        self.state = "error" if self.bench is None else "ready"
        self.say(message, error=True)

    # -- loading ------------------------------------------------------------------------
    @work(description="load a dataset", thread=True, exclusive=True, group="evaluation", exit_on_error=False)
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

    @on(DatasetPicker.ModeChanged)
    def _mode(self, event: DatasetPicker.ModeChanged) -> None:
        if event.mode == "live":
            self.say("Live: the prompt set goes through the app's engine; Run starts, Esc stops (rows kept).")
        elif self.bench is not None:
            self.say(f"{self.bench.label}: {self.bench.dataset.n} prompts; Run "
                     + ("calibrates on one split, reports on the other" if event.mode == "calibrate" else "replays"))

    # -- running ------------------------------------------------------------------------
    @on(DatasetPicker.RunRequested)
    def _requested(self) -> None:
        self.action_run()

    @on(DatasetPicker.CancelRequested)
    def _cancel_requested(self) -> None:
        self.cancel_live()

    def action_run(self) -> None:
        if self.state in ("loading", "running"):
            return
        if self.picker.mode == "live":
            self._start_live()
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
        if self.picker.mode == "calibrate":
            self._start_calibration(self.bench)
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
        swept = list(dict.fromkeys([*names, *(sweep.strategy for sweep in sweeps)]))
        self._run(self.bench, names, sweeps, self._applied_tuning(swept, replay=True))

    @work(description="replay strategies", thread=True, exclusive=True, group="evaluation", exit_on_error=False)
    def _run(self, bench: Workbench, names: list[str], sweeps: list[SweepSpec],
             tuned: dict[str, dict[str, Any]]) -> None:
        def progress(done: int, total: int, what: str) -> None:
            self.app.call_from_thread(self._progress, done, total, what)

        try:
            result = evaluate(bench, names, sweeps, progress, params=tuned)
        except Exception as exc:  # one line, never a traceback
            self.app.call_from_thread(self._fail, _problem(exc, None))
            return
        self.app.call_from_thread(self._show, result)

    def _progress(self, done: int, total: int, what: str, verb: str = "replaying") -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)
        if what != "done":
            self.say(f"{verb} {what}… ({done}/{total})")

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

    # -- calibrating --------------------------------------------------------------------
    def _start_calibration(self, bench: Workbench) -> None:
        try:
            target, fraction, seed = parse_calibration(*self.picker.target, *self.picker.split_text)
        except UserError as exc:
            self.say(str(exc), error=True)
            return
        names = self.picker.strategies
        if not names:
            self.say("No strategy ticked: tick one with a calibration knob (threshold, complexity…).", error=True)
            return
        self.state = "running"
        self._calibrate(bench, names, target, fraction, seed, self._applied_tuning(names, replay=True))

    @work(description="calibrate a strategy", thread=True, exclusive=True, group="evaluation", exit_on_error=False)
    def _calibrate(self, bench: Workbench, names: list[str], target: Target, fraction: float, seed: int,
                   tuned: dict[str, dict[str, Any]]) -> None:
        def progress(done: int, total: int, what: str) -> None:
            self.app.call_from_thread(self._progress, done, total, what, "calibrating")

        try:
            result = calibrate(bench, names, target, fraction, seed, progress, params=tuned)
        except Exception as exc:  # one line, never a traceback
            self.app.call_from_thread(self._fail, _problem(exc, None))
            return
        self.app.call_from_thread(self._show_calibration, result)

    def _show_calibration(self, result: Calibration) -> None:
        self.calibration = result
        evaluation = result.evaluation
        self.table.show(evaluation.rows)
        self.plot.show(evaluation.plot)
        self.table.focus()
        self.query_one("#eval-summary", Static).update(
            f"calibrated {result.target.label} · {result.split.describe()} · every figure on the held-out split")
        problems = [f"{name}: {line}" for name, line in result.unreachable.items()]
        skipped = [f"{name}: {why}" for name, why in evaluation.report.skipped.items()]
        if problems:
            self.say(" · ".join(problems + result.lines() + skipped), error=True)
        else:
            self.say(" · ".join(result.lines() + [f"not calibrated: {line}" for line in skipped]), wrap=True)
        self.state = "done"

    # -- live runs ----------------------------------------------------------------------
    def _start_live(self) -> None:
        engine: Engine | None = getattr(self.app, "engine", None)
        if engine is None:
            self.say("The session is still opening: run again in a moment.", error=True)
            return
        source, label = self.picker.prompt_set
        try:
            concurrency = parse_concurrency(self.picker.concurrency_text)
            plan = plan_live(source, self.picker.strategies, self.catalog, concurrency, label=label,
                             tuned=self._applied_tuning(self.picker.strategies))
            resumed = stored_rows(plan)
        except UserError as exc:
            self.say(str(exc), error=True)
            return
        self.live_plan = plan
        self.state = "running"
        self.picker.running_live = True
        self.query_one(ProgressBar).update(total=plan.total, progress=resumed)
        tuned = " · ".join(f"{task.label} {describe_tuning(task.strategy)}" for task in plan.tasks if task.params)
        self.query_one("#eval-summary", Static).update(
            f"live · {label} · {len(plan.items)} prompts × {len(plan.tasks)} strategies · "
            f"{plan.references} with a reference · " + (f"as tuned: {tuned} · " if tuned else "")
            + f"results in {plan.store_path}")
        self.say(progress_text(plan, LiveProgress(resumed, plan.total, 0, resumed)))
        self._live_worker = self._live(plan, engine)

    def _applied_tuning(self, names: list[str], *, replay: bool = False) -> dict[str, dict[str, Any]]:
        """The values applied in the app (not pending edits): what the columns use, so a replay,
        calibration or live row of a strategy measures its column's setting. A replay keeps the
        dataset's strong/weak pair: recorded outcomes exist only for the dataset's models."""
        tuning = getattr(self.app, "tuning", None)
        if tuning is None:
            return {}
        applied = {name: tuning.overrides(name, pending=False) for name in names}
        if replay:
            applied = {name: {k: v for k, v in values.items() if k not in PAIR_PARAMS}
                       for name, values in applied.items()}
        return applied

    @work(description="run a live comparison", exclusive=True, group="evaluation-live", exit_on_error=False)
    async def _live(self, plan: LivePlan, engine: Engine) -> None:
        def progress(p: LiveProgress) -> None:
            self.query_one(ProgressBar).update(total=p.total, progress=p.done)
            self.say(progress_text(plan, p))

        try:
            result = await run_plan(plan, engine, progress)
        except asyncio.CancelledError:
            if self.is_attached:  # stopped by the user, not by the app closing
                self._show_live(read_back(plan), stopped=True)
            raise
        except Exception as exc:  # one line, never a traceback
            self.picker.running_live = False
            self._fail(_problem(exc, plan.store_path))
            return
        self._show_live(result, stopped=False)

    def cancel_live(self) -> bool:
        """Stop the live run under way (the rows written stay); False when none runs."""
        if not self.live_running or self._live_worker is None:
            return False
        self._live_worker.cancel()
        return True

    def _show_live(self, result: LiveResult, stopped: bool) -> None:
        plan = result.plan
        self.live = result
        self.picker.running_live = False
        self.table.show(result.metrics, LIVE_COLUMNS)
        self.plot.show_live(plan.label, result.metrics)
        kept = len(result.rows)
        if stopped:
            self.say(f"stopped: {kept} of {plan.total} rows kept in the store; Run again resumes from them")
        else:
            resumed = f" · resumed {result.resumed} rows" if result.resumed else ""
            failed = sum(1 for row in result.rows if row.error is not None)
            scoring = "" if plan.references else " · no reference: quality not scored"
            spent = format_usd(sum(row.cost_usd + row.judge_cost_usd for row in result.rows))
            self.say(f"live {plan.label}: {kept}/{plan.total} done" + (f" · {failed} failed" if failed else "")
                     + f" · {spent} spent" + resumed + scoring)
        self.state = "done"

    # -- picking ------------------------------------------------------------------------
    def point_for(self, row: Metrics | None) -> PlotPoint | None:
        """Where the row sits in the plot (a live row with no reference sits nowhere)."""
        return None if row is None or math.isnan(row.quality) else PlotPoint.of(row)

    @on(EvalPlot.Drawn)
    def _legend(self, event: EvalPlot.Drawn) -> None:
        self.query_one(PlotLegend).show(event.entries)

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
        """Esc: stop a live run if one is under way, else close."""
        if self.cancel_live():
            return
        self.dismiss(None)
