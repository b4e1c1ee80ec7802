"""What a routing policy does to quality and cost, measured on a dataset.

For a newcomer, every figure the evaluation prints:

- quality: the mean score of the answers the policy delivered. With right/wrong
  scores it is the share answered correctly (0.82 = 82% right); with graded
  scores it is the mean grade.
- cost_usd: what the policy spent on all the dataset's prompts (every call of
  a cascade or ensemble included). cost_per_1k_usd: the same per 1,000
  requests, so datasets of different sizes compare.
- savings_vs_strongest: the share of cost saved against sending every request
  to the strongest model (the pair's strong model, else the dearest model):
  0.6 = 60% cheaper; negative means dearer.
- savings_vs_best_single: the same against the best single model (the one
  with the highest quality on this dataset). A router is worth having when it
  saves money here without losing much quality.
- strong_share: the share of requests the strong (strongest) model answered;
  shares: the share each model answered.
- p50_ms / p95_ms: the median and 95th-percentile latency of the delivered
  answers, where the dataset or the live run recorded latencies.

For a strong/weak pair of models (RouteLLM's setting):

- PGR, performance gap recovered: where the policy's quality sits between
  always-weak (0) and always-strong (1): (quality - weak) / (strong - weak).
- APGR, average PGR: the area under PGR plotted against strong_share from 0
  to 1, for the policy's whole curve (its calibration knob swept; the two ends
  are always-weak and always-strong). A random router scores 0.5, a perfect one
  close to 1: it is how much better than chance the router's ranking of
  prompts is, at every budget at once.
- CPT(50%) / CPT(80%), call-performance threshold: the smallest share of
  strong calls at which the policy recovers 50% / 80% of the gap. A random
  router needs 50% / 80%; lower is better.

For many models: the cost–quality curve (every policy, setting and single
model as a point), its Pareto front (points no other point beats on both cost
and quality), and beside every router the best single model, the random
router and the oracle (the cheapest model that got each prompt right: the
ceiling no router can pass).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.eval.dataset import ReplayDataset
from playground.eval.replay import Outcome


@dataclass(frozen=True, slots=True)
class Pair:
    """The strong and weak model of a RouteLLM-style comparison (column indices)."""

    strong: int
    weak: int

    def qualities(self, dataset: ReplayDataset, rows: np.ndarray | None = None) -> tuple[float, float]:
        scores = dataset.scores if rows is None else dataset.scores[rows]
        return float(scores[:, self.strong].mean()), float(scores[:, self.weak].mean())


@dataclass(frozen=True)
class Curve:
    """Quality at each strong-call share, sorted by share, with both ends."""

    shares: np.ndarray
    quality: np.ndarray

    def pgr(self, strong_quality: float, weak_quality: float) -> np.ndarray:
        gap = strong_quality - weak_quality
        if abs(gap) < 1e-12:
            return np.ones_like(self.quality)
        return (self.quality - weak_quality) / gap


def make_curve(points: list[tuple[float, float]], strong_quality: float, weak_quality: float) -> Curve:
    """Points (share, quality) plus the two ends: 0 = always weak, 1 = always strong."""
    merged = sorted({(0.0, weak_quality), (1.0, strong_quality), *points})
    shares = np.array([s for s, _ in merged])
    quality = np.array([q for _, q in merged])
    # Several points at one share (different settings): keep the best, as a user would.
    unique, start = np.unique(shares, return_index=True)
    best = np.maximum.reduceat(quality, start)
    return Curve(unique, best)


def apgr(curve: Curve, strong_quality: float, weak_quality: float) -> float:
    """Area under PGR over strong share 0..1 (trapezoids between points)."""
    pgr = curve.pgr(strong_quality, weak_quality)
    widths = np.diff(curve.shares)
    return float(np.sum(widths * (pgr[1:] + pgr[:-1]) / 2))


def cpt(curve: Curve, strong_quality: float, weak_quality: float, target: float) -> float:
    """Smallest strong share at which PGR reaches `target` (linear between points)."""
    pgr = curve.pgr(strong_quality, weak_quality)
    above = np.nonzero(pgr >= target - 1e-12)[0]
    i = int(above[0])
    if i == 0:
        return float(curve.shares[0])
    s0, s1, p0, p1 = curve.shares[i - 1], curve.shares[i], pgr[i - 1], pgr[i]
    return float(s0 + (s1 - s0) * (target - p0) / (p1 - p0))


def ranking_curve(score: np.ndarray, dataset: ReplayDataset, pair: Pair) -> Curve:
    """The curve of a router that sends the highest-scoring prompts to the
    strong model: every cut of the ranking is one point. Prompts with equal
    scores cannot be split by a threshold, so only cuts between distinct
    scores count (between them the curve is a straight line, which is what a
    random split of the tied group gives on average)."""
    n = dataset.n
    order = np.argsort(-score, kind="stable")
    gain = dataset.scores[order, pair.strong] - dataset.scores[order, pair.weak]
    cumulative = np.concatenate([[0.0], np.cumsum(gain)])
    sorted_scores = score[order]
    boundaries = np.concatenate([[0], np.nonzero(np.diff(sorted_scores))[0] + 1, [n]])
    strong_q, weak_q = pair.qualities(dataset)
    points = [(k / n, float(weak_q + cumulative[k] / n)) for k in boundaries.tolist()]
    return make_curve(points, strong_q, weak_q)


@dataclass(frozen=True)
class Reference:
    """What every setting is compared with on one dataset (or split)."""

    strongest: int  # column index
    best_single: int
    pair: Pair | None

    def cost_of(self, dataset: ReplayDataset, column: int, rows: np.ndarray | None = None) -> float:
        costs = dataset.costs if rows is None else dataset.costs[rows]
        return float(costs[:, column].sum())


@dataclass
class Metrics:
    strategy: str
    params: dict[str, Any]
    n: int
    quality: float
    cost_usd: float
    cost_per_1k_usd: float
    savings_vs_best_single: float | None
    savings_vs_strongest: float | None
    strong_share: float
    shares: dict[str, float]
    p50_ms: float | None
    p95_ms: float | None
    apgr: float | None = None
    cpt50: float | None = None
    cpt80: float | None = None
    kind: str = "router"
    cost_estimated: bool = False
    pareto: bool = False
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        def r(value: float | None, digits: int = 6) -> float | None:
            return None if value is None else round(value, digits)

        return {
            "strategy": self.strategy,
            "params": self.params,
            "n": self.n,
            "quality": r(self.quality),
            "cost_usd": r(self.cost_usd, 8),
            "cost_per_1k_usd": r(self.cost_per_1k_usd, 6),
            "savings_vs_best_single": r(self.savings_vs_best_single),
            "savings_vs_strongest": r(self.savings_vs_strongest),
            "strong_share": r(self.strong_share),
            "shares": {k: round(v, 6) for k, v in self.shares.items()},
            "p50_ms": r(self.p50_ms, 1),
            "p95_ms": r(self.p95_ms, 1),
            "apgr": r(self.apgr),
            "cpt50": r(self.cpt50),
            "cpt80": r(self.cpt80),
            "kind": self.kind,
            "cost_estimated": self.cost_estimated,
            "pareto": self.pareto,
        }


def _savings(cost: float, baseline: float) -> float | None:
    return None if baseline <= 0 else 1.0 - cost / baseline


def summarize(outcome: Outcome, dataset: ReplayDataset, reference: Reference) -> Metrics:
    n = len(outcome.choice)
    cost = float(outcome.cost.sum())
    routed = outcome.choice[outcome.choice >= 0]
    counts = np.bincount(routed, minlength=len(dataset.models))
    shares = {model: float(c) / n for model, c in zip(dataset.models, counts.tolist(), strict=False) if c}
    strong = reference.pair.strong if reference.pair else reference.strongest
    latency = outcome.latency_ms
    known = latency[~np.isnan(latency)] if latency is not None else np.array([])
    return Metrics(
        strategy=outcome.strategy,
        params=outcome.params,
        n=n,
        quality=float(outcome.quality.mean()),
        cost_usd=cost,
        cost_per_1k_usd=cost / n * 1000,
        savings_vs_best_single=_savings(cost, reference.cost_of(dataset, reference.best_single)),
        savings_vs_strongest=_savings(cost, reference.cost_of(dataset, reference.strongest)),
        strong_share=float(counts[strong]) / n,
        shares=shares,
        p50_ms=float(np.percentile(known, 50)) if known.size else None,
        p95_ms=float(np.percentile(known, 95)) if known.size else None,
        kind=outcome.kind,
        cost_estimated=bool(dataset.cost_estimated[np.arange(n), np.maximum(outcome.choice, 0)].any()),
        note=(
            f"{outcome.extra['refused']} prompt(s) refused, counted as failed: {outcome.extra['refusal']}"
            if outcome.extra.get("refused")
            else ""
        ),
    )


# Baselines that are ceilings, not options: no router can reach them, so they
# take no part in the Pareto comparison (else they would dominate every router).
CEILINGS = ("oracle", "oracle (pair)")


def mark_pareto(rows: list[Metrics]) -> None:
    """Flag the achievable points no other achievable point beats on both cost and quality."""
    options = [row for row in rows if row.strategy not in CEILINGS]
    for row in rows:
        row.pareto = row.strategy not in CEILINGS and not any(
            other is not row
            and other.cost_per_1k_usd <= row.cost_per_1k_usd
            and other.quality >= row.quality
            and (other.cost_per_1k_usd < row.cost_per_1k_usd or other.quality > row.quality)
            for other in options
        )
