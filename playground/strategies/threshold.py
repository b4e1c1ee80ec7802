"""RouteLLM-style binary routing: estimate the probability that the strong
model's answer beats the weak model's, and call the strong model when it
reaches one threshold. One threshold is what calibration tunes to hit a
target share of strong-model calls."""

from __future__ import annotations

import math

from playground.core.decision import Candidate, Decision
from playground.strategies.base import Param, RouteInput, RoutingContext, Strategy
from playground.strategies.complexity import complexity_score

# Logistic map from complexity to win probability: complexity 0.35 is a
# coin flip; 0.1 more complexity multiplies the odds by e^0.9 (about 2.5).
_MIDPOINT = 0.35
_SLOPE = 9.0


def strong_win_probability(prompt: str, tokens: int) -> float:
    return 1.0 / (1.0 + math.exp(-_SLOPE * (complexity_score(prompt, tokens) - _MIDPOINT)))


class ThresholdStrategy(Strategy):
    name = "threshold"
    summary = "RouteLLM-style: P(strong model wins) from the prompt; strong model when it reaches the threshold."
    params = (
        Param("threshold", "float", 0.5, "Win probability at or above which the strong model is called.", min=0.0, max=1.0),
        Param("strong_model", "model", "@flagship", "The strong (expensive) model (@flagship = the catalog's flagship)."),
        Param("weak_model", "model", "gpt-5-mini", "The weak (cheap) model."),
    )

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        p = strong_win_probability(route.prompt, route.input_tokens)
        threshold = self.values["threshold"]
        strong = p >= threshold
        wanted = self.values["strong_model"] if strong else self.values["weak_model"]
        model, note = ctx.resolve(wanted, route)
        side = "strong" if strong else "weak"
        relation = "≥" if strong else "<"
        reason = f"P(strong wins) {p:.2f} {relation} threshold {threshold:g} → {side} {wanted}" + (f"; {note}" if note else "")
        return Decision(
            model=model.id,
            reason=reason,
            candidates=(
                Candidate(self.values["strong_model"], score=round(p, 4), accepted=strong, note="strong"),
                Candidate(self.values["weak_model"], score=round(1 - p, 4), accepted=not strong, note="weak"),
            ),
            details={"win_probability": round(p, 6), "threshold": threshold, "routed_to": side, "substitution": note or None},
        )
