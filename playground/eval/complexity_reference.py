"""The reference distribution behind complexity quantiles, and default
thresholds on that scale chosen from data.

`build_scale` scores the shipped example prompt sets with the complexity
heuristic and keeps the quantile knots (`strategies/quantile_scale.py`).
`recommend_thresholds` picks (low, high) quantile thresholds for the three
tiers on the shipped replay dataset: on the fit split, among the settings
that give every tier at least `MIN_TIER_SHARE` of the prompts, the cheapest
whose quality is within `QUALITY_SLACK` of the best single model; its
held-out figures are recorded beside it, with the data named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.core.tokens import TokenCounter
from playground.eval.dataset import ReplayDataset
from playground.strategies.complexity import complexity_score
from playground.strategies.quantile_scale import QuantileScale

QUALITY_SLACK = 0.01
MIN_TIER_SHARE = 0.05  # every tier takes at least this share of the fit prompts
GRID = tuple(round(x, 2) for x in np.arange(0.05, 1.0, 0.05))
TIERS = {"small": "gpt-5-mini", "mid": "claude-sonnet-4-5", "large": "claude-opus-4-5"}


def raw_scores(prompts: Sequence[str], tokens: Sequence[int] | np.ndarray) -> np.ndarray:
    return np.array([complexity_score(p, int(t)) for p, t in zip(prompts, np.asarray(tokens).tolist(), strict=True)])


def build_scale(
    prompts: Sequence[str], tokens: Sequence[int] | np.ndarray, counter: TokenCounter, source: str
) -> QuantileScale:
    return QuantileScale.fit(
        raw_scores(prompts, tokens),
        source=source,
        prompts=len(prompts),
        scorer="playground.strategies.complexity.complexity_score",
        token_method=counter.method,
    )


@dataclass(frozen=True)
class Recommendation:
    low: float
    high: float
    fit: dict[str, float]
    held_out: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"low_threshold": self.low, "high_threshold": self.high, "fit": self.fit, "held_out": self.held_out}


def _tiers(q: np.ndarray, low: float, high: float, columns: tuple[int, int, int]) -> np.ndarray:
    return np.where(q < low, columns[0], np.where(q < high, columns[1], columns[2]))


def _figures(data: ReplayDataset, choice: np.ndarray) -> dict[str, float]:
    rows = np.arange(len(choice))
    return {
        "quality": round(float(data.scores[rows, choice].mean()), 4),
        "cost_per_1k_usd": round(float(data.costs[rows, choice].mean() * 1000), 4),
    }


def _choose_on(fit: ReplayDataset, q_fit: np.ndarray, columns: tuple[int, int, int]) -> tuple[float, float]:
    best_single = float(fit.mean_quality.max())
    candidates = []
    for low in GRID:
        for high in GRID:
            if high < low:
                continue
            choice = _tiers(q_fit, low, high, columns)
            if min(float(np.mean(choice == c)) for c in columns) < MIN_TIER_SHARE:
                continue
            figures = _figures(fit, choice)
            if figures["quality"] >= best_single - QUALITY_SLACK:
                candidates.append((figures["cost_per_1k_usd"], -figures["quality"], low, high))
    if not candidates:
        return GRID[-1], GRID[-1]
    _, _, low, high = min(candidates)
    return low, high


def recommend_thresholds(
    data: ReplayDataset, quantiles: np.ndarray, seeds: Sequence[int] = tuple(range(10)), fraction: float = 0.5
) -> Recommendation:
    """Quantile thresholds for complexity's three tiers. Small datasets make
    one split's choice noisy, so the choice is made on the fit half of
    several seeded splits and the median thresholds are kept; the figures
    are that setting's means over the fit halves and over the held-out halves."""
    from playground.eval.dataset import split_rows

    columns = (data.index(TIERS["small"]), data.index(TIERS["mid"]), data.index(TIERS["large"]))
    splits = [split_rows(data.n, fraction, seed) for seed in seeds]
    picks = [_choose_on(data.subset(s.fit), quantiles[s.fit], columns) for s in splits]
    low = float(np.median([p[0] for p in picks]))
    high = max(low, float(np.median([p[1] for p in picks])))

    def mean_figures(part: str) -> dict[str, float]:
        runs = [
            _figures(data.subset(getattr(s, part)), _tiers(quantiles[getattr(s, part)], low, high, columns))
            for s in splits
        ]
        return {k: round(float(np.mean([r[k] for r in runs])), 4) for k in runs[0]}

    return Recommendation(round(low, 3), round(high, 3), mean_figures("fit"), mean_figures("held_out"))
