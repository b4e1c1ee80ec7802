"""`threshold` with a trained win-rate model (`--param threshold.model=FILE`),
for evaluation until the strategy's own `model` parameter is wired in (the
strategy will take `strategies.winrate.load_model(FILE)` as its win-rate
model). Decides exactly like `threshold` — the strong model when P(strong
wins) is at or above the threshold — with the other parameters read from a
real `threshold` strategy, and `decide_batch` scores every prompt at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from playground.core.catalog import Catalog
from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.eval.replay_compat import Batch
from playground.strategies.base import RouteInput, RoutingContext
from playground.strategies.registry import make_strategy, strategy_class
from playground.strategies.winrate import WinRateModel, load_model

FLAGSHIP = "@flagship"


@lru_cache(maxsize=8)
def _load(path: str, stamp: float) -> WinRateModel:
    return load_model(path)


def cached_model(path: str) -> WinRateModel:
    """One parsed model per file version: a sweep builds a strategy per step."""
    try:
        stamp = os.stat(path).st_mtime
    except OSError:
        return load_model(path)  # raises the one-line error
    return _load(path, stamp)


@dataclass(frozen=True, slots=True)
class ModelFileParam:
    """The `model` parameter as the declared ones look (name, type, bounds, coerce)."""

    name: str = "model"
    type: str = "str"
    default: str = ""
    help: str = "Trained win-rate model file (from `playground train --strategy threshold`)."
    min: float | None = None
    max: float | None = None

    def coerce(self, raw: Any, strategy: str, catalog: Catalog) -> str:
        if not str(raw).strip():
            raise UserError(f"{strategy}.model: give the path of a model file from `playground train`")
        return str(raw)


class TrainedThreshold:
    name = "threshold"
    needs_embedding = False
    features: tuple[str, ...] = ()
    params = (*strategy_class("threshold").params, ModelFileParam())

    def __init__(self, catalog: Catalog, values: dict[str, Any]) -> None:
        values = dict(values)
        path = ModelFileParam().coerce(values.pop("model", ""), "threshold", catalog)
        base = make_strategy("threshold", catalog, values).values
        self.catalog = catalog
        self.threshold = float(base["threshold"])
        self.strong = catalog.flagship if base["strong_model"] == FLAGSHIP else str(base["strong_model"])
        self.weak = catalog.flagship if base["weak_model"] == FLAGSHIP else str(base["weak_model"])
        self.path = path
        self.model = cached_model(path)

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        p = self.model.probability(route)
        strong = p >= self.threshold
        wanted = self.strong if strong else self.weak
        model, note = ctx.resolve(wanted, route)
        side = "strong" if strong else "weak"
        return Decision(
            model=model.id,
            reason=f"trained P(strong wins) {p:.3f} {'≥' if strong else '<'} threshold {self.threshold:g} → {side} "
            f"{wanted}" + (f"; {note}" if note else ""),
            candidates=(
                Candidate(self.strong, score=p, accepted=strong, note="strong"),
                Candidate(self.weak, score=1 - p, accepted=not strong, note="weak"),
            ),
            details={"win_probability": p, "threshold": self.threshold, "routed_to": side, "model_file": self.path},
        )

    def decide_batch(self, table: Any, ctx: RoutingContext) -> Batch:
        strong = self.scores(table) >= self.threshold
        needed = np.asarray(table.tokens) + table.route_input(0).request.max_output_tokens if len(strong) else 0
        models = np.empty(len(strong), dtype=object)
        for side, wanted_id in ((True, self.strong), (False, self.weak)):
            wanted = ctx.catalog.get(wanted_id)
            rows = strong == side
            fits = rows & (needed <= wanted.context_window) if ctx.is_available(wanted.id) else np.zeros_like(rows)
            models[fits] = wanted.id
            for i in np.nonzero(rows & ~fits)[0].tolist():  # substitutions: rare, resolved as `decide` does
                models[i] = ctx.resolve(wanted_id, table.route_input(i))[0].id
        return Batch(models)

    def scores(self, table: Any) -> np.ndarray:
        """P(strong wins) per row, computed once per table and model file and
        kept: a sweep of the threshold re-decides from it."""
        key = (id(table), self.path)
        entry = _SCORES.get(key)
        if entry is None or entry[0] is not table:
            if len(_SCORES) >= 4:
                _SCORES.clear()
            entry = _SCORES[key] = (table, self.model.batch(table))
        return entry[1]


_SCORES: dict[tuple[int, str], tuple[Any, np.ndarray]] = {}
