"""Always one model: the baseline every saving is measured against."""

from __future__ import annotations

from pydantic import Field

from playground.core.decision import Candidate, Decision
from playground.core.lazy_numpy import np
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.batch import resolve_rows
from playground.strategies.features import BatchDecision, FeatureTable
from playground.strategies.params import ModelId, Params
from playground.strategies.route_plan import RoutePlan


class FixedParams(Params):
    model: ModelId = Field(
        "@flagship", description="The model every request goes to (@flagship = the catalog's flagship)."
    )


class FixedStrategy(Strategy[FixedParams]):
    name = "fixed"
    summary = "Always the same model (by default the flagship): the baseline for savings."

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        model, note = ctx.resolve(self.p.model, route)
        reason = f"always {self.p.model}" + (f"; {note}" if note else "")
        return Decision(
            model=model.id,
            reason=reason,
            candidates=(Candidate(model.id, accepted=True, note=note or "configured model"),),
            details={"configured": self.p.model},
        )

    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        return resolve_rows(table, ctx, [self.p.model], np.zeros(len(table), dtype=np.int8))

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        return RoutePlan(self.name, "single", self.p.model, self.p.model)
