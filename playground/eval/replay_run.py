"""One `playground eval --replay`: strategies, sweeps and calibrations over a
dataset, with the baselines, as rows of `Metrics` (what the CLI prints and
the TUI's evaluation screen will plot).

Without calibration every figure is measured on the whole dataset. With a
calibration target the dataset is split (fraction and seed printed): the
setting is chosen on the fit split and every row is measured on the held-out
split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.eval.dataset import ReplayDataset, Split, split_rows
from playground.eval.evaluate import Evaluator, baselines
from playground.eval.metrics import Metrics, mark_pareto
from playground.eval.replay import Outcome
from playground.eval.sweep import SweepSpec, Target, knob_for
from playground.strategies.features import FeatureTable
from playground.strategies.registry import strategy_class


@dataclass
class EvalRequest:
    strategies: list[str]
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    sweeps: list[SweepSpec] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    split: float = 0.5
    seed: int = 0
    pair: list[str] | None = None
    pair_only: bool = False


@dataclass
class EvalReport:
    dataset: ReplayDataset
    rows: list[Metrics]
    skipped: dict[str, str]
    split: Split | None
    pair: tuple[str, str] | None
    notes: list[str]


def _strategy_rows(ev: Evaluator, name: str, params: dict[str, Any], sweeps: list[SweepSpec]) -> list[Metrics] | str:
    cls = strategy_class(name)
    mine = [s for s in sweeps if s.strategy == name]
    rows: list[Metrics] = []
    if mine:
        for spec in mine:
            curve = ev.knob_curve(name, params, spec.knob, spec.values)
            if not curve.points:
                got = ev.outcome(name, {**params, **spec.knob.values(spec.values[0])})
                return got if isinstance(got, str) else "no setting of the sweep could route this dataset"
            for _, outcome in curve.points:
                row = ev.metrics(outcome)
                row.apgr, row.cpt50, row.cpt80 = curve.apgr, curve.cpt50, curve.cpt80
                row.note = f"sweep {spec.label}"
                rows.append(row)
        return rows
    got = ev.outcome(name, params)
    if isinstance(got, str):
        return got
    row = ev.metrics(got)
    knob = knob_for(cls)
    if knob is not None and ev.pair is not None:
        curve = ev.knob_curve(name, params, knob)
        row.apgr, row.cpt50, row.cpt80 = curve.apgr, curve.cpt50, curve.cpt80
        if curve.apgr is not None:
            row.note = f"APGR over {name}.{knob.param.name}"
    else:
        row.apgr, row.cpt50, row.cpt80 = ev.point_curve(got)
    return [row]


def _calibrated_rows(
    fit: Evaluator, held: Evaluator, name: str, params: dict[str, Any], target: Target, sweeps: list[SweepSpec]
) -> list[Metrics] | str:
    spec = next((s for s in sweeps if s.strategy == name), None)
    knob = spec.knob if spec else knob_for(strategy_class(name))
    if knob is None:
        return f"has no calibration knob; pass --sweep {name}.KEY=START:STOP:STEP to say which parameter to calibrate"
    value, fitted = fit.calibrate(name, params, knob, target)
    chosen = {**params, **knob.values(value)}
    got: Outcome | str = held.outcome(name, chosen)
    if isinstance(got, str):
        return got
    row = held.metrics(got)
    curve = held.knob_curve(name, params, knob)
    row.apgr, row.cpt50, row.cpt80 = curve.apgr, curve.cpt50, curve.cpt80
    measured = {
        "strong_share": fit.strong_share(fitted),
        "budget_per_1k": float(fitted.cost.mean() * 1000),
        "quality_floor": float(fitted.quality.mean()),
    }[target.kind]
    row.note = (
        f"calibrated {target.label} on the fit split ({target.kind} {measured:.4g} there; "
        f"{name}.{knob.param.name}={value:g}); figures on the held-out split"
    )
    return [row]


def run_replay(dataset: ReplayDataset, table: FeatureTable, catalog: Catalog, request: EvalRequest) -> EvalReport:
    whole = Evaluator.build(dataset, table, catalog, request.pair, request.pair_only)
    names = list(dict.fromkeys([*request.strategies, *(s.strategy for s in request.sweeps)]))
    split: Split | None = None
    skipped: dict[str, str] = {}
    rows: list[Metrics] = []
    if request.targets:
        if dataset.n < 4:
            raise UserError(f"{dataset.name}: {dataset.n} prompts are too few to split for calibration")
        split = split_rows(dataset.n, request.split, request.seed)
        fit, report_on = whole.subset(split.fit), whole.subset(split.held_out)
    else:
        fit = report_on = whole
    rows += baselines(report_on, request.seed)
    for name in names:
        params = whole.with_pair_models(name, request.params.get(name, {}))
        if request.targets:
            for target in request.targets:
                got = _calibrated_rows(fit, report_on, name, params, target, request.sweeps)
                if isinstance(got, str):
                    skipped[name] = got
                else:
                    rows += got
        else:
            got = _strategy_rows(report_on, name, params, request.sweeps)
            if isinstance(got, str):
                skipped[name] = got
            else:
                rows += got
    mark_pareto(rows)
    pair = (dataset.models[whole.pair.strong], dataset.models[whole.pair.weak]) if whole.pair else None
    return EvalReport(report_on.dataset, rows, skipped, split, pair, list(dataset.notes))
