"""Score every model on the capabilities the request needs, after hard
constraints (cost, latency, context, minimum scores) filter the field."""

from __future__ import annotations

import math
import re

from playground.core.catalog import ModelSpec
from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.core.pricing import blended_price_per_mtok
from playground.strategies.base import Param, RouteInput, RoutingContext, Strategy

# Prompt signals that raise a capability's weight when `auto_weights` is on.
_SIGNALS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("coding", re.compile(r"```|\b(code|function|bug|debug|python|javascript|sql|regex|refactor|compile|api)\b", re.I)),
    ("reasoning", re.compile(r"\b(prove|why|analy[sz]e|reason|derive|compare|trade-?offs?|plan|solve|calculate)\b", re.I)),
    ("creative", re.compile(r"\b(poem|story|haiku|lyrics|slogan|creative|fiction|limerick|names? for)\b", re.I)),
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

    def weights_for(self, route: RouteInput) -> dict[str, float]:
        weights = dict(self.values["weights"])
        if self.values["auto_weights"]:
            for capability, pattern in _SIGNALS:
                if pattern.search(route.prompt):
                    weights[capability] = weights.get(capability, 0.0) + 2.0
            if route.input_tokens >= LONG_CONTEXT_TOKENS:
                weights["long_context"] = weights.get("long_context", 0.0) + 2.0
        return weights

    def _ttft(self, model: ModelSpec, ctx: RoutingContext) -> tuple[float, str]:
        measured = ctx.health.ewma_ttft_ms(model.id) if ctx.health else None
        return (measured, "measured") if measured is not None else (model.sim.ttft_ms, "typical")

    def score(self, model: ModelSpec, weights: dict[str, float]) -> float:
        total = sum(weights.values())
        quality = sum(w * model.capability(c) for c, w in weights.items()) / total
        price = blended_price_per_mtok(model)
        cost_term = _COST_SCALE * math.log10(max(price, 0.01)) + 5  # about 0..10 over $0.01..$100
        return quality - self.values["cost_efficiency"] * cost_term

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        weights = self.weights_for(route)
        needed = max(route.needed_tokens, self.values["min_context"])
        max_per_1k = self.values["max_cost_per_1k"]
        rows: list[tuple[float, ModelSpec, str]] = []
        for model in ctx.catalog.models.values():
            ttft, ttft_kind = self._ttft(model, ctx)
            per_1k = blended_price_per_mtok(model) / 1000
            shortfalls = [f"{c} {model.capability(c):g} < {m:g}" for c, m in self.values["min_scores"].items() if model.capability(c) < m]
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
            rows.append((self.score(model, weights), model, note))
        passing = sorted((r for r in rows if not r[2]), key=lambda r: (-r[0], r[1].id))
        if not passing:
            raise UserError("capability: every model was filtered out by the constraints; relax max_cost_per_1k, "
                            "max_ttft_ms, min_context or min_scores")
        best_score, best, _ = passing[0]
        candidates = tuple(
            Candidate(m.id, score=round(sc, 3), accepted=m is best,
                      note=note or ("best score" if m is best else f"score {sc:.2f}"))
            for sc, m, note in sorted(rows, key=lambda r: (bool(r[2]), -r[0], r[1].id))
        )
        top = ", ".join(f"{c}×{w:g}" for c, w in sorted(weights.items(), key=lambda kv: -kv[1])[:3])
        runner_up = f"; next {passing[1][1].id} {passing[1][0]:.2f}" if len(passing) > 1 else ""
        reason = f"best capability score {best_score:.2f} for {top} ({len(rows) - len(passing)} filtered){runner_up}"
        return Decision(model=best.id, reason=reason, candidates=candidates,
                        details={"weights": weights, "score": round(best_score, 4)},
                        fallbacks=tuple(m.id for _, m, _ in passing[1:3]))
