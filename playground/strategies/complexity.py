"""Score the prompt's complexity from cheap text features and route it to a
small, mid or large model by two thresholds."""

from __future__ import annotations

import math
import re

from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.strategies.base import Param, RouteInput, RoutingContext, Strategy

# Keyword features are counted from one tokenisation of the prompt with set
# lookups: a regex alternation of dozens of words rescans the text per word.
_WORD = re.compile(r"[a-z0-9_']+")
_REASONING_WORDS = frozenset(
    ["prove", "proof", "derive", "analyze", "analyse", "compare", "tradeoff", "tradeoffs", "design", "architect", "architecture", "optimize", "optimise", "debug", "algorithm", "complexity", "theorem", "evaluate", "critique", "plan", "reason", "justify", "formal", "rigorous", "concurrency", "concurrent", "distributed", "invariant", "invariants"]
)
_REASONING_PAIRS = frozenset({("explain", "why"), ("step", "by"), ("edge", "case"), ("edge", "cases"), ("trade", "off"),
                              ("trade", "offs")})
_CONSTRAINT_WORDS = frozenset(["must", "exactly", "without", "ensure", "constraint", "constraints", "requirement", "requirements"])
_CONSTRAINT_PAIRS = frozenset({("at", "least"), ("at", "most"), ("only", "if")})
_CODE_WORDS = frozenset(["def", "class", "function", "traceback", "select"])
_MATH_WORDS = frozenset(["integral", "equation", "matrix", "probability"])
_PARTS = re.compile(r"^\s*(?:\d+[.)]|[-*])\s+", re.MULTILINE)
_MATH = re.compile(r"\d\s*[-+*/^=<>]\s*\d|[∑∫√π]")

# (feature, weight, saturation count): a feature contributes weight *
# min(1, hits / saturation). Weights sum to 1 so the score lies in 0..1.
_FEATURES: tuple[tuple[str, float, int], ...] = (
    ("length", 0.25, 0),
    ("reasoning", 0.30, 3),
    ("code", 0.15, 2),
    ("multi_part", 0.15, 4),
    ("constraints", 0.10, 3),
    ("math", 0.05, 2),
)
# Prompts of 10^LENGTH_DECADES tokens get the full length contribution.
LENGTH_DECADES = 4.0


def _hits(prompt: str) -> dict[str, int]:
    words = _WORD.findall(prompt.lower())
    reasoning = constraints = code = math_hits = 0
    previous = ""
    for word in words:
        if word in _REASONING_WORDS:
            reasoning += 1
        elif word in _CONSTRAINT_WORDS:
            constraints += 1
        elif word in _CODE_WORDS:
            code += 1
        elif word in _MATH_WORDS:
            math_hits += 1
        pair = (previous, word)
        if pair in _REASONING_PAIRS:
            reasoning += 1
        elif pair in _CONSTRAINT_PAIRS:
            constraints += 1
        elif pair == ("stack", "trace"):
            code += 1
        previous = word
    code += prompt.count("```") // 2 + prompt.count("=>")
    return {
        "reasoning": reasoning,
        "code": code,
        "multi_part": prompt.count("?") + len(_PARTS.findall(prompt)),
        "constraints": constraints,
        "math": math_hits + len(_MATH.findall(prompt)),
    }


def complexity_features(prompt: str, tokens: int) -> dict[str, tuple[float, float]]:
    """Each feature's raw measure (0..1) and its contribution to the score."""
    hits = _hits(prompt)
    result: dict[str, tuple[float, float]] = {}
    for name, weight, saturation in _FEATURES:
        measure = min(1.0, math.log10(tokens + 1) / LENGTH_DECADES) if name == "length" else min(1.0, hits[name] / saturation)
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
                "score": score,
                "tier": tier,
                "thresholds": {"low": low, "high": high},
                "features": {name: {"measure": m, "contribution": c} for name, (m, c) in features.items()},
                "substitution": note or None,
            },
        )
