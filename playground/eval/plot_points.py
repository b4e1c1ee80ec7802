"""The points of a cost–quality plot: what the evaluation screen draws.

One call replays a dataset through strategies (and sweeps, and calibration
targets, exactly as `playground eval` does) and returns every setting as a
point (cost per 1,000 requests, mean quality, strategy, parameters, router or
baseline, Pareto flag) plus the baselines a reader compares them with:

- the random curve: sending a random share of requests to the dearer of two
  models and the rest to the cheaper one lands, on average, on the straight
  line between the two (the pair's models; without a pair the cheapest model
  and the best single model);
- the best single model (no routing at all) and the oracle (the cheapest
  model that got each request right: a ceiling, not an option).

`is_pareto` is the replay's own flag: the points no achievable point beats on
both cost and quality (the oracle is left out of that comparison: nothing can
reach it), so the frontier is among the routers and the plain baselines.

Pure data, no Textual: the TUI plots it, tests check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.core.catalog import Catalog
from playground.eval.baselines import reference_for, single_model
from playground.eval.dataset import ReplayDataset
from playground.eval.metrics import Metrics, Pair, Reference, summarize
from playground.eval.replay_run import EvalReport, EvalRequest, run_replay
from playground.strategies.features import FeatureTable

RANDOM_CURVE_STEPS = 11  # points along the random curve, both ends included


@dataclass(frozen=True)
class PlotPoint:
    strategy: str
    params: dict[str, Any]
    cost_per_1k: float  # USD per 1,000 requests
    quality: float  # mean score, 0..1
    kind: str  # "router" or "baseline"
    is_pareto: bool
    strong_share: float
    note: str = ""

    @classmethod
    def of(cls, row: Metrics) -> PlotPoint:
        return cls(row.strategy, dict(row.params), row.cost_per_1k_usd, row.quality, row.kind, row.pareto,
                   row.strong_share, row.note)


@dataclass(frozen=True)
class RandomCurve:
    """Expected (cost per 1k, quality) of random routing between two models,
    from everything to `cheap` to everything to `dear`."""

    cheap: str
    dear: str
    points: tuple[tuple[float, float], ...]

    def quality_at(self, cost_per_1k: float) -> float:
        """The random curve's quality at this cost (flat beyond its ends)."""
        costs, qualities = zip(*self.points, strict=True)
        return float(np.interp(cost_per_1k, costs, qualities))


@dataclass(frozen=True)
class CostQualityPlot:
    dataset: str
    n: int  # prompts the figures are measured on
    points: tuple[PlotPoint, ...]  # every router setting and every baseline
    random_curve: RandomCurve
    best_single: PlotPoint
    oracle: PlotPoint
    skipped: dict[str, str]  # strategy -> why it could not be replayed here
    split: str | None  # how the dataset was split (calibration), or None
    pair: tuple[str, str] | None  # (strong, weak) model ids

    @property
    def routers(self) -> tuple[PlotPoint, ...]:
        return tuple(p for p in self.points if p.kind == "router")

    @property
    def frontier(self) -> tuple[PlotPoint, ...]:
        """The Pareto points, cheapest first."""
        return tuple(sorted((p for p in self.points if p.is_pareto), key=lambda p: (p.cost_per_1k, -p.quality)))


def plot_points(dataset: ReplayDataset, table: FeatureTable, catalog: Catalog, request: EvalRequest,
                curve_steps: int = RANDOM_CURVE_STEPS) -> CostQualityPlot:
    """Replay `request` on `dataset` and return the plot's points and baselines."""
    return plot_from_report(run_replay(dataset, table, catalog, request), curve_steps)


def plot_from_report(report: EvalReport, curve_steps: int = RANDOM_CURVE_STEPS) -> CostQualityPlot:
    """The plot of a replay already run (`playground eval`'s report)."""
    data = report.dataset
    points = tuple(PlotPoint.of(row) for row in report.rows)
    pair = Pair(data.index(report.pair[0]), data.index(report.pair[1])) if report.pair else None
    reference = reference_for(data, pair)
    best = f"always {data.models[reference.best_single]}"
    return CostQualityPlot(
        dataset=data.name,
        n=data.n,
        points=points,
        random_curve=_random_curve(data, pair, reference, curve_steps),
        best_single=next(p for p in points if p.strategy == best),
        oracle=next(p for p in points if p.strategy == "oracle"),
        skipped=dict(report.skipped),
        split=report.split.describe() if report.split else None,
        pair=report.pair,
    )


def _random_curve(data: ReplayDataset, pair: Pair | None, reference: Reference, steps: int) -> RandomCurve:
    ends = [summarize(single_model(data, j), data, reference) for j in range(len(data.models))]
    if pair is not None:
        cheap, dear = pair.weak, pair.strong
    else:
        cheap = min(range(len(ends)), key=lambda j: (ends[j].cost_per_1k_usd, -ends[j].quality))
        dear = reference.best_single
    if ends[cheap].cost_per_1k_usd > ends[dear].cost_per_1k_usd:
        cheap, dear = dear, cheap
    shares = np.linspace(0.0, 1.0, max(2, steps))
    a, b = ends[cheap], ends[dear]
    points = tuple(
        (float(a.cost_per_1k_usd + s * (b.cost_per_1k_usd - a.cost_per_1k_usd)),
         float(a.quality + s * (b.quality - a.quality)))
        for s in shares.tolist()
    )
    return RandomCurve(data.models[cheap], data.models[dear], points)
