"""`threshold` with a trained win-rate model (`--param threshold.model=FILE`),
for evaluation until the strategy's own `model` parameter is wired in
(`strategies/threshold.py` will load `strategies.winrate.load_model` the same
way). Decides exactly like `threshold`: strong model when P(strong wins) is at
or above the threshold; `decide_batch` scores every prompt in one pass.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np

from playground.core.decision import Candidate, Decision
from playground.eval.replay_compat import DEFAULT_MAX_OUTPUT_TOKENS, Batch
from playground.strategies.base import Param, RouteInput, RoutingContext
from playground.strategies.threshold import ThresholdStrategy
from playground.strategies.winrate import WinRateModel, load_model


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


class TrainedThresholdStrategy(ThresholdStrategy):
    params = (
        *ThresholdStrategy.params,
        Param("model", "str", "", "Trained win-rate model file (from `playground train --strategy threshold`)."),
    )

    def validate(self) -> None:
        super().validate()
        self.model = cached_model(self.values["model"])

    def _route(self, strong: bool, route: RouteInput, ctx: RoutingContext) -> str:
        wanted = self.values["strong_model"] if strong else self.values["weak_model"]
        return ctx.resolve(wanted, route)[0].id

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        p = float(self.model.win_probability([route.prompt], [route.input_tokens])[0])
        threshold = self.values["threshold"]
        strong = p >= threshold
        model = self._route(strong, route, ctx)
        side = "strong" if strong else "weak"
        return Decision(
            model=model,
            reason=f"trained P(strong wins) {p:.3f} {'≥' if strong else '<'} threshold {threshold:g} → {side} {model}",
            candidates=(Candidate(self.values["strong_model"], score=p, accepted=strong, note="strong"),
                        Candidate(self.values["weak_model"], score=1 - p, accepted=not strong, note="weak")),
            details={"win_probability": p, "threshold": threshold, "routed_to": side},
        )

    def decide_batch(self, table: Any, ctx: RoutingContext) -> Any:
        strong = self.scores(table) >= self.values["threshold"]
        needed = np.asarray(table.tokens) + DEFAULT_MAX_OUTPUT_TOKENS
        models = np.empty(len(strong), dtype=object)
        for side, key in ((True, "strong_model"), (False, "weak_model")):
            wanted = ctx.catalog.get(self.values[key])
            rows = strong == side
            fits = rows & (needed <= wanted.context_window) if ctx.is_available(wanted.id) else np.zeros_like(rows)
            models[fits] = wanted.id
            for i in np.nonzero(rows & ~fits)[0].tolist():  # substitutions: rare, and resolved as `decide` does
                models[i] = self._route(side, table.route_input(i), ctx)
        return Batch(models)

    def scores(self, table: Any) -> np.ndarray:
        """P(strong wins) per row, computed once per table and model file and
        kept: a sweep of the threshold re-decides from it."""
        key = (id(table), self.values["model"])
        entry = _SCORES.get(key)
        if entry is None or entry[0] is not table:
            if len(_SCORES) >= 4:
                _SCORES.clear()
            entry = _SCORES[key] = (table, self.model.win_probability(table.prompts, table.tokens))
        return entry[1]


_SCORES: dict[tuple[int, str], tuple[Any, np.ndarray]] = {}
