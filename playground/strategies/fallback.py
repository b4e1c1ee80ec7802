"""A primary model and an explicit ordered chain to fall back on."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, model_validator

from playground.core.decision import Candidate, Decision
from playground.core.errors import UserError
from playground.core.lazy_numpy import np
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.batch import refusals, unfit_rows
from playground.strategies.features import BatchDecision, FeatureTable
from playground.strategies.params import ModelId, ModelIds, ParamProblem, Params, catalog_of
from playground.strategies.route_plan import RoutePlan


class FallbackParams(Params):
    primary: ModelId = Field("@flagship", description="The model tried first (@flagship = the catalog's flagship).")
    chain: ModelIds = Field(
        ["gpt-5-4", "claude-sonnet-4-5", "gpt-4o"], description="Models tried in order after the primary fails."
    )

    @model_validator(mode="after")
    def _primary_not_in_chain(self, info: ValidationInfo) -> FallbackParams:
        catalog = catalog_of(info)
        named = {catalog.flagship if catalog is not None and m == "@flagship" else m for m in self.chain}
        primary = catalog.flagship if catalog is not None and self.primary == "@flagship" else self.primary
        if primary in named:
            raise ParamProblem(f"contains the primary model {self.primary!r}; list only the fallbacks", field="chain")
        return self


class FallbackStrategy(Strategy[FallbackParams]):
    name = "fallback"
    summary = "A primary model, then an ordered chain when it fails (errors, timeouts, broken streams, open circuits)."

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        primary = self.p.primary
        chain = tuple(self.p.chain)
        candidates = []
        for position, model_id in enumerate((primary, *chain)):
            model = ctx.catalog.get(model_id)
            if not ctx.is_available(model_id):
                note = ctx.why_unavailable(model_id)
            elif model.context_window < route.needed_tokens:
                note = f"window {model.context_window:,} < {route.needed_tokens:,} needed: never used"
            else:
                note = "primary" if position == 0 else f"fallback #{position}"
            candidates.append(
                Candidate(model_id, accepted=note in ("primary",) or note.startswith("fallback"), note=note)
            )
        usable = [c.model for c in candidates if c.accepted]
        if not usable:
            raise UserError(f"fallback: no model of the primary and chain can take the request "
                            f"({'; '.join(f'{c.model}: {c.note}' for c in candidates)})")
        first = usable[0]
        reason = (
            f"primary {primary}"
            if first == primary
            else f"primary {primary} unusable ({candidates[0].note}); starting at {first}"
        )
        reason += f"; then {' → '.join(usable[1:])}" if len(usable) > 1 else "; no usable fallback"
        return Decision(
            model=first,
            reason=reason,
            candidates=tuple(candidates),
            details={"primary": primary, "chain": list(chain)},
            fallbacks=tuple(usable[1:]),
        )

    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        needed = table.needed_tokens
        models = np.empty(len(table), dtype=object)
        open_rows = np.ones(len(table), dtype=bool)
        for model_id in (self.p.primary, *self.p.chain):
            if ctx.is_available(model_id):
                takes = open_rows & (needed <= ctx.catalog.get(model_id).context_window)
                models[takes] = model_id
                open_rows &= ~takes
        errors = refusals(self.decide, table, ctx, open_rows, unfit_rows(table, ctx))
        models[list(errors)] = None
        return BatchDecision(models, None, errors)

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        return RoutePlan(self.name, "fallback", self.p.primary, self.p.primary, members=[self.p.primary, *self.p.chain],
                         own_chain=True)
