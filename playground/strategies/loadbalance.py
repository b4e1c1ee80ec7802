"""Spread requests over the deployments of one model group, skipping open
circuits: weighted, least-busy, latency-based or health-weighted."""

from __future__ import annotations

import random

from playground.core.catalog import ModelSpec
from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.strategies.base import Param, RouteInput, RoutingContext, Strategy

POLICIES = ("weighted", "least-busy", "latency", "health")
# A deployment never measured is treated as this fast, so it gets explored.
UNMEASURED_TTFT_MS = 0.0


class LoadBalanceStrategy(Strategy):
    name = "loadbalance"
    summary = "Spreads a model group over its deployments: weighted, least-busy, lowest latency or health-weighted; skips open circuits."
    params = (
        Param("group", "str", "gpt-4o", "Model group to balance (see the catalog's [groups])."),
        Param("policy", "choice", "health", "How to pick a deployment.", choices=POLICIES),
        Param("weights", "weights", {}, "Weights per deployment for 'weighted', e.g. gpt-4o=3,openrouter-gpt-4o=1 (default 1 each)."),
        Param("seed", "int", 0, "Seed for the weighted random choice (repeatable runs).", min=0, max=2**31 - 1),
    )

    def validate(self) -> None:
        group = self.values["group"]
        if group not in self.catalog.groups:
            raise UserError(f"loadbalance.group: unknown group {group!r}; groups: {', '.join(self.catalog.groups) or 'none'}")
        members = self.catalog.groups[group]
        stray = [m for m in self.values["weights"] if m not in members]
        if stray:
            raise UserError(f"loadbalance.weights: {', '.join(stray)} not in group {group!r} ({', '.join(members)})")
        self._rng = random.Random(self.values["seed"])

    def _weight(self, model_id: str) -> float:
        return float(self.values["weights"].get(model_id, 1.0))

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        group = self.values["group"]
        policy = self.values["policy"]
        health = ctx.health
        eligible: list[ModelSpec] = []
        candidates: list[Candidate] = []
        for model_id in self.catalog.groups[group]:
            model = ctx.catalog.get(model_id)
            state = health.circuit_state(model_id) if health else "CLOSED"
            if not ctx.is_available(model_id):
                note = ctx.unavailable_reason
            elif model.context_window < route.needed_tokens:
                note = f"window {model.context_window:,} < {route.needed_tokens:,} needed"
            elif state == "OPEN":
                note = "circuit OPEN"
            elif self._weight(model_id) <= 0:
                note = "weight 0"
            else:
                eligible.append(model)
                continue
            candidates.append(Candidate(model_id, accepted=False, note=note))
        if not eligible:
            raise UserError(f"loadbalance: no deployment of group {group!r} can take the request "
                            f"({'; '.join(f'{c.model}: {c.note}' for c in candidates)})")
        scored = [(self._score(m.id, policy, ctx), m.id) for m in eligible]
        chosen = self._pick(scored, policy)
        ordered = [chosen] + [mid for _, mid in sorted(scored, key=lambda s: -s[0]) if mid != chosen]
        for score, mid in scored:
            candidates.append(Candidate(mid, score=round(score, 6), accepted=mid == chosen, note=self._describe(mid, ctx)))
        reason = f"group {group}, policy {policy}: {chosen} ({self._describe(chosen, ctx)})"
        skipped = [c for c in candidates if not c.accepted and c.model not in ordered]
        if skipped:
            reason += f"; skipped {', '.join(f'{c.model} ({c.note})' for c in skipped)}"
        return Decision(
            model=chosen,
            reason=reason,
            candidates=tuple(candidates),
            details={"group": group, "policy": policy},
            fallbacks=tuple(ordered[1:]),
        )

    def _score(self, model_id: str, policy: str, ctx: RoutingContext) -> float:
        """Higher is better, for every policy."""
        health = ctx.health
        if policy == "weighted" or health is None:
            return self._weight(model_id)
        if policy == "least-busy":
            return -float(health.in_flight(model_id))
        ttft = health.ewma_ttft_ms(model_id)
        ttft = UNMEASURED_TTFT_MS if ttft is None else ttft
        if policy == "latency":
            return -ttft
        # health: success rate, discounted by latency (1 s of TTFT halves the score).
        return self._weight(model_id) * health.success_rate(model_id) ** 2 / (1.0 + ttft / 1000.0)

    def _pick(self, scored: list[tuple[float, str]], policy: str) -> str:
        if policy in ("weighted", "health"):
            total = sum(max(0.0, s) for s, _ in scored)
            if total > 0:
                point = self._rng.random() * total
                for score, model_id in scored:
                    point -= max(0.0, score)
                    if point <= 0:
                        return model_id
        best = max(s for s, _ in scored)
        return min(mid for s, mid in scored if s == best)

    def _describe(self, model_id: str, ctx: RoutingContext) -> str:
        health = ctx.health
        if health is None:
            return f"weight {self._weight(model_id):g}"
        ttft = health.ewma_ttft_ms(model_id)
        ttft_text = "unmeasured" if ttft is None else f"{ttft:.0f} ms"
        return (f"weight {self._weight(model_id):g}, {health.in_flight(model_id)} in flight, TTFT {ttft_text}, "
                f"success {health.success_rate(model_id):.0%}")
