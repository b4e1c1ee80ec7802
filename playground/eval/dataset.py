"""A replay dataset: what several models scored on the same prompts, held as
arrays so that a routing decision for every prompt is scored in one numpy
expression.

Rows are prompts, columns are catalog models (after the dataset's names were
mapped, see `dataset_io`). A score is whatever the dataset recorded — 1/0 for
right/wrong, or a number such as a judge's grade; quality is its mean over the
prompts a strategy routed. Costs are USD per request; where the dataset gave
none they were estimated from token counts and catalog prices, and
`cost_estimated` says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class ReplayDataset:
    name: str
    prompts: tuple[str, ...]
    prompt_ids: tuple[str, ...]
    models: tuple[str, ...]
    scores: np.ndarray  # (N, M) float64
    costs: np.ndarray  # (N, M) float64, USD per request
    cost_estimated: np.ndarray  # (N, M) bool
    responses: np.ndarray | None = None  # (N, M) object: the recorded answer text, or None
    latency_ms: np.ndarray | None = None  # (N, M) float64, NaN where unknown
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        n, m = len(self.prompts), len(self.models)
        for name in ("scores", "costs", "cost_estimated", "responses", "latency_ms"):
            value = getattr(self, name)
            if value is not None and value.shape != (n, m):
                raise ValueError(f"{name} has shape {value.shape}, expected {(n, m)}")

    @property
    def n(self) -> int:
        return len(self.prompts)

    def index(self, model: str) -> int:
        return self.models.index(model)

    @property
    def binary(self) -> bool:
        """Every score is 0 or 1 (right/wrong), as in most public benchmarks."""
        return bool(np.isin(self.scores, (0.0, 1.0)).all())

    @property
    def mean_quality(self) -> np.ndarray:
        """(M,) each model's quality if it answered every prompt."""
        return self.scores.mean(axis=0)

    @property
    def mean_cost(self) -> np.ndarray:
        return self.costs.mean(axis=0)

    @property
    def any_cost_estimated(self) -> bool:
        return bool(self.cost_estimated.any())

    def subset(self, rows: np.ndarray, suffix: str = "") -> ReplayDataset:
        """The same dataset restricted to `rows` (prompt indices)."""
        return replace(
            self,
            name=self.name + suffix,
            prompts=tuple(self.prompts[i] for i in rows.tolist()),
            prompt_ids=tuple(self.prompt_ids[i] for i in rows.tolist()),
            scores=self.scores[rows],
            costs=self.costs[rows],
            cost_estimated=self.cost_estimated[rows],
            responses=None if self.responses is None else self.responses[rows],
            latency_ms=None if self.latency_ms is None else self.latency_ms[rows],
        )


@dataclass(frozen=True, slots=True)
class Split:
    """Prompt indices for fitting and for reporting. A result measured on the
    rows it was tuned on is not a result, so calibration and training fit on
    `fit` and every figure they print comes from `held_out`."""

    fit: np.ndarray
    held_out: np.ndarray
    fraction: float
    seed: int

    def describe(self) -> str:
        return (
            f"split: fit on {len(self.fit)} prompts ({self.fraction:.0%}), report on {len(self.held_out)} held out, "
            f"seed {self.seed}"
        )


def split_rows(n: int, fraction: float, seed: int) -> Split:
    """A seeded random split of `n` prompts; `fraction` of them to fit on."""
    if not 0.0 < fraction < 1.0:
        raise ValueError("fraction must be between 0 and 1")
    order = np.random.default_rng(seed).permutation(n)
    cut = min(max(1, round(n * fraction)), n - 1)
    return Split(np.sort(order[:cut]), np.sort(order[cut:]), fraction, seed)
