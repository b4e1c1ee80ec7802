"""Ensembles: fan out to several models at once and combine the answers by
majority vote, a judge's pick, consensus-then-escalate, or a race."""

from __future__ import annotations

from playground.core.decision import Candidate, Decision, EnsemblePlan
from playground.core.errors import UserError
from playground.strategies.base import Param, RouteInput, RoutingContext, Strategy

MODES = ("vote", "best_of", "consensus", "race")
_MODE_TEXT = {
    "vote": "majority vote of",
    "best_of": "best of",
    "consensus": "consensus of",
    "race": "race between",
}


class EnsembleStrategy(Strategy):
    name = "ensemble"
    summary = "Parallel fan-out: majority vote, best-of-N by a judge, consensus-then-escalate, or race (first answer wins)."
    params = (
        Param("mode", "choice", "best_of", "How members' answers are combined.", choices=MODES),
        Param("members", "models", ["gpt-5-mini", "claude-haiku-4-5", "gpt-4o-mini"], "Models asked in parallel."),
        Param("judge", "model", "gpt-5-1", "best_of: the model that picks the best answer."),
        Param("escalate_to", "model", "@flagship", "consensus: the model asked when members disagree."),
        Param("agreement", "float", 0.67, "consensus: share of members that must give the same answer.", min=0.5, max=1.0),
    )

    def validate(self) -> None:
        if len(self.values["members"]) < 2:
            raise UserError("ensemble.members: needs at least two models")
        if len(set(self.values["members"])) != len(self.values["members"]):
            raise UserError("ensemble.members: lists a model twice")

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        mode = self.values["mode"]
        usable, rejected = ctx.usable(self.values["members"], route)
        if not usable:
            raise UserError(f"ensemble: no member can take the request ({'; '.join(f'{c.model}: {c.note}' for c in rejected)})")
        judge = escalate = None
        if mode == "best_of":
            judge, note = ctx.resolve(self.values["judge"], route)
            judge = judge.id
        if mode == "consensus":
            escalate, note = ctx.resolve(self.values["escalate_to"], route)
            escalate = escalate.id
        plan = EnsemblePlan(mode=mode, members=tuple(usable), judge=judge, escalate_to=escalate,
                            agreement=self.values["agreement"])
        extra = {"best_of": f"; judge {judge}", "consensus": f"; escalate to {escalate} below {self.values['agreement']:.0%} agreement"}.get(mode, "")
        dropped = f"; dropped {', '.join(c.model for c in rejected)}" if rejected else ""
        reason = f"{_MODE_TEXT[mode]} {', '.join(usable)}{extra}{dropped}"
        candidates = tuple(Candidate(m, accepted=True, note="member") for m in usable) + tuple(rejected)
        return Decision(model=usable[0], reason=reason, candidates=candidates, details={"mode": mode}, plan=plan)
