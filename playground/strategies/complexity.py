"""Score the prompt's complexity from cheap text features and route it to a
small, mid or large model by two thresholds.

The raw score (a weighted sum of length, reasoning, code, parts, constraints
and math measures, 0..1) of real prompts crowds into a narrow band, so the
score the strategy reports and compares is its quantile among a reference
set of prompts shipped with the app: the example prompt sets
(`playground/eval/data/prompts/*.jsonl`), whose raw scores are stored as
quantile knots in `strategies/data/complexity_reference.json` (see
`quantile_scale.py`). A threshold is therefore a share of traffic like the
reference: `low_threshold = 0.8` sends the 80% least complex to the small
model. The default thresholds were chosen on the example replay dataset
(`playground/eval/data/examples/outcomes.jsonl`, the file records how).
"""

from __future__ import annotations

import math
import re

from pydantic import Field, model_validator

from playground.core.decision import Candidate, Decision
from playground.core.lazy_numpy import np
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.batch import resolve_rows
from playground.strategies.features import BatchDecision, FeatureInput, FeatureTable, feature
from playground.strategies.params import ModelId, ParamProblem, Params
from playground.strategies.quantile_scale import reference_scale
from playground.strategies.route_plan import RoutePlan

# Keyword features are counted from one tokenisation of the prompt with set
# lookups: a regex alternation of dozens of words rescans the text per word.
_WORD = re.compile(r"[a-z0-9_']+")
_REASONING_WORDS = frozenset(
    ["prove", "proof", "derive", "analyze", "analyse", "compare", "tradeoff", "tradeoffs", "design", "architect",
     "architecture", "optimize", "optimise", "debug", "algorithm", "complexity", "theorem", "evaluate", "critique",
     "plan", "reason", "justify", "formal", "rigorous", "concurrency", "concurrent", "distributed", "invariant",
     "invariants"]
)
_REASONING_PAIRS = frozenset({("explain", "why"), ("step", "by"), ("edge", "case"), ("edge", "cases"), ("trade", "off"),
                              ("trade", "offs")})
_CONSTRAINT_WORDS = frozenset(["must", "exactly", "without", "ensure", "constraint", "constraints", "requirement",
                               "requirements"])
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
FEATURE_NAMES = tuple(name for name, _, _ in _FEATURES)
_WEIGHTS = tuple(weight for _, weight, _ in _FEATURES)
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


def complexity_measures(prompt: str, tokens: int) -> tuple[float, ...]:
    """Each feature's raw measure (0..1), in `FEATURE_NAMES` order."""
    hits = _hits(prompt)
    return tuple(
        min(1.0, math.log10(tokens + 1) / LENGTH_DECADES) if name == "length" else min(1.0, hits[name] / saturation)
        for name, _, saturation in _FEATURES
    )


def complexity_features(prompt: str, tokens: int) -> dict[str, tuple[float, float]]:
    """Each feature's raw measure (0..1) and its contribution to the score."""
    measures = complexity_measures(prompt, tokens)
    return {name: (m, m * weight) for (name, weight, _), m in zip(_FEATURES, measures, strict=True)}


def complexity_score(prompt: str, tokens: int) -> float:
    """The raw score, 0..1 (most real prompts score 0.07-0.5: see the module's docstring)."""
    return min(1.0, sum(contribution for _, contribution in complexity_features(prompt, tokens).values()))


def complexity_quantile(prompt: str, tokens: int) -> float:
    """The score the strategy routes by: the raw score's quantile among the reference prompts (6 decimals)."""
    return reference_scale().quantile(complexity_score(prompt, tokens))


def shown(value: float, *limits: float) -> str:
    """`value` with as few decimals (2 or more) as keep its side of every limit visible."""
    for digits in range(2, 6):
        text = f"{value:.{digits}f}"
        if all((float(text) >= limit) == (value >= limit) for limit in limits):
            return text
    return f"{value:.6f}"


@feature("complexity_parts", f"Raw complexity measures (N, {len(_FEATURES)}): {', '.join(FEATURE_NAMES)}, each 0..1.")
def _complexity_parts(data: FeatureInput) -> np.ndarray:
    return np.array([complexity_measures(p, int(t)) for p, t in zip(data.prompts, data.tokens.tolist(), strict=True)],
                    dtype=np.float64).reshape(len(data.prompts), len(_FEATURES))


def complexity_scores(table: FeatureTable) -> np.ndarray:
    """`complexity_score` of every row, from the cached measures: the same
    products summed in the same order, so the floats are identical. Kept
    with the table: no parameter changes it, so a sweep computes it once."""

    def compute() -> np.ndarray:
        measures = table.feature("complexity_parts")
        total = np.zeros(len(table))
        for column, (_, weight, _) in enumerate(_FEATURES):
            total = total + measures[:, column] * weight
        return np.minimum(1.0, total)

    return table.derived("complexity.scores", compute)


def complexity_quantiles(table: FeatureTable) -> np.ndarray:
    """`complexity_quantile` of every row (the same numbers), kept with the table."""
    return table.derived("complexity.quantiles", lambda: reference_scale().quantiles(complexity_scores(table)))


# Chosen on the example outcomes (fit halves of 10 seeded splits): the cheapest
# setting within a point of the best single model's quality with every tier in
# use; `strategies/data/complexity_reference.json` records the figures.
DEFAULT_LOW, DEFAULT_HIGH = 0.8, 0.9
_SCALE_SOURCE = "quantile of the reference prompts (strategies/data/complexity_reference.json)"
_SCALE_HELP = "a quantile of the reference prompts: 0.8 = more complex than 80% of them"


class ComplexityParams(Params):
    low_threshold: float = Field(DEFAULT_LOW, ge=0.0, le=1.0,
                                 description=f"Scores below this go to the small model (score: {_SCALE_HELP}).")
    high_threshold: float = Field(DEFAULT_HIGH, ge=0.0, le=1.0,
                                  description=f"Scores at or above this go to the large model (score: {_SCALE_HELP}).")
    small_model: ModelId = Field("gpt-5-mini", description="Model for simple prompts.")
    mid_model: ModelId = Field("claude-sonnet-4-5", description="Model for moderate prompts.")
    large_model: ModelId = Field(
        "@flagship", description="Model for complex prompts (@flagship = the catalog's flagship)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> ComplexityParams:
        # A threshold given alone moves the other one's default out of its way
        # (`high_threshold = 0.6` alone: low 0.6 too, no mid tier) instead of
        # failing against a default the user never chose; the moved value stays
        # a default (not in `model_fields_set`, so not exported or listed).
        given = self.model_fields_set
        if self.low_threshold > self.high_threshold and ("low_threshold" in given) != ("high_threshold" in given):
            if "high_threshold" in given:
                object.__setattr__(self, "low_threshold", self.high_threshold)  # frozen; a validator's own fix
            else:
                object.__setattr__(self, "high_threshold", self.low_threshold)
        if self.low_threshold > self.high_threshold:
            raise ParamProblem(f"low_threshold ({self.low_threshold}) must not exceed high_threshold "
                               f"({self.high_threshold})")
        return self


class ComplexityStrategy(Strategy[ComplexityParams]):
    name = "complexity"
    summary = (
        "Scores prompt complexity (length, reasoning, code, parts, constraints, math) as a quantile of reference "
        "prompts and picks a tier by thresholds."
    )
    features = ("complexity_parts",)

    def setup(self) -> None:
        # The candidates depend on the tier only: built once, not per request.
        p = self.p
        tiers = (("small", p.small_model), ("mid", p.mid_model), ("large", p.large_model))
        self._candidates = {tier: tuple(Candidate(m, accepted=(t == tier), note=f"{t} tier") for t, m in tiers)
                            for tier, _ in tiers}

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        # This runs before every routed request leaves: the same figures as
        # `complexity_features` and `complexity_quantile`, with less made
        # along the way (tests/engine/test_hot_paths.py holds them equal).
        p = self.p
        measures = complexity_measures(route.prompt, route.input_tokens)
        contributions = [m * w for m, w in zip(measures, _WEIGHTS, strict=True)]
        raw = min(1.0, sum(contributions))
        score = reference_scale().quantile(raw)
        low, high = p.low_threshold, p.high_threshold
        if score < low:
            tier, wanted, rule = "small", p.small_model, f"< {low:g}"
        elif score < high:
            tier, wanted, rule = "mid", p.mid_model, f"in [{low:g}, {high:g})"
        else:
            tier, wanted, rule = "large", p.large_model, f"≥ {high:g}"
        model, note = ctx.resolve(wanted, route)
        # The two largest contributions, ties in feature order (a stable sort).
        top = sorted(range(len(contributions)), key=contributions.__getitem__, reverse=True)[:2]
        drivers = (", ".join(f"{FEATURE_NAMES[i]} +{contributions[i]:.2f}" for i in top if contributions[i] > 0)
                   or "no complexity signals")
        reason = (f"complexity {shown(score, low, high)} {rule} → {tier} tier (quantile of the reference prompts; raw "
                  f"{raw:.2f}: {drivers})" + (f"; {note}" if note else ""))
        return Decision(
            model=model.id,
            reason=reason,
            candidates=self._candidates[tier],
            details={
                "score": score,
                "raw_score": raw,
                "scale": _SCALE_SOURCE,
                "tier": tier,
                "thresholds": {"low": low, "high": high},
                "features": {name: {"measure": m, "contribution": c}
                             for name, m, c in zip(FEATURE_NAMES, measures, contributions, strict=True)},
                "substitution": note or None,
            },
        )

    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        p = self.p
        score = complexity_quantiles(table)
        tier = np.where(score < p.low_threshold, 0, np.where(score < p.high_threshold, 1, 2))
        return resolve_rows(table, ctx, [p.small_model, p.mid_model, p.large_model], tier)

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        p = self.p
        tiers = {"small": p.small_model, "mid": p.mid_model, "large": p.large_model}
        return RoutePlan(self.name, "conditional", "playground-complexity", p.mid_model, label_key="complexity",
                         branches=[("low", p.small_model), ("medium", p.mid_model), ("high", p.large_model)],
                         tiers=tiers,
                         classifier=(f"complexity thresholds (low {p.low_threshold:g}, high {p.high_threshold:g}, "
                                     "as quantiles of the reference prompts)"))
