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
    ("coding", frozenset("code function bug debug python javascript sql regex refactor compile api".split())),
    ("reasoning", frozenset("prove why analyze analyse reason derive compare tradeoff tradeoffs trade plan solve calculate".split())),
    ("creative", frozenset("poem story haiku lyrics slogan creative fiction limerick names".split())),
)
LONG_CONTEXT_TOKENS = 20_000
# Cost term: log10 of the blended $/M price, so $0.1 → -1, $10 → 1.
_COST_SCALE = 10 / 4


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

    @staticmethod
    def _ttft(model: ModelSpec, ctx: RoutingContext) -> tuple[float, str]:
        measured = ctx.health.ewma_ttft_ms(model.id) if ctx.health else None
        return (measured, "measured") if measured is not None else (model.sim.ttft_ms, "typical")

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
        needed = max(route.needed_tokens, self.values["min_context"])
        max_per_1k = self.values["max_cost_per_1k"]
        rows: list[tuple[float, ModelSpec, str]] = []
        vector = np.array([weights.get(c, 0.0) for c in CAPABILITIES], dtype=np.float64)
        scores = (self._caps @ vector) / vector.sum() - self._cost_terms
        min_scores = self.values["min_scores"]
        for (model, caps, per_1k, _), score in zip(self._static, scores.tolist()):
            ttft, ttft_kind = self._ttft(model, ctx)
            shortfalls = [f"{c} {caps[c]:g} < {m:g}" for c, m in min_scores.items() if caps[c] < m] if min_scores else []
            if not ctx.is_available(model.id):
                note = ctx.unavailable_reason
            elif model.context_window < needed:
                note = f"window {model.context_window:,} < {needed:,}"
            elif per_1k > max_per_1k:
                note = f"${per_1k:.4f}/1k > ${max_per_1k:g}/1k"
            elif ttft > self.values["max_ttft_ms"]:
                note = f"TTFT {ttft:.0f} ms ({ttft_kind}) > {self.values['max_ttft_ms']:g} ms"
            elif shortfalls:
                note = ", ".join(shortfalls)
            else:
                note = ""
            rows.append((score, model, note))
        passing = sorted((r for r in rows if not r[2]), key=lambda r: (-r[0], r[1].id))
        if not passing:
            raise UserError("capability: every model was filtered out by the constraints; relax max_cost_per_1k, "
                            "max_ttft_ms, min_context or min_scores")
        best_score, best, _ = passing[0]
        candidates = tuple(
            Candidate(m.id, score=sc, accepted=m is best,
                      note=note or ("best score" if m is best else "outscored"))
            for sc, m, note in sorted(rows, key=lambda r: (bool(r[2]), -r[0], r[1].id))
        )
        top = ", ".join(f"{c}×{w:g}" for c, w in sorted(weights.items(), key=lambda kv: -kv[1])[:3])
        runner_up = f"; next {passing[1][1].id} {passing[1][0]:.2f}" if len(passing) > 1 else ""
        reason = f"best capability score {best_score:.2f} for {top} ({len(rows) - len(passing)} filtered){runner_up}"
        return Decision(model=best.id, reason=reason, candidates=candidates,
                        details={"weights": weights, "score": round(best_score, 4)},
                        fallbacks=tuple(m.id for _, m, _ in passing[1:3]))
