"""Spread requests over the deployments of one model group, skipping open
circuits: weighted, least-busy, latency-based or health-weighted."""

from __future__ import annotations

import random
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from playground.core.catalog import ModelSpec
from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.core.lazy_numpy import np
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.batch import refusals, unfit_rows
from playground.strategies.features import BatchDecision, FeatureTable
from playground.strategies.params import ModelWeights, ParamProblem, Params, catalog_of
from playground.strategies.route_plan import RoutePlan

Policy = Literal["weighted", "least-busy", "latency", "health"]
# A deployment never measured is treated as this fast, so it gets explored.
UNMEASURED_TTFT_MS = 0.0


class LoadBalanceParams(Params):
    group: str = Field("gpt-4o", description="Model group to balance (see the catalog's [groups]).")
    policy: Policy = Field("health", description="How to pick a deployment.")
    weights: ModelWeights = Field(
        {}, description="Weights per deployment for 'weighted', e.g. gpt-4o=3,openrouter-gpt-4o=1 (default 1 each)."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the weighted random choice (repeatable runs).")

    @field_validator("group")
    @classmethod
    def _known_group(cls, group: str, info: ValidationInfo) -> str:
        catalog = catalog_of(info)
        if catalog is not None and group not in catalog.groups:
            raise ParamProblem(f"unknown group {group!r}; groups: {', '.join(catalog.groups) or 'none'}")
        return group

    @model_validator(mode="after")
    def _weights_in_group(self, info: ValidationInfo) -> LoadBalanceParams:
        catalog = catalog_of(info)
        members = catalog.groups.get(self.group, ()) if catalog is not None else ()
        stray = [m for m in self.weights if catalog is not None and m not in members]
        if stray:
            raise ParamProblem(
                f"{', '.join(stray)} not in group {self.group!r} ({', '.join(members)})", field="weights"
            )
        return self


class LoadBalanceStrategy(Strategy[LoadBalanceParams]):
    name = "loadbalance"
    summary = ("Spreads a model group over its deployments: weighted, least-busy, lowest latency or health-weighted; "
               "skips open circuits.")

    def setup(self) -> None:
        self.members: tuple[str, ...] = tuple(self.catalog.groups[self.p.group])
        self._rng = random.Random(self.p.seed)

    def _weight(self, model_id: str) -> float:
        return float(self.p.weights.get(model_id, 1.0))

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        group, policy = self.p.group, self.p.policy
        health = ctx.health
        eligible: list[ModelSpec] = []
        candidates: list[Candidate] = []
        for model_id in self.members:
            model = ctx.catalog.get(model_id)
            state = health.circuit_state(model_id) if health else "CLOSED"
            if not ctx.is_available(model_id):
                note = ctx.why_unavailable(model_id)
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
            candidates.append(
                Candidate(mid, score=round(score, 6), accepted=mid == chosen, note=self._describe(mid, ctx))
            )
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

    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        """Without live health every policy scores by weight: rows that can
        take the same deployments share one scoring, and the random draws are
        taken in row order, as one `decide` per row takes them."""
        if ctx.health is not None:
            return super().decide_batch(table, ctx)
        errors = unfit_rows(table, ctx)
        needed = table.needed_tokens
        fits = {m: ctx.catalog.get(m).context_window >= needed if ctx.is_available(m) and self._weight(m) > 0
                else np.zeros(len(table), dtype=bool) for m in self.members}
        usable = np.column_stack([fits[m] for m in self.members]) if self.members else np.zeros((len(table), 0), bool)
        ok = np.array(usable.any(axis=1), dtype=bool)
        refusals(self.decide, table, ctx, ~ok, errors)
        ok[list(errors)] = False  # no deployment can take it; no draw either
        random_pick = self.p.policy in ("weighted", "health")
        draws = np.array([self._rng.random() for _ in range(int(ok.sum()))]) if random_pick else None
        points = np.zeros(len(table))
        if draws is not None:
            points[ok] = draws
        models = np.empty(len(table), dtype=object)
        patterns, inverse = np.unique(usable, axis=0, return_inverse=True)
        for index, pattern in enumerate(patterns):
            rows = ok & (inverse.reshape(-1) == index)
            if not rows.any():
                continue
            scored = [(self._weight(m), m) for m, use in zip(self.members, pattern.tolist(), strict=True) if use]
            models[rows] = self._pick_rows(scored, points[rows], random_pick)
        return BatchDecision(models, None, errors)

    @staticmethod
    def _pick_rows(scored: list[tuple[float, str]], draws: np.ndarray, random_pick: bool) -> np.ndarray:
        """`_pick` for many rows with the same scoring, from their draws."""
        best = max(s for s, _ in scored)
        fallback = min(mid for s, mid in scored if s == best)
        picked = np.full(len(draws), fallback, dtype=object)
        total = sum(max(0.0, s) for s, _ in scored)
        if random_pick and total > 0:
            point = draws * total
            open_rows = np.ones(len(draws), dtype=bool)
            for score, model_id in scored:
                point = point - max(0.0, score)
                hit = open_rows & (point <= 0)
                picked[hit] = model_id
                open_rows &= ~hit
        return picked

    def _describe(self, model_id: str, ctx: RoutingContext) -> str:
        health = ctx.health
        if health is None:
            return f"weight {self._weight(model_id):g}"
        ttft = health.ewma_ttft_ms(model_id)
        ttft_text = "unmeasured" if ttft is None else f"{ttft:.0f} ms"
        return (f"weight {self._weight(model_id):g}, {health.in_flight(model_id)} in flight, TTFT {ttft_text}, "
                f"success {health.success_rate(model_id):.0%}")

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        p = self.p
        weights = {m: self._weight(m) for m in self.members}
        members = [m for m in self.members if weights[m] > 0]
        if not members:
            raise UserError(f"loadbalance: every deployment of group {p.group!r} has weight 0; nothing to export")
        # A failing deployment falls back to the others, heaviest first, as `decide` orders them.
        by_weight = sorted(members, key=lambda m: -weights[m])
        plan = RoutePlan(self.name, "loadbalance", p.group, members[0], members=members,
                         weights={m: weights[m] for m in members}, policy=p.policy, own_chain=True,
                         chains={m: [o for o in by_weight if o != m] for m in members},
                         groups={p.group: list(self.members)})
        if p.policy == "health":
            plan.caveats.append("loadbalance policy 'health' (weight × success rate² discounted by measured TTFT) "
                                "has no gateway equivalent: exported as a weighted spread; the gateway's "
                                "cooldowns / circuit breaker take failing deployments out instead")
        return plan
