"""Replay: route every prompt of a dataset with a strategy and read what the
chosen model recorded, with no model call.

The routing context offers exactly the dataset's models, so a strategy sees
the same world as a deployment configured with those models: a parameter that
names another model is substituted the way `RoutingContext.resolve` always
does (and the shares show where requests went).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.eval.dataset import ReplayDataset
from playground.eval.plan_replay import NotReplayable, replay_plans
from playground.strategies.base import RoutingContext, Strategy
from playground.strategies.features import FeatureTable
from playground.strategies.registry import make_strategy

REPLAY_UNAVAILABLE = "not in the replayed dataset"


@dataclass(frozen=True)
class Outcome:
    """One strategy setting (or baseline) replayed over a dataset, per row."""

    strategy: str
    params: dict[str, Any]
    choice: np.ndarray  # (N,) index of the answering model in dataset.models
    quality: np.ndarray  # (N,) the score that answer recorded
    cost: np.ndarray  # (N,) USD spent on the row (every call of a plan)
    latency_ms: np.ndarray | None = None
    kind: str = "router"  # or "baseline"
    extra: dict[str, Any] = field(default_factory=dict)

    def rows(self, index: np.ndarray) -> Outcome:
        return Outcome(
            self.strategy,
            self.params,
            self.choice[index],
            self.quality[index],
            self.cost[index],
            None if self.latency_ms is None else self.latency_ms[index],
            self.kind,
            self.extra,
        )


def replay_context(catalog: Catalog, dataset: ReplayDataset, models: list[str] | None = None) -> RoutingContext:
    """The dataset's models (or the given subset of them) as the available ones."""
    offered = models if models is not None else dataset.models
    return RoutingContext(catalog, tuple(catalog.get(m) for m in offered), REPLAY_UNAVAILABLE)


REFUSED = -1  # the column index of a row the strategy could not route


def model_columns(models: np.ndarray, dataset: ReplayDataset, strategy: str) -> np.ndarray:
    """Model ids to dataset column indices (one vectorised comparison per
    dataset model); None (a row the strategy refused) becomes REFUSED."""
    columns = np.full(len(models), -2, dtype=np.int64)
    rest, left = np.arange(len(models)), models
    for index, model in enumerate(dataset.models):  # each comparison only over the rows still unmatched
        if not len(rest):
            break
        hit = left == model
        columns[rest[hit]] = index
        rest, left = rest[~hit], left[~hit]
    for row in np.flatnonzero(columns == -2).tolist():  # refused rows, or a model the dataset lacks
        if models[row] is not None:
            raise NotReplayable(f"{strategy} chose {models[row]}, which the dataset has no outcomes for")
        columns[row] = REFUSED
    return columns


def _pick(matrix: np.ndarray, choice: np.ndarray, refused: float) -> np.ndarray:
    """matrix[row, choice[row]] per row; `refused` where the row was not routed."""
    picked = np.take(matrix, np.arange(len(choice)) * matrix.shape[1] + np.maximum(choice, 0)).astype(np.float64)
    return np.where(choice == REFUSED, refused, picked)


def outcome_from_choice(
    name: str, params: Mapping[str, Any], dataset: ReplayDataset, choice: np.ndarray, kind: str = "router"
) -> Outcome:
    """A refused row delivers nothing: quality 0, nothing spent, no latency."""
    latency = None if dataset.latency_ms is None else _pick(dataset.latency_ms, choice, np.nan)
    return Outcome(
        name, dict(params), choice, _pick(dataset.scores, choice, 0.0), _pick(dataset.costs, choice, 0.0), latency, kind
    )


def replay_strategy(
    strategy: Strategy[Any], params: Mapping[str, Any], table: FeatureTable, dataset: ReplayDataset,
    ctx: RoutingContext,
) -> Outcome:
    """Route every row; plans (cascade, ensemble) replay on recorded answers."""
    batch = strategy.decide_batch(table, ctx)
    if batch.errors and len(batch.errors) == dataset.n:
        raise UserError(next(iter(batch.errors.values())))
    first = model_columns(batch.models, dataset, strategy.name)
    if batch.plans is None:
        outcome = outcome_from_choice(strategy.name, params, dataset, first)
    else:
        plans = [None if first[i] == REFUSED else plan for i, plan in enumerate(batch.plans)]
        choice, quality, cost = replay_plans(dataset, plans, np.maximum(first, 0))
        choice = np.where(first == REFUSED, REFUSED, choice)
        quality, cost = np.where(first == REFUSED, 0.0, quality), np.where(first == REFUSED, 0.0, cost)
        latency = None if dataset.latency_ms is None else _pick(dataset.latency_ms, choice, np.nan)
        outcome = Outcome(strategy.name, dict(params), choice, quality, cost, latency)
    if batch.errors:
        outcome.extra["refused"] = len(batch.errors)
        outcome.extra["refusal"] = next(iter(batch.errors.values()))
    return outcome


def build_strategy(name: str, catalog: Catalog, params: Mapping[str, Any]) -> Strategy:
    """A strategy instance; parameter errors are the strategy's own one-liners."""
    return make_strategy(name, catalog, dict(params))


def try_replay(
    name: str, params: Mapping[str, Any], catalog: Catalog, table: FeatureTable, dataset: ReplayDataset,
    ctx: RoutingContext,
) -> Outcome | str:
    """An outcome, or the one-line reason this strategy cannot be replayed here."""
    try:
        return replay_strategy(build_strategy(name, catalog, params), params, table, dataset, ctx)
    except NotReplayable as exc:
        return f"not replayable: {exc}"
    except UserError as exc:
        return f"cannot route this dataset: {exc}"
