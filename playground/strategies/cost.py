"""The cheapest model that holds the request, meets a quality bar and whose
estimated cost fits the per-request budget."""

from __future__ import annotations

from pydantic import Field

from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.core.lazy_numpy import np
from playground.core.pricing import format_usd
from playground.strategies.base import RouteInput, RoutingContext, Strategy, general_quality
from playground.strategies.batch import refusals, unfit_rows
from playground.strategies.features import BatchDecision, FeatureTable
from playground.strategies.params import Params
from playground.strategies.route_plan import RoutePlan


class NoModelInBudget(UserError):
    pass


class CostParams(Params):
    budget_usd: float = Field(0.02, ge=0.0, le=100.0, description="Most a single request may cost (estimated), in USD.")
    expected_output_tokens: int = Field(500, ge=0, le=1_000_000,
                                        description="Output tokens assumed for the estimate (0 = the request's max).")
    min_quality: float = Field(
        5.0, ge=0.0, le=10.0, description="Minimum mean of reasoning/coding/creative scores (0-10)."
    )
    allow_local: bool = Field(True, description="Consider local models (price 0).")


class CostStrategy(Strategy[CostParams]):
    name = "cost"
    summary = (
        "Cheapest available model whose context window, quality bar and estimated cost fit the request and budget."
    )

    def setup(self) -> None:
        # Static per-model figures and verdicts, computed once: decide() runs in sweeps.
        min_quality = self.p.min_quality
        self._models = []
        for m in self.catalog.models.values():
            quality = general_quality(m)
            if m.tier == "local" and not self.p.allow_local:
                static_note = "local models excluded"
            elif quality < min_quality:
                static_note = f"quality {quality:.1f} < {min_quality:g}"
            else:
                static_note = ""
            self._models.append((m.id, m.context_window, quality, m.input_per_mtok / 1e6, m.output_per_mtok / 1e6,
                                 static_note))

    def _output_tokens(self, max_output_tokens: int) -> int:
        return min(self.p.expected_output_tokens or max_output_tokens, max_output_tokens)

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        budget = self.p.budget_usd
        min_quality = self.p.min_quality
        output = self._output_tokens(route.request.max_output_tokens)
        ctx.ensure_some_fit(route)
        input_tokens = route.input_tokens
        needed = route.needed_tokens
        is_available = ctx.is_available
        rows = []
        for model_id, window, quality, in_price, out_price, static_note in self._models:
            estimate = input_tokens * in_price + output * out_price
            if not is_available(model_id):
                note = ctx.why_unavailable(model_id) or "unavailable"  # an empty note would mean "passes"
            elif window < needed:
                note = f"window {window:,} < {needed:,} needed"
            elif static_note:
                note = static_note
            elif estimate > budget:
                note = f"est. {format_usd(estimate)} > budget {format_usd(budget)}"
            else:
                note = ""
            rows.append((estimate, model_id, quality, note))
        rows.sort()
        passing = [r for r in rows if not r[3]]
        if not passing:
            raise NoModelInBudget(
                f"cost: no available model meets quality ≥ {min_quality:g} within a budget of {format_usd(budget)} "
                f"for {route.input_tokens:,} prompt + {output:,} output tokens; raise cost.budget_usd or lower "
                "cost.min_quality"
            )
        estimate, chosen, quality, _ = passing[0]
        # The score is the estimated cost in USD; notes stay static strings.
        candidates = tuple(
            Candidate(
                mid,
                score=est,
                accepted=(mid == chosen),
                note=note or ("chosen: cheapest that fits" if mid == chosen else "dearer"),
            )
            for est, mid, _, note in rows
        )
        rejected = sum(1 for r in rows if r[3])
        reason = (
            f"cheapest fitting model: est. {format_usd(estimate)} ≤ budget {format_usd(budget)}, "
            f"quality {quality:.1f} ≥ {min_quality:g} ({rejected} of {len(rows)} ruled out)"
        )
        return Decision(
            model=chosen,
            reason=reason,
            candidates=candidates,
            details={"estimated_cost_usd": estimate, "budget_usd": budget, "assumed_output_tokens": output},
        )

    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        """Every model's estimate for every row at once; the cheapest passing
        one wins, ties to the lower id (as sorting (estimate, id) does)."""
        output = self._output_tokens(table.max_output_tokens)
        needed = table.needed_tokens
        ordered = sorted(self._models)  # by id: argmin keeps the first of equal estimates
        estimates = np.full((len(ordered), len(table)), np.inf)
        for j, (model_id, window, _, in_price, out_price, static_note) in enumerate(ordered):
            if ctx.is_available(model_id) and not static_note:
                estimate = table.tokens * in_price + output * out_price
                estimates[j] = np.where((needed <= window) & (estimate <= self.p.budget_usd), estimate, np.inf)
        best = estimates.argmin(axis=0)
        models = np.array([m[0] for m in ordered], dtype=object)[best]
        errors = refusals(self.decide, table, ctx, np.isinf(estimates.min(axis=0)), unfit_rows(table, ctx))
        models[list(errors)] = None
        return BatchDecision(models, None, errors)

    def pool(self, ctx: RoutingContext | None = None) -> list[str]:
        """The models the quality bar (and local switch) let through, cheapest first."""
        eligible = [m for m in self.catalog.models.values()
                    if general_quality(m) >= self.p.min_quality and (self.p.allow_local or m.tier != "local")
                    and (ctx is None or ctx.is_available(m.id))]
        return [m.id for m in sorted(eligible, key=lambda m: (m.input_per_mtok + m.output_per_mtok, m.id))]

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        p = self.p
        pool = self.pool(ctx)
        if not pool:
            limited = len(ctx.available) < len(self.catalog.models)
            raise UserError(f"cost: no model{' of the configured providers' if limited else ''} has quality ≥ "
                            f"{p.min_quality:g}; nothing to export")
        plan = RoutePlan(self.name, "cheapest", "playground-cost", pool[0], members=pool,
                         unreachable=[m for m in self.pool() if m not in pool])
        plan.caveats.append(f"cost: the per-request budget (${p.budget_usd:g}, estimated from "
                            f"{p.expected_output_tokens} output tokens) cannot be expressed; the pool is the "
                            f"{len(pool)} models with quality ≥ {p.min_quality:g}"
                            f"{'' if p.allow_local else ' (local models excluded)'}, cheapest first")
        return plan
