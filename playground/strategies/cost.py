"""The cheapest model that holds the request, meets a quality bar and whose
estimated cost fits the per-request budget."""

from __future__ import annotations

from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.core.pricing import format_usd
from playground.strategies.base import Param, RouteInput, RoutingContext, Strategy, general_quality


class NoModelInBudget(UserError):
    pass


class CostStrategy(Strategy):
    name = "cost"
    summary = "Cheapest available model whose context window, quality bar and estimated cost fit the request and budget."
    params = (
        Param("budget_usd", "float", 0.02, "Most a single request may cost (estimated), in USD.", min=0.0, max=100.0),
        Param("expected_output_tokens", "int", 500, "Output tokens assumed for the estimate (0 = the request's max).", min=0, max=1_000_000),
        Param("min_quality", "float", 5.0, "Minimum mean of reasoning/coding/creative scores (0-10).", min=0.0, max=10.0),
        Param("allow_local", "bool", True, "Consider local models (price 0)."),
    )

    def validate(self) -> None:
        # Static per-model figures and verdicts, computed once: decide() runs in sweeps.
        min_quality = self.values["min_quality"]
        self._models = []
        for m in self.catalog.models.values():
            quality = general_quality(m)
            if m.tier == "local" and not self.values["allow_local"]:
                static_note = "local models excluded"
            elif quality < min_quality:
                static_note = f"quality {quality:.1f} < {min_quality:g}"
            else:
                static_note = ""
            self._models.append((m.id, m.context_window, quality, m.input_per_mtok / 1e6, m.output_per_mtok / 1e6,
                                 static_note))

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        budget = self.values["budget_usd"]
        min_quality = self.values["min_quality"]
        output = self.values["expected_output_tokens"] or route.request.max_output_tokens
        output = min(output, route.request.max_output_tokens)
        ctx.ensure_some_fit(route)
        input_tokens = route.input_tokens
        needed = route.needed_tokens
        is_available = ctx.is_available
        rows = []
        for model_id, window, quality, in_price, out_price, static_note in self._models:
            estimate = input_tokens * in_price + output * out_price
            if not is_available(model_id):
                note = ctx.unavailable_reason
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
                f"for {route.input_tokens:,} prompt + {output:,} output tokens; raise cost.budget_usd or lower cost.min_quality"
            )
        estimate, chosen, quality, _ = passing[0]
        # The score is the estimated cost in USD; notes stay static strings.
        candidates = tuple(
            Candidate(mid, score=est, accepted=(mid == chosen), note=note or ("chosen: cheapest that fits" if mid == chosen else "dearer"))
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
