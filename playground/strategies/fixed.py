"""Always one model: the baseline every saving is measured against."""

from __future__ import annotations

from playground.core.decision import Candidate, Decision
from playground.strategies.base import Param, RouteInput, RoutingContext, Strategy


class FixedStrategy(Strategy):
    name = "fixed"
    summary = "Always the same model (by default the flagship): the baseline for savings."
    params = (Param("model", "model", "@flagship", "The model every request goes to (@flagship = the catalog's flagship)."),)

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        model, note = ctx.resolve(self.values["model"], route)
        reason = f"always {self.values['model']}" + (f"; {note}" if note else "")
        return Decision(
            model=model.id,
            reason=reason,
            candidates=(Candidate(model.id, accepted=True, note=note or "configured model"),),
            details={"configured": self.values["model"]},
        )
