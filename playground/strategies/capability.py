"""Score every model on the capabilities the request needs, after hard
constraints (cost, latency, context, minimum scores) filter the field."""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from playground.core.catalog import ModelSpec
from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.core.lazy_numpy import np
from playground.core.pricing import blended_price_per_mtok
from playground.strategies.base import CAPABILITIES, RouteInput, RoutingContext, Strategy
from playground.strategies.batch import refusals, unfit_rows
from playground.strategies.features import BatchDecision, FeatureInput, FeatureTable, feature
from playground.strategies.params import CapabilityWeights, ParamProblem, Params
from playground.strategies.route_plan import RoutePlan
from playground.strategies.routing import neutral_route

# Prompt words that raise a capability's weight when `auto_weights` is on
# (set lookups over one tokenisation: cheaper than regex alternations).
_WORD = re.compile(r"[a-z0-9_']+")
_SIGNALS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "coding",
        frozenset(
            ["code", "function", "bug", "debug", "python", "javascript", "sql", "regex", "refactor", "compile", "api"]
        ),
    ),
    (
        "reasoning",
        frozenset(
            [
                "prove",
                "why",
                "analyze",
                "analyse",
                "reason",
                "derive",
                "compare",
                "tradeoff",
                "tradeoffs",
                "trade",
                "plan",
                "solve",
                "calculate",
            ]
        ),
    ),
    ("creative", frozenset(["poem", "story", "haiku", "lyrics", "slogan", "creative", "fiction", "limerick", "names"])),
)
LONG_CONTEXT_TOKENS = 20_000
# max_cost_per_1k compares prices in USD per 1,000 tokens, blended 3 input : 1
# output; a price within this relative distance of the limit is at the limit
# (a blended price is a sum of products of decimals, so one equal to a limit can
# land a hair above it in floating point).
COST_TOLERANCE = 1e-9
PRICE_UNIT = "USD per 1,000 tokens, blended 3 input : 1 output"
# Cost term: log10 of the blended $/M price, so $0.1 → -1, $10 → 1.
_COST_SCALE = 10 / 4
# Bound on cached rankings per strategy, in case weights_for is ever fed
# arbitrary weights; the built-in weights give at most 16.
_MAX_RANKINGS = 256


def prompt_signals(prompt: str) -> tuple[bool, ...]:
    """Which capabilities the prompt's words ask for, in `_SIGNALS` order."""
    words = set(_WORD.findall(prompt.lower()))
    if "```" in prompt:
        words.add("code")
    return tuple(not words.isdisjoint(signal) for _, signal in _SIGNALS)


@feature("capability_signals", "Whether the prompt asks for coding, reasoning, creative (N, 3 booleans as 0/1).")
def _capability_signals(data: FeatureInput) -> np.ndarray:
    return np.array([prompt_signals(p) for p in data.prompts], dtype=np.uint8).reshape(len(data.prompts), len(_SIGNALS))


def over_cost_limit(price_per_1k: float, limit_per_1k: float) -> bool:
    return price_per_1k > limit_per_1k * (1 + COST_TOLERANCE)


def _scores_in_range(scores: dict[str, float]) -> dict[str, float]:
    for name, score in scores.items():
        if not 0 <= score <= 10:
            raise ParamProblem(f"{name}={score:g} is outside 0..10")
    return scores


class CapabilityParams(Params):
    weights: CapabilityWeights = Field(
        {"reasoning": 1.0, "coding": 1.0, "creative": 1.0, "speed": 0.5},
        description="Preferred capabilities and their weights, e.g. reasoning=2,speed=1.",
    )
    auto_weights: bool = Field(True, description="Add weight to capabilities the prompt asks for (code, reasoning, "
                                                 "creative, long context).")
    min_scores: Annotated[CapabilityWeights, AfterValidator(_scores_in_range)] = Field(
        {}, description="Required minimum scores (0-10), e.g. coding=8. Models below are filtered out.")
    max_cost_per_1k: float = Field(
        0.01,
        ge=0.0,
        le=10.0,
        description="Most a model may cost, in USD per 1,000 tokens blended 3 input : 1 output "
        "(a price within a relative 1e-9 of the limit counts as at the limit).",
    )
    max_ttft_ms: float = Field(2000.0, ge=0.0, le=120_000.0,
                               description="Slowest acceptable time to first token (measured if known, else typical).")
    min_context: int = Field(0, ge=0, le=10_000_000, description="Minimum context window in tokens, on top of what the "
                                                                 "request needs.")
    cost_efficiency: float = Field(
        0.5, ge=0.0, le=1.0, description="Weight of the cost term: 0 ignores price, 1 weighs it like a capability."
    )

    @field_validator("weights")
    @classmethod
    def _some_positive(cls, weights: dict[str, float]) -> dict[str, float]:
        if not any(weights.values()):
            raise ParamProblem("at least one weight must be positive")
        return weights


class CapabilityStrategy(Strategy[CapabilityParams]):
    name = "capability"
    summary = ("Weighted capability scores with hard constraints (cost, latency, context, minimum scores) and a "
               "cost-efficiency term.")
    features = ("capability_signals",)

    def setup(self) -> None:
        # Static per-model figures, computed once: decide() runs in sweeps.
        efficiency = self.p.cost_efficiency
        self._static = [
            (m, {c: m.capability(c) for c in CAPABILITIES}, blended_price_per_mtok(m) / 1000,
             efficiency * (_COST_SCALE * math.log10(max(blended_price_per_mtok(m), 0.01)) + 5))
            for m in self.catalog.models.values()
        ]
        # The same figures as arrays: one matrix product scores every model.
        self._caps = np.array([[caps[c] for c in CAPABILITIES] for _, caps, _, _ in self._static], dtype=np.float64)
        self._cost_terms = np.array([term for *_, term in self._static], dtype=np.float64)
        # Parameters never change after construction, so the cost cap and the
        # minimum scores give each model a fixed verdict, phrased once here.
        max_per_1k, min_scores = self.p.max_cost_per_1k, self.p.min_scores
        self._verdicts = [
            (f"${per_1k:.4f}/1k > ${max_per_1k:g}/1k" if over_cost_limit(per_1k, max_per_1k) else "",
             ", ".join(f"{c} {caps[c]:g} < {floor:g}" for c, floor in min_scores.items() if caps[c] < floor))
            for _, caps, per_1k, _ in self._static
        ]
        self._rankings: dict[tuple[tuple[str, float], ...], _Ranking] = {}
        # Text, not numbers: traces round floats to 6 decimals.
        self._cost_limit = (f"price ≤ {max_per_1k:g} {PRICE_UNIT}, within a relative tolerance of "
                            f"{COST_TOLERANCE:g}")

    def _ranking(self, weights: dict[str, float]) -> _Ranking:
        """The ranking for these weights, built on first use. Weights come from
        fixed parameters plus a few prompt signals, so only a handful of
        distinct rankings ever exist per strategy."""
        key = tuple(weights.items())
        ranking = self._rankings.get(key)
        if ranking is None:
            if len(self._rankings) >= _MAX_RANKINGS:
                self._rankings.clear()
            vector = np.array([weights.get(c, 0.0) for c in CAPABILITIES], dtype=np.float64)
            scores = (self._caps @ vector) / vector.sum() - self._cost_terms
            entries = sorted(
                (_Ranked(model, score, *verdicts)
                 for (model, *_), score, verdicts in zip(self._static, scores.tolist(), self._verdicts, strict=True)),
                key=lambda r: (-r.score, r.id),
            )
            top = ", ".join(f"{c}×{w:g}" for c, w in sorted(weights.items(), key=lambda kv: -kv[1])[:3])
            ranking = self._rankings[key] = _Ranking(tuple(entries), top)
        return ranking

    def weights_for(self, route: RouteInput) -> dict[str, float]:
        if not self.p.auto_weights:
            return dict(self.p.weights)
        return self._weights(prompt_signals(route.prompt), route.input_tokens >= LONG_CONTEXT_TOKENS)

    def _weights(self, signals: tuple[bool, ...], long_context: bool) -> dict[str, float]:
        """The configured weights plus what the prompt asks for (auto_weights)."""
        weights = dict(self.p.weights)
        if self.p.auto_weights:
            for (capability, _), present in zip(_SIGNALS, signals, strict=True):
                if present:
                    weights[capability] = weights.get(capability, 0.0) + 2.0
            if long_context:
                weights["long_context"] = weights.get("long_context", 0.0) + 2.0
        return weights

    def score(self, model: ModelSpec, weights: dict[str, float]) -> float:
        for static_model, caps, _, cost_term in self._static:
            if static_model.id == model.id:
                return self._score(caps, cost_term, weights, sum(weights.values()))
        raise KeyError(model.id)

    @staticmethod
    def _score(caps: dict[str, float], cost_term: float, weights: dict[str, float], total: float) -> float:
        # cost_term is about 0..10 over $0.01..$100 per million tokens, times cost_efficiency.
        return sum(w * caps.get(c, 0.0) for c, w in weights.items()) / total - cost_term

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        weights = self.weights_for(route)
        ranking = self._ranking(weights)
        needed = max(route.needed_tokens, self.p.min_context)
        max_ttft = self.p.max_ttft_ms
        is_available = ctx.is_available
        measured_ttft = ctx.health.ewma_ttft_ms if ctx.health else None
        # Walking the models in score order keeps the trace's order (passing
        # models first, each group by score then id) without sorting per call.
        passing: list[_Ranked] = []
        filtered: list[Candidate] = []
        for r in ranking.entries:
            if not is_available(r.id):
                unavailable = ctx.why_unavailable(r.id)
                if not unavailable:  # an empty reason is no verdict: the model stays in the field
                    passing.append(r)
                    continue
                filtered.append(r.unavailable(unavailable))
            elif r.window < needed:
                filtered.append(
                    Candidate(r.id, score=r.score, accepted=False, note=f"window {r.window:,} < {needed:,}")
                )
            elif r.over_budget is not None:
                filtered.append(r.over_budget)
            else:
                # Read only for models the cheaper filters kept.
                measured = measured_ttft(r.id) if measured_ttft else None
                ttft, ttft_kind = (measured, "measured") if measured is not None else (r.typical_ttft, "typical")
                if ttft > max_ttft:
                    filtered.append(Candidate(r.id, score=r.score, accepted=False,
                                              note=f"TTFT {ttft:.0f} ms ({ttft_kind}) > {max_ttft:g} ms"))
                elif r.short is not None:
                    filtered.append(r.short)
                else:
                    passing.append(r)
        if not passing:
            raise UserError("capability: every model was filtered out by the constraints; relax max_cost_per_1k, "
                            "max_ttft_ms, min_context or min_scores")
        best = passing[0]
        candidates = (best.best, *[r.outscored for r in passing[1:]], *filtered)
        runner_up = f"; next {passing[1].id} {passing[1].score:.2f}" if len(passing) > 1 else ""
        reason = (f"best capability score {best.score:.2f} for {ranking.top} "
                  f"({len(ranking.entries) - len(passing)} filtered){runner_up}")
        return Decision(model=best.id, reason=reason, candidates=candidates,
                        details={"weights": weights, "score": round(best.score, 4),
                                 "cost_limit": self._cost_limit},
                        fallbacks=tuple(r.id for r in passing[1:3]))

    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        """Rows with the same prompt signals share one ranking; per ranking, the
        models that pass every request-independent filter are tried in score
        order against each row's needed window, as `decide` walks them."""
        errors = unfit_rows(table, ctx)
        n = len(table)
        needed = np.maximum(table.needed_tokens, self.p.min_context)
        if self.p.auto_weights:
            keys = np.column_stack(
                [table.feature("capability_signals").astype(bool), table.tokens >= LONG_CONTEXT_TOKENS]
            )
            patterns, inverse = np.unique(keys, axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            groups = [(self._weights(tuple(flags[:-1]), flags[-1]), inverse == k)
                      for k, flags in enumerate(patterns.tolist())]
        else:
            groups = [(dict(self.p.weights), np.ones(n, dtype=bool))]
        models = np.empty(n, dtype=object)
        open_rows = np.ones(n, dtype=bool)
        open_rows[list(errors)] = False
        for weights, members in groups:
            rows = open_rows & members
            for entry, window_matters in self._statically_passing(self._ranking(weights), ctx):
                takes = rows & (needed <= entry.window) if window_matters else rows.copy()
                models[takes] = entry.id
                rows &= ~takes
                open_rows &= ~takes
        refusals(self.decide, table, ctx, open_rows, errors)  # every model filtered out
        models[list(errors)] = None
        return BatchDecision(models, None, errors)

    def _statically_passing(self, ranking: _Ranking, ctx: RoutingContext) -> list[tuple[_Ranked, bool]]:
        """The ranking's models that pass every filter but the window, in
        order, and whether the window is checked (`decide` lets a model of a
        context with no stated reason through unchecked)."""
        measured_ttft = ctx.health.ewma_ttft_ms if ctx.health else None
        out: list[tuple[_Ranked, bool]] = []
        for r in ranking.entries:
            if not ctx.is_available(r.id):
                if not ctx.why_unavailable(r.id):
                    out.append((r, False))
                continue
            if r.over_budget is not None or r.short is not None:
                continue
            measured = measured_ttft(r.id) if measured_ttft else None
            if (measured if measured is not None else r.typical_ttft) > self.p.max_ttft_ms:
                continue
            out.append((r, True))
        return out

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        decision = self.decide(neutral_route(), ctx)
        chain = list(decision.fallbacks)
        plan = RoutePlan(self.name, "fallback", decision.model, decision.model, members=[decision.model, *chain],
                         own_chain=True, unreachable=[m for m in self.catalog.models if not ctx.is_available(m)])
        plan.caveats.append(
            "capability: scoring each prompt (auto_weights raise coding/reasoning/creative/long-context "
            f"weights from its words) cannot be expressed; exported the model the configured weights "
            f"pick ({decision.model}) with the runners-up as fallbacks"
        )
        return plan


class _Ranked:
    """One model's place in a ranking, with the candidates whose verdict does
    not depend on the request built once: `Candidate` is frozen, so decisions
    can share them, and building them was most of the time per decision."""

    __slots__ = ("_unavailable", "best", "id", "outscored", "over_budget", "score", "short", "typical_ttft", "window")

    def __init__(self, model: ModelSpec, score: float, cost_note: str, shortfall_note: str) -> None:
        self.id = model.id
        self.score = score
        self.window = model.context_window
        self.typical_ttft = model.sim.ttft_ms
        self.over_budget = Candidate(model.id, score=score, accepted=False, note=cost_note) if cost_note else None
        self.short = Candidate(model.id, score=score, accepted=False, note=shortfall_note) if shortfall_note else None
        self.best = Candidate(model.id, score=score, accepted=True, note="best score")
        self.outscored = Candidate(model.id, score=score, accepted=False, note="outscored")
        self._unavailable: dict[str, Candidate] = {}

    def unavailable(self, reason: str) -> Candidate:
        """Contexts use a few fixed reasons ("not configured", ...), so these are cached too."""
        candidate = self._unavailable.get(reason)
        if candidate is None:
            candidate = Candidate(self.id, score=self.score, accepted=False, note=reason)
            if len(self._unavailable) < 8:
                self._unavailable[reason] = candidate
        return candidate


class _Ranking:
    """Models in descending score (then id) order for one weights dict, and the
    'top weights' text the reason quotes."""

    __slots__ = ("entries", "top")

    def __init__(self, entries: tuple[_Ranked, ...], top: str) -> None:
        self.entries = entries
        self.top = top
