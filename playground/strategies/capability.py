"""Score every model on the capabilities the request needs, after hard
constraints (cost, latency, context, minimum scores) filter the field."""

from __future__ import annotations

import math
import re

import numpy as np

from playground.core.catalog import ModelSpec
from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.core.pricing import blended_price_per_mtok
from playground.strategies.base import CAPABILITIES, Param, RouteInput, RoutingContext, Strategy

# Prompt words that raise a capability's weight when `auto_weights` is on
# (set lookups over one tokenisation: cheaper than regex alternations).
_WORD = re.compile(r"[a-z0-9_']+")
_SIGNALS: tuple[tuple[str, frozenset[str]], ...] = (
    ("coding", frozenset(["code", "function", "bug", "debug", "python", "javascript", "sql", "regex", "refactor", "compile", "api"])),
    ("reasoning", frozenset(["prove", "why", "analyze", "analyse", "reason", "derive", "compare", "tradeoff", "tradeoffs", "trade", "plan", "solve", "calculate"])),
    ("creative", frozenset(["poem", "story", "haiku", "lyrics", "slogan", "creative", "fiction", "limerick", "names"])),
)
LONG_CONTEXT_TOKENS = 20_000
# Cost term: log10 of the blended $/M price, so $0.1 → -1, $10 → 1.
_COST_SCALE = 10 / 4
# Bound on cached rankings per strategy, in case weights_for is ever fed
# arbitrary weights; the built-in weights give at most 16.
_MAX_RANKINGS = 256


class CapabilityStrategy(Strategy):
    name = "capability"
    summary = "Weighted capability scores with hard constraints (cost, latency, context, minimum scores) and a cost-efficiency term."
    params = (
        Param("weights", "capabilities", {"reasoning": 1.0, "coding": 1.0, "creative": 1.0, "speed": 0.5},
              "Preferred capabilities and their weights, e.g. reasoning=2,speed=1."),
        Param("auto_weights", "bool", True, "Add weight to capabilities the prompt asks for (code, reasoning, creative, long context)."),
        Param("min_scores", "capabilities", {}, "Required minimum scores (0-10), e.g. coding=8. Models below are filtered out."),
        Param("max_cost_per_1k", "float", 0.01, "Most a model may cost per 1k tokens (blended 3:1 input:output), in USD.", min=0.0, max=10.0),
        Param("max_ttft_ms", "float", 2000.0, "Slowest acceptable time to first token (measured if known, else typical).", min=0.0, max=120_000.0),
        Param("min_context", "int", 0, "Minimum context window in tokens, on top of what the request needs.", min=0, max=10_000_000),
        Param("cost_efficiency", "float", 0.5, "Weight of the cost term: 0 ignores price, 1 weighs it like a capability.", min=0.0, max=1.0),
    )

    def validate(self) -> None:
        if not any(self.values["weights"].values()):
            raise UserError("capability.weights: at least one weight must be positive")
        for name, score in self.values["min_scores"].items():
            if not 0 <= score <= 10:
                raise UserError(f"capability.min_scores: {name}={score:g} is outside 0..10")
        # Static per-model figures, computed once: decide() runs in sweeps.
        efficiency = self.values["cost_efficiency"]
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
        max_per_1k, min_scores = self.values["max_cost_per_1k"], self.values["min_scores"]
        self._verdicts = [
            (f"${per_1k:.4f}/1k > ${max_per_1k:g}/1k" if per_1k > max_per_1k else "",
             ", ".join(f"{c} {caps[c]:g} < {floor:g}" for c, floor in min_scores.items() if caps[c] < floor))
            for _, caps, per_1k, _ in self._static
        ]
        self._rankings: dict[tuple[tuple[str, float], ...], _Ranking] = {}

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
                 for (model, *_), score, verdicts in zip(self._static, scores.tolist(), self._verdicts)),
                key=lambda r: (-r.score, r.id),
            )
            top = ", ".join(f"{c}×{w:g}" for c, w in sorted(weights.items(), key=lambda kv: -kv[1])[:3])
            ranking = self._rankings[key] = _Ranking(tuple(entries), top)
        return ranking

    def weights_for(self, route: RouteInput) -> dict[str, float]:
        weights = dict(self.values["weights"])
        if self.values["auto_weights"]:
            words = set(_WORD.findall(route.prompt.lower()))
            if "```" in route.prompt:
                words.add("code")
            for capability, signal in _SIGNALS:
                if not words.isdisjoint(signal):
                    weights[capability] = weights.get(capability, 0.0) + 2.0
            if route.input_tokens >= LONG_CONTEXT_TOKENS:
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
        needed = max(route.needed_tokens, self.values["min_context"])
        max_ttft = self.values["max_ttft_ms"]
        unavailable = ctx.unavailable_reason
        is_available = ctx.is_available
        measured_ttft = ctx.health.ewma_ttft_ms if ctx.health else None
        # Walking the models in score order keeps the trace's order (passing
        # models first, each group by score then id) without sorting per call.
        passing: list[_Ranked] = []
        filtered: list[Candidate] = []
        for r in ranking.entries:
            if not is_available(r.id):
                if not unavailable:  # an empty reason is no verdict: the model stays in the field
                    passing.append(r)
                    continue
                filtered.append(r.unavailable(unavailable))
            elif r.window < needed:
                filtered.append(Candidate(r.id, score=r.score, accepted=False, note=f"window {r.window:,} < {needed:,}"))
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
                        details={"weights": weights, "score": round(best.score, 4)},
                        fallbacks=tuple(r.id for r in passing[1:3]))


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
