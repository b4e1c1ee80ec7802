"""The evaluation screen's engine room, free of Textual: a replay dataset
loaded once with its features, every replay the screen asks for, and the
quality figures the tuning preview shows for one setting.

`load_replay` reads a dataset (the shipped example when no path is given)
the way `playground eval` does: mapping sidecar, catalog costs for what the
dataset did not record, per-prompt features from the cache. `evaluate` runs
one `EvalRequest` strategy by strategy so a caller can show progress; the
rows it returns are the ones `run_replay` computes for the same request in
one go (the tests compare them). `Workbench.figures` replays a single setting
on the loaded rows (0.4 ms on the example data, 6 ms on 15,900 rows:
bench/bench_quality_preview.py), so the tuning preview follows a threshold as
it moves, without a debounce.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.core.tokens import TokenCounter, default_counter
from playground.eval.costs import complete_costs
from playground.eval.dataset import ReplayDataset, Split
from playground.eval.dataset_io import load_dataset
from playground.eval.evaluate import Evaluator
from playground.eval.example_data import example_dataset
from playground.eval.features_cache import cached_features
from playground.eval.mapping import resolve_mapping, sidecar_pair
from playground.eval.metrics import Metrics, mark_pareto
from playground.eval.plot_points import CostQualityPlot, plot_from_report
from playground.eval.replay import try_replay
from playground.eval.replay_run import EvalReport, EvalRequest, run_replay
from playground.eval.result_table import params_text
from playground.eval.sweep import SweepSpec, Target
from playground.strategies.features import FeatureTable
from playground.strategies.registry import STRATEGIES, strategy_class

# Replay has no embedding function here (the simulator's is for launching layers):
# strategies that need one are listed as not replayable, with the reason.
NO_EMBEDDING = {"embedding"}
FIGURES_KEPT = 512  # settings whose figures the tuning preview keeps
# (done, total, what is being replayed): progress as strategies finish.
Progress = Callable[[int, int, str], None]


def replay_features(names: Sequence[str] = tuple(STRATEGIES)) -> set[str]:
    """The per-prompt features replaying `names` needs (embeddings left out)."""
    return {f for name in names for f in strategy_class(name).features} - NO_EMBEDDING


@dataclass(frozen=True, slots=True)
class Figures:
    """One setting on the loaded dataset: what the tuning preview shows."""

    quality: float
    cost_per_1k: float
    savings_vs_best_single: float | None
    strong_share: float
    pgr: float | None  # where quality sits between always-weak (0) and always-strong (1)
    cost_estimated: bool


@dataclass
class Workbench:
    """A replay dataset loaded once, with its features and strong/weak pair."""

    path: Path
    label: str
    dataset: ReplayDataset
    table: FeatureTable
    catalog: Catalog
    pair: list[str] | None
    cached: bool
    example: bool = False
    _evaluator: Evaluator | None = field(default=None, repr=False)
    _figures: dict[str, Figures | str] = field(default_factory=dict, repr=False)

    @property
    def evaluator(self) -> Evaluator:
        """Memoises outcomes by (strategy, parameters) across calls."""
        if self._evaluator is None:
            self._evaluator = Evaluator.build(self.dataset, self.table, self.catalog, self.pair)
        return self._evaluator

    def is_source(self, path: Path | None) -> bool:
        """Whether `path` (None: the shipped example) is the dataset loaded."""
        if path is None:
            return self.example
        return not self.example and path.expanduser().resolve() == self.path.resolve()

    def replayable(self, names: Sequence[str] = tuple(STRATEGIES)) -> dict[str, str | None]:
        """Each strategy with its declared defaults: None when it replays here
        (it needs no model call), else the one-line reason it cannot."""
        ev = self.evaluator
        found: dict[str, str | None] = {}
        for name in names:
            got = ev.outcome(name, ev.with_pair_models(name, {}))
            found[name] = got if isinstance(got, str) else None
        return found

    def figures(self, name: str, params: Mapping[str, Any]) -> Figures | str:
        """One setting's figures, or the reason it cannot be replayed. Only the
        figures are kept (a few numbers per setting, the last FIGURES_KEPT):
        dragging a threshold over a big dataset must not keep every replay's
        per-row arrays."""
        key = name + json.dumps(params, sort_keys=True, default=str)
        if key not in self._figures:
            if len(self._figures) >= FIGURES_KEPT:
                del self._figures[next(iter(self._figures))]
            self._figures[key] = self._measure(name, params)
        return self._figures[key]

    def _measure(self, name: str, params: Mapping[str, Any]) -> Figures | str:
        ev = self.evaluator
        values = ev.with_pair_models(name, params)
        got = try_replay(name, values, self.catalog, self.table, self.dataset, ev.ctx)
        if isinstance(got, str):
            return got
        row = ev.metrics(got)
        pgr = None
        if ev.pair is not None and ev.within_pair(got):
            strong_q, weak_q = ev.pair.qualities(ev.dataset)
            gap = strong_q - weak_q
            pgr = (row.quality - weak_q) / gap if abs(gap) > 1e-12 else 1.0
        return Figures(row.quality, row.cost_per_1k_usd, row.savings_vs_best_single, row.strong_share, pgr,
                       row.cost_estimated)


def load_replay(path: Path | None, catalog: Catalog, *, counter: TokenCounter | None = None,
                use_cache: bool = True) -> Workbench:
    """Read a replay dataset (the shipped example when `path` is None) with its
    mapping sidecar and cached features. Raises `UserError` naming the file
    and what to do."""
    source = path.expanduser() if path is not None else example_dataset()
    mapping = resolve_mapping(source, {})
    dataset = load_dataset(source, mapping, catalog)
    counter = counter or default_counter()
    table, cached = cached_features(dataset.prompts, replay_features(), counter, use_cache=use_cache)
    dataset = complete_costs(dataset, table.tokens, catalog, counter)
    label = "example outcomes (shipped)" if path is None else str(source)
    return Workbench(source, label, dataset, table, catalog, sidecar_pair(source), cached, example=path is None)


@dataclass(frozen=True)
class Evaluation:
    """One run of the evaluation screen: the rows (as `playground eval` prints
    them) and the cost–quality plot drawn from them."""

    report: EvalReport
    plot: CostQualityPlot

    @property
    def rows(self) -> list[Metrics]:
        return self.report.rows


def evaluate(bench: Workbench, strategies: Sequence[str], sweeps: Sequence[SweepSpec] = (),
             progress: Progress | None = None, params: Mapping[str, Mapping[str, Any]] | None = None) -> Evaluation:
    """Replay `strategies` (and `sweeps`) on the loaded dataset beside the
    baselines, one strategy at a time so `progress` can follow; the rows and
    Pareto flags equal one `run_replay` of the same request."""
    names = list(dict.fromkeys([*strategies, *(s.strategy for s in sweeps)]))
    given = {name: dict(values) for name, values in (params or {}).items()}

    def request(which: list[str]) -> EvalRequest:
        return EvalRequest(which, {n: given[n] for n in which if n in given},
                           [s for s in sweeps if s.strategy in which], pair=bench.pair)

    return _one_by_one(bench, names, request, progress)[0]


def _one_by_one(bench: Workbench, names: list[str], request: Callable[[list[str]], EvalRequest],
                progress: Progress | None) -> tuple[Evaluation, dict[str, str]]:
    """The baselines, then each strategy's own `run_replay`, rows merged and
    Pareto flags set over all of them. Returns the evaluation and the
    `UserError` line of each strategy that raised one (a calibration target
    it cannot reach), which is then left out."""
    total = len(names) + 1

    def step(done: int, what: str) -> None:
        if progress is not None:
            progress(done, total, what)

    step(0, "baselines")
    first = run_replay(bench.dataset, bench.table, bench.catalog, request([]))
    rows = list(first.rows)
    skipped: dict[str, str] = {}
    failed: dict[str, str] = {}
    for done, name in enumerate(names, start=1):
        step(done, name)
        try:
            got = run_replay(bench.dataset, bench.table, bench.catalog, request([name]))
        except UserError as exc:
            failed[name] = str(exc)
            continue
        rows += [row for row in got.rows if row.kind != "baseline"]
        skipped.update(got.skipped)
    step(total, "done")
    mark_pareto(rows)
    report = EvalReport(first.dataset, rows, skipped, first.split, first.pair, list(first.notes))
    return Evaluation(report, plot_from_report(report)), failed


@dataclass(frozen=True)
class Calibration:
    """Strategies calibrated to one target: the setting chosen on the fit
    split, every figure measured on the held-out split."""

    evaluation: Evaluation
    target: Target
    split: Split
    unreachable: dict[str, str]  # strategy -> one line naming the closest reachable value
    # strategy -> the target's measure on (the fit split, the held-out split) at the chosen setting
    measured: dict[str, tuple[float, float]]

    @property
    def calibrated(self) -> list[Metrics]:
        return [row for row in self.evaluation.rows if row.kind == "router"]

    def lines(self) -> list[str]:
        """Per calibrated strategy: the setting chosen, the target's measure where it was fitted and held out."""
        kind = self.target.kind
        return [f"{row.strategy} {params_text(row)}: {kind} {fit:.3g} on the fit split, {held:.3g} held out"
                for row in self.calibrated for fit, held in [self.measured[row.strategy]]]


def _measure(ev: Evaluator, name: str, params: Mapping[str, Any], kind: str) -> float:
    """A calibration target's measure of one setting on `ev`'s rows."""
    got = ev.outcome(name, params)
    if isinstance(got, str):
        return float("nan")
    if kind == "strong_share":
        return ev.strong_share(got)
    return float(got.cost.mean() * 1000) if kind == "budget_per_1k" else float(got.quality.mean())


def calibrate(bench: Workbench, strategies: Sequence[str], target: Target, fraction: float = 0.5, seed: int = 0,
              progress: Progress | None = None, params: Mapping[str, Mapping[str, Any]] | None = None
              ) -> Calibration:
    """Each strategy's calibration knob fitted to `target` on a seeded split
    (`fraction` of the prompts), reported on the rest, as `playground eval
    --calibrate` does; its other parameters from `params` (else defaults). A
    strategy whose knob cannot reach the target is left out with the line
    saying the closest value it reaches."""
    if not 0.0 < fraction < 1.0:
        raise UserError(f"split {fraction:g}: the share of prompts to fit on lies strictly between 0 and 1")
    names = list(dict.fromkeys(strategies))
    if not names:
        raise UserError("No strategy ticked: tick at least one to calibrate.")

    given = {name: dict(values) for name, values in (params or {}).items()}

    def request(which: list[str]) -> EvalRequest:
        return EvalRequest(which, {n: given[n] for n in which if n in given}, targets=[target], split=fraction,
                           seed=seed, pair=bench.pair)

    evaluation, failed = _one_by_one(bench, names, request, progress)
    split = evaluation.report.split
    assert split is not None  # a calibration request always splits
    unreachable = {name: line.removeprefix("--calibrate ") for name, line in failed.items()}
    fit, held = bench.evaluator.subset(split.fit), bench.evaluator.subset(split.held_out)
    measured = {row.strategy: (_measure(fit, row.strategy, row.params, target.kind),
                               _measure(held, row.strategy, row.params, target.kind))
                for row in evaluation.rows if row.kind == "router"}
    return Calibration(evaluation, target, split, unreachable, measured)
