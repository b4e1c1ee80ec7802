"""Evaluate strategies on a replay dataset: settings, sweeps, calibration curves.

An `Evaluator` holds one dataset (or one split of it) with its feature table
and routing context, and memoises outcomes by (strategy, parameters): the
settings of a sweep, the points of a knob curve and a calibration search
reuse each other's replays.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.eval.baselines import (
    choose_pair,
    oracle,
    oracle_curve,
    pair_oracle,
    random_router,
    reference_for,
    single_model,
)
from playground.eval.dataset import ReplayDataset
from playground.eval.metrics import Metrics, Pair, apgr, cpt, make_curve, mark_pareto, summarize
from playground.eval.replay import Outcome, replay_context, try_replay
from playground.eval.sweep import Knob, SweepSpec, Target, grid
from playground.strategies.features import FeatureTable
from playground.strategies.registry import strategy_class

CURVE_START = 11  # knob values tried first over the knob's bounds
CURVE_MAX = 25  # evaluations per knob curve, the coarse grid included
CURVE_GAP = 0.04  # bisect where neighbouring points' strong shares differ more
REFINE_STEPS = 14
# A calibration that misses a strong-share target by more than this says so.
SHARE_TOLERANCE = 0.03
# Parameters set to the pair's models unless the user gave them.
PAIR_PARAMS = ("strong_model", "weak_model")


def _key(name: str, params: Mapping[str, Any]) -> str:
    return name + json.dumps(params, sort_keys=True, default=str)


@dataclass
class CurveResult:
    param: str
    points: list[tuple[float, Outcome]]
    apgr: float | None
    cpt50: float | None
    cpt80: float | None


class Evaluator:
    def __init__(
        self, dataset: ReplayDataset, table: FeatureTable, catalog: Catalog, pair: Pair | None,
        pair_only: bool = False,
    ) -> None:
        self.dataset = dataset
        self.table = table
        self.catalog = catalog
        self.pair = pair
        self.pair_only = pair_only and pair is not None
        self.reference = reference_for(dataset, pair)
        offered = [dataset.models[pair.strong], dataset.models[pair.weak]] if self.pair_only and pair else None
        self.ctx = replay_context(catalog, dataset, offered)
        self._memo: dict[str, Outcome | str] = {}

    @classmethod
    def build(
        cls, dataset: ReplayDataset, table: FeatureTable, catalog: Catalog, pair_names: list[str] | None,
        pair_only: bool = False,
    ) -> Evaluator:
        return cls(dataset, table, catalog, choose_pair(dataset, pair_names), pair_only)

    def subset(self, rows: np.ndarray) -> Evaluator:
        n = self.dataset.n
        arrays = {
            k: (np.asarray(v)[rows] if np.ndim(v) and len(v) == n else np.asarray(v))
            for k, v in self.table.to_arrays().items()
        }
        data = self.dataset.subset(rows)
        table = FeatureTable.from_arrays(list(data.prompts), arrays)
        return Evaluator(data, table, self.catalog, self.pair, self.pair_only)

    def with_pair_models(self, name: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """`params` plus the pair's models for strategies that take a strong and a weak model."""
        values = dict(params)
        if self.pair is not None:
            declared = {p.name for p in strategy_class(name).params}
            pair_models = {
                "strong_model": self.dataset.models[self.pair.strong],
                "weak_model": self.dataset.models[self.pair.weak],
            }
            for key in PAIR_PARAMS:
                if key in declared and key not in values:
                    values[key] = pair_models[key]
        return values

    def outcome(self, name: str, params: Mapping[str, Any]) -> Outcome | str:
        key = _key(name, params)
        if key not in self._memo:
            self._memo[key] = try_replay(name, params, self.catalog, self.table, self.dataset, self.ctx)
        return self._memo[key]

    def metrics(self, outcome: Outcome) -> Metrics:
        return summarize(outcome, self.dataset, self.reference)

    def within_pair(self, outcome: Outcome) -> bool:
        """APGR and CPT describe routing between the pair's two models only."""
        return self.pair is not None and bool(np.isin(outcome.choice, (self.pair.strong, self.pair.weak)).all())

    def strong_share(self, outcome: Outcome) -> float:
        strong = self.pair.strong if self.pair else self.reference.strongest
        return float(np.mean(outcome.choice == strong))

    # --- curves -------------------------------------------------------------------------

    def knob_curve(
        self, name: str, params: Mapping[str, Any], knob: Knob, values: tuple[float, ...] | None = None
    ) -> CurveResult:
        """Outcomes along the knob (the given values, else an adaptive grid
        over its bounds that fills gaps in strong share), with APGR and CPT."""
        points: dict[float, Outcome] = {}

        def visit(value: float) -> None:
            if value not in points:
                got = self.outcome(name, {**params, **knob.values(value)})
                if not isinstance(got, str):
                    points[value] = got

        is_int = knob.param.type == "int"
        if values is not None:
            for value in values:
                visit(value)
        else:
            low, high = knob.bounds
            for value in grid(low, high, CURVE_START, is_int):
                visit(value)
            tried = CURVE_START
            while tried < CURVE_MAX and len(points) >= 2:
                ordered = sorted(points)
                gaps = [
                    (abs(self.strong_share(points[b]) - self.strong_share(points[a])), a, b)
                    for a, b in itertools.pairwise(ordered)
                    if (b - a) > (1 if is_int else 1e-6)
                ]
                gaps = [g for g in gaps if g[0] > CURVE_GAP]
                if not gaps:
                    break
                _, a, b = max(gaps)
                middle = round((a + b) / 2) if is_int else round((a + b) / 2, 10)
                tried += 1
                if middle in points:
                    break
                visit(middle)
        ordered_points = sorted(points.items())
        result = CurveResult(knob.param.name, ordered_points, None, None, None)
        if self.pair is not None and ordered_points and all(self.within_pair(o) for _, o in ordered_points):
            strong_q, weak_q = self.pair.qualities(self.dataset)
            curve = make_curve(
                [(self.strong_share(o), float(o.quality.mean())) for _, o in ordered_points], strong_q, weak_q
            )
            result.apgr = apgr(curve, strong_q, weak_q)
            result.cpt50 = cpt(curve, strong_q, weak_q, 0.5)
            result.cpt80 = cpt(curve, strong_q, weak_q, 0.8)
        return result

    def point_curve(self, outcome: Outcome) -> tuple[float | None, float | None, float | None]:
        """APGR/CPT of a single setting (the line from always-weak through it to always-strong)."""
        if self.pair is None or not self.within_pair(outcome):
            return None, None, None
        strong_q, weak_q = self.pair.qualities(self.dataset)
        curve = make_curve([(self.strong_share(outcome), float(outcome.quality.mean()))], strong_q, weak_q)
        return apgr(curve, strong_q, weak_q), cpt(curve, strong_q, weak_q, 0.5), cpt(curve, strong_q, weak_q, 0.8)

    # --- calibration ----------------------------------------------------------------------

    def calibrate(self, name: str, params: Mapping[str, Any], knob: Knob, target: Target) -> tuple[float, Outcome]:
        """The knob value that meets `target` on this evaluator's rows; a target
        no value reaches raises `UserError` with the closest reachable value."""
        measure: Callable[[Outcome], float] = {
            "strong_share": self.strong_share,
            "budget_per_1k": lambda o: float(o.cost.mean() * 1000),
            "quality_floor": lambda o: float(o.quality.mean()),
        }[target.kind]
        curve = self.knob_curve(name, params, knob)
        points = dict(curve.points)
        if not points:
            raise UserError(f"--calibrate {target.label}: no setting of {name}.{knob.param.name} can route this data")
        is_int = knob.param.type == "int"
        ordered = sorted(points)
        for a, b in itertools.pairwise(ordered):  # refine where the measure crosses the target
            low_side, high_side = measure(points[a]) - target.value, measure(points[b]) - target.value
            if low_side == 0 or high_side == 0 or (low_side > 0) == (high_side > 0):
                continue
            lo, hi = a, b
            for _ in range(REFINE_STEPS):
                middle = round((lo + hi) / 2) if is_int else (lo + hi) / 2
                if middle in (lo, hi):
                    break
                got = self.outcome(name, {**params, **knob.values(middle)})
                if isinstance(got, str):
                    break
                points[middle] = got
                if ((measure(got) - target.value) > 0) == (low_side > 0):
                    lo = middle
                else:
                    hi = middle
        return _choose(points, measure, target, f"{name}.{knob.param.name}", self)


def _choose(
    points: dict[float, Outcome], measure: Callable[[Outcome], float], target: Target, label: str, evaluator: Evaluator
) -> tuple[float, Outcome]:
    items = sorted(points.items())
    if target.kind == "strong_share":
        value, outcome = min(items, key=lambda kv: (abs(measure(kv[1]) - target.value), kv[0]))
        reached = measure(outcome)
        if abs(reached - target.value) > SHARE_TOLERANCE:
            raise UserError(
                f"--calibrate {target.label}: no setting of {label} reaches it on the fit split; "
                f"closest reachable: strong_share={reached:.3f} ({label}={value:g})"
            )
        return value, outcome
    cost = lambda o: float(o.cost.mean() * 1000)  # noqa: E731
    quality = lambda o: float(o.quality.mean())  # noqa: E731
    if target.kind == "budget_per_1k":
        within = [kv for kv in items if cost(kv[1]) <= target.value + 1e-12]
        if not within:
            value, outcome = min(items, key=lambda kv: cost(kv[1]))
            raise UserError(
                f"--calibrate {target.label}: every setting of {label} costs more on the fit split; "
                f"closest reachable: budget_per_1k={cost(outcome):.4f} ({label}={value:g})"
            )
        return max(within, key=lambda kv: (quality(kv[1]), -cost(kv[1])))
    meeting = [kv for kv in items if quality(kv[1]) >= target.value - 1e-12]
    if not meeting:
        value, outcome = max(items, key=lambda kv: quality(kv[1]))
        raise UserError(
            f"--calibrate {target.label}: no setting of {label} reaches it on the fit split; "
            f"closest reachable: quality_floor={quality(outcome):.4f} ({label}={value:g})"
        )
    return min(meeting, key=lambda kv: (cost(kv[1]), -quality(kv[1])))


def baselines(evaluator: Evaluator, seed: int) -> list[Metrics]:
    """Random, best single model, strongest model (when different) and oracle."""
    ev = evaluator
    outcomes = [random_router(ev.dataset, seed), single_model(ev.dataset, ev.reference.best_single)]
    if ev.reference.strongest != ev.reference.best_single:
        outcomes.append(single_model(ev.dataset, ev.reference.strongest))
    if ev.pair is not None and ev.pair.weak not in (ev.reference.best_single, ev.reference.strongest):
        outcomes.append(single_model(ev.dataset, ev.pair.weak))
    outcomes.append(oracle(ev.dataset))
    if ev.pair is not None and len(ev.dataset.models) > 2:
        outcomes.append(pair_oracle(ev.dataset, ev.pair))
    rows = []
    for outcome in outcomes:
        row = ev.metrics(outcome)
        if outcome.strategy == "random" and ev.pair is not None:
            row.apgr, row.cpt50, row.cpt80 = 0.5, 0.5, 0.8  # the random router's curve is the straight line
        elif outcome.strategy.startswith("oracle") and ev.within_pair(outcome):
            assert ev.pair is not None
            strong_q, weak_q = ev.pair.qualities(ev.dataset)
            curve = oracle_curve(ev.dataset, ev.pair)
            row.apgr = apgr(curve, strong_q, weak_q)
            row.cpt50, row.cpt80 = cpt(curve, strong_q, weak_q, 0.5), cpt(curve, strong_q, weak_q, 0.8)
        else:
            row.apgr, row.cpt50, row.cpt80 = ev.point_curve(outcome)
        rows.append(row)
    return rows


__all__ = ["Evaluator", "SweepSpec", "baselines", "mark_pareto"]
