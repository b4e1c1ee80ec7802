"""RouteLLM-style binary routing: estimate the probability that the strong
model's answer beats the weak model's, and call the strong model when it
reaches one threshold. One threshold is what calibration tunes to hit a
target share of strong-model calls.

The win probability is defined to `DECIMALS` decimals: `decide` compares
exactly the number its trace shows, so a replay from a trace agrees with the
live decision. Where it comes from is one `WinRateModel`; today a fixed
logistic of the complexity score (a trained model file can take its place).
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
from pydantic import Field

from playground.core.decision import Candidate, Decision
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.batch import resolve_rows
from playground.strategies.complexity import complexity_score, complexity_scores
from playground.strategies.features import BatchDecision, FeatureTable
from playground.strategies.params import ModelId, Params
from playground.strategies.route_plan import RoutePlan

# Logistic map from complexity to win probability: complexity 0.35 is a
# coin flip; 0.1 more complexity multiplies the odds by e^0.9 (about 2.5).
_MIDPOINT = 0.35
_SLOPE = 9.0
# Decimals of the win probability, in decisions and traces alike (traces
# round floats to 6 decimals: see core.decision.rounded).
DECIMALS = 6


class WinRateModel(Protocol):
    """P(strong model's answer beats the weak one's) per prompt."""

    features: tuple[str, ...]  # what replay must compute for `batch`

    def probability(self, route: RouteInput) -> float: ...

    def batch(self, table: FeatureTable) -> np.ndarray: ...


def _logistic(score: float) -> float:
    return round(1.0 / (1.0 + math.exp(-_SLOPE * (score - _MIDPOINT))), DECIMALS)


class ComplexityLogistic:
    """The heuristic baseline: a fixed logistic of the complexity score."""

    features: tuple[str, ...] = ("complexity_parts",)

    def probability(self, route: RouteInput) -> float:
        return _logistic(complexity_score(route.prompt, route.input_tokens))

    def batch(self, table: FeatureTable) -> np.ndarray:
        # math.exp and round per row, as `probability` does: numpy's exp may
        # differ in the last bit, and a rounding boundary would show it. Kept
        # with the table: a threshold sweep only compares.
        return table.derived("threshold.complexity_logistic", lambda: np.array(
            [_logistic(s) for s in complexity_scores(table).tolist()], dtype=np.float64))


def strong_win_probability(prompt: str, tokens: int) -> float:
    """The heuristic's win probability (to DECIMALS decimals)."""
    return _logistic(complexity_score(prompt, tokens))


class ThresholdParams(Params):
    threshold: float = Field(
        0.5, ge=0.0, le=1.0, description="Win probability at or above which the strong model is called."
    )
    strong_model: ModelId = Field(
        "@flagship", description="The strong (expensive) model (@flagship = the catalog's flagship)."
    )
    weak_model: ModelId = Field("gpt-5-mini", description="The weak (cheap) model.")


class ThresholdStrategy(Strategy[ThresholdParams]):
    name = "threshold"
    summary = "RouteLLM-style: P(strong model wins) from the prompt; strong model when it reaches the threshold."
    features = ComplexityLogistic.features

    def setup(self) -> None:
        self.win_model: WinRateModel = ComplexityLogistic()

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        p = self.win_model.probability(route)
        threshold = self.p.threshold
        strong = p >= threshold
        wanted = self.p.strong_model if strong else self.p.weak_model
        model, note = ctx.resolve(wanted, route)
        side = "strong" if strong else "weak"
        relation = "≥" if strong else "<"
        reason = f"P(strong wins) {p:.2f} {relation} threshold {threshold:g} → {side} {wanted}" + (
            f"; {note}" if note else ""
        )
        return Decision(
            model=model.id,
            reason=reason,
            candidates=(
                Candidate(self.p.strong_model, score=p, accepted=strong, note="strong"),
                Candidate(self.p.weak_model, score=round(1 - p, DECIMALS), accepted=not strong, note="weak"),
            ),
            details={"win_probability": p, "threshold": threshold, "routed_to": side, "substitution": note or None},
        )

    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        strong = self.win_model.batch(table) >= self.p.threshold
        return resolve_rows(table, ctx, [self.p.weak_model, self.p.strong_model], strong.astype(np.int8))

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        strong, weak = self.p.strong_model, self.p.weak_model
        return RoutePlan(
            self.name,
            "conditional",
            "playground-threshold",
            weak,
            label_key="complexity",
            branches=[("low", weak), ("high", strong)],
            tiers={"small": weak, "mid": weak, "large": strong},
            classifier=f"win-probability estimate and threshold ({self.p.threshold:g})",
        )
