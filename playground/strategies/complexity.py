"""Score the prompt's complexity from cheap text features and route it to a
small, mid or large model by two thresholds."""

from __future__ import annotations

import math
import re

from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.strategies.base import Param, RouteInput, RoutingContext, Strategy

_REASONING = re.compile(
    r"\b(prove|proof|derive|analy[sz]e|explain why|compare|trade-?offs?|design|architect\w*|optimi[sz]e|debug|"
    r"step[- ]by[- ]step|algorithm|complexity|theorem|evaluate|critique|plan|reason|justify|edge cases?|"
    r"formal|rigorous|concurren\w+|distributed|invariant)\b",
    re.IGNORECASE,
)
_CODE = re.compile(r"```|\bdef |\bclass |\bfunction\b|=>|;\s*$|\bTraceback\b|\bstack ?trace\b|\bSELECT\b", re.IGNORECASE | re.MULTILINE)
_PARTS = re.compile(r"\?|^\s*(?:\d+[.)]|[-*])\s+", re.MULTILINE)
_CONSTRAINTS = re.compile(r"\b(must|exactly|at least|at most|without|ensure|constraint|requirement|only if)\b", re.IGNORECASE)
_MATH = re.compile(r"\d\s*[-+*/^=<>]\s*\d|[∑∫√π]|\b(integral|equation|matrix|probability)\b", re.IGNORECASE)

# (feature, weight, saturation count): a feature contributes weight *
# min(1, hits / saturation). Weights sum to 1 so the score lies in 0..1.
_FEATURES: tuple[tuple[str, re.Pattern[str] | None, float, int], ...] = (
    ("length", None, 0.25, 0),
    ("reasoning", _REASONING, 0.30, 3),
    ("code", _CODE, 0.15, 2),
    ("multi_part", _PARTS, 0.15, 4),
    ("constraints", _CONSTRAINTS, 0.10, 3),
    ("math", _MATH, 0.05, 2),
)
# Prompts of 10^LENGTH_DECADES tokens get the full length contribution.
LENGTH_DECADES = 4.0


def complexity_features(prompt: str, tokens: int) -> dict[str, tuple[float, float]]:
    """Each feature's raw measure (0..1) and its contribution to the score."""
    result: dict[str, tuple[float, float]] = {}
    for name, pattern, weight, saturation in _FEATURES:
        if pattern is None:
            measure = min(1.0, math.log10(tokens + 1) / LENGTH_DECADES)
        else:
            hits = len(pattern.findall(prompt))
            measure = min(1.0, hits / saturation)
        result[name] = (measure, measure * weight)
    return result


def complexity_score(prompt: str, tokens: int) -> float:
    return min(1.0, sum(contribution for _, contribution in complexity_features(prompt, tokens).values()))


class ComplexityStrategy(Strategy):
    name = "complexity"
    summary = "Scores prompt complexity (length, reasoning, code, parts, constraints, math) and picks a tier by thresholds."
    params = (
        Param("low_threshold", "float", 0.25, "Scores below this go to the small model.", min=0.0, max=1.0),
        Param("high_threshold", "float", 0.5, "Scores at or above this go to the large model.", min=0.0, max=1.0),
        Param("small_model", "model", "gpt-5-mini", "Model for simple prompts."),
        Param("mid_model", "model", "claude-sonnet-4-5", "Model for moderate prompts."),
        Param("large_model", "model", "@flagship", "Model for complex prompts (@flagship = the catalog's flagship)."),
    )

    def validate(self) -> None:
        if self.values["low_threshold"] > self.values["high_threshold"]:
            raise UserError(
                f"complexity: low_threshold ({self.values['low_threshold']}) must not exceed "
                f"high_threshold ({self.values['high_threshold']})"
            )

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        features = complexity_features(route.prompt, route.input_tokens)
        score = min(1.0, sum(c for _, c in features.values()))
        low, high = self.values["low_threshold"], self.values["high_threshold"]
        if score < low:
            tier, key, rule = "small", "small_model", f"< {low:g}"
        elif score < high:
            tier, key, rule = "mid", "mid_model", f"in [{low:g}, {high:g})"
        else:
            tier, key, rule = "large", "large_model", f"≥ {high:g}"
        wanted = self.values[key]
        model, note = ctx.resolve(wanted, route)
        top = sorted(features.items(), key=lambda kv: -kv[1][1])[:2]
        drivers = ", ".join(f"{name} +{contrib:.2f}" for name, (_, contrib) in top if contrib > 0) or "no complexity signals"
        reason = f"complexity {score:.2f} {rule} → {tier} tier ({drivers})" + (f"; {note}" if note else "")
        candidates = tuple(
            Candidate(self.values[k], accepted=(k == key), note=f"{t} tier")
            for k, t in (("small_model", "small"), ("mid_model", "mid"), ("large_model", "large"))
        )
        return Decision(
            model=model.id,
            reason=reason,
            candidates=candidates,
            details={
                "score": round(score, 4),
                "tier": tier,
                "thresholds": {"low": low, "high": high},
                "features": {name: {"measure": round(m, 4), "contribution": round(c, 4)} for name, (m, c) in features.items()},
                "substitution": note or None,
            },
        )
