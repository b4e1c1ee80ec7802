"""Complexity scores as quantiles of a reference distribution of prompts.

Raw complexity scores of real prompts crowd into a narrow band (most sit
between 0.1 and 0.2), so fixed thresholds on the raw score send nearly
everything to one tier, and a threshold tuned on one prompt set means
something else on another. Reported as a quantile of a reference set
instead — "harder than 80% of typical prompts" — a threshold is a share of
traffic: `low_threshold = 0.6` sends about 60% of prompts like the reference
ones to the small tier whatever the raw scores look like.

The reference is the distribution of complexity scores of the example prompt
sets shipped with the app (`playground/eval/data/prompts/*.jsonl`, realistic
prompts written for it: facts, math word problems, code, reasoning, creative
writing, long documents), stored as its quantile knots in
`strategies/data/complexity_reference.json` (rebuilt by
`python -m playground.cli_eval make-examples`). A user can build a scale from
their own prompts with `QuantileScale.fit`.

Pure: numpy and one JSON read; `complexity` calls `quantile` per prompt (in plain floats) and
`quantiles` for a whole replay table.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

from playground.core.lazy_numpy import np

KNOTS = 101  # quantile knots kept from the reference: every percentile
REFERENCE_FILE = "data/complexity_reference.json"


@dataclass(frozen=True)
class QuantileScale:
    """Maps a raw score to the share of reference prompts scoring below it
    (ties count half), linear between knots; 0 below the reference, 1 above."""

    knots: np.ndarray  # (K,) raw scores at evenly spaced quantiles 0..1, non-decreasing
    info: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def fit(cls, scores: Sequence[float] | np.ndarray, **info: Any) -> QuantileScale:
        values = np.asarray(scores, dtype=np.float64)
        if values.size == 0 or not np.isfinite(values).all():
            raise ValueError("a quantile scale needs finite scores")
        return cls(np.quantile(values, np.linspace(0.0, 1.0, KNOTS)), dict(info))

    @cached_property
    def _axes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        # Built once, not per prompt.
        levels = np.linspace(0.0, 1.0, len(self.knots))
        return self.knots, levels, -self.knots[::-1], levels[::-1]

    @cached_property
    def _lists(self) -> tuple[tuple[float, ...], ...]:
        # The same axes as Python floats, for `quantile`: one score through
        # numpy costs more in its dispatch than in its arithmetic.
        return tuple(tuple(float(v) for v in axis) for axis in self._axes)

    def quantiles(self, scores: Sequence[float] | np.ndarray) -> np.ndarray:
        raw = np.asarray(scores, dtype=np.float64)
        knots, levels, flipped_knots, flipped_levels = self._axes
        # Equal knots (a score shared by many reference prompts) map to the middle of their run.
        below = np.interp(raw, knots, levels, left=0.0, right=1.0)
        upper = np.interp(-raw, flipped_knots, flipped_levels, left=1.0, right=0.0)
        return np.round((below + upper) / 2, 6)

    def quantile(self, score: float) -> float:
        """`quantiles` of one score, the same arithmetic in plain floats (this
        runs per request): `_interp` follows numpy's `interp` step for step
        and `round(x * 1e6) / 1e6` is its `round(x, 6)` (multiply, round
        half to even, divide)."""
        if score != score:  # NaN: numpy's interp gives NaN too
            return score
        knots, levels, flipped_knots, flipped_levels = self._lists
        below = _interp(score, knots, levels, 0.0, 1.0)
        upper = _interp(-score, flipped_knots, flipped_levels, 1.0, 0.0)
        return round((below + upper) / 2 * 1e6) / 1e6

    def to_json(self) -> str:
        return json.dumps({"knots": [round(float(k), 6) for k in self.knots], "info": self.info}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> QuantileScale:
        data = json.loads(text)
        knots = np.asarray(data["knots"], dtype=np.float64)
        if knots.ndim != 1 or len(knots) < 2 or np.any(np.diff(knots) < 0):
            raise ValueError("quantile knots must be a non-decreasing list")
        return cls(knots, dict(data.get("info") or {}))


def _interp(x: float, xp: tuple[float, ...], fp: tuple[float, ...], left: float, right: float) -> float:
    """numpy's `interp` for one finite value, step for step (numpy/_core/src/
    multiarray/compiled_base.c, `arr_interp`): the knot at or below `x`
    (`binary_search_with_guess` finds the same one as `bisect_right`), the
    knot's own value on an exact hit, else `slope * (x - xp[j]) + fp[j]`."""
    if x < xp[0]:
        return left
    if x > xp[-1]:
        return right
    j = bisect_right(xp, x) - 1
    if j == len(xp) - 1 or xp[j] == x:
        return fp[j]
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    return slope * (x - xp[j]) + fp[j]


@lru_cache(maxsize=1)
def reference_scale() -> QuantileScale:
    """The shipped reference distribution of complexity scores."""
    text = resources.files("playground.strategies").joinpath(REFERENCE_FILE).read_text(encoding="utf-8")
    return QuantileScale.from_json(text)
