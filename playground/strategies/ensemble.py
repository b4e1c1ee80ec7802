"""Ensembles: fan out to several models at once and combine the answers by
majority vote, a judge's pick, consensus-then-escalate, or a race."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from playground.core.decision import Candidate, Decision, EnsemblePlan
from playground.core.errors import UserError
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.batch import decide_by_window
from playground.strategies.costing import (
    JUDGE_BEST,
    JUDGE_REPLY_TOKENS,
    PER_ANSWER_OVERHEAD,
    Coster,
    PlannedCall,
    PreviewPrompt,
)
from playground.strategies.features import BatchDecision, FeatureTable
from playground.strategies.params import ModelId, ModelIds, ParamProblem, Params
from playground.strategies.route_plan import RoutePlan, unique

MODES = ("vote", "best_of", "consensus", "race")
_MODE_TEXT = {
    "vote": "majority vote of",
    "best_of": "best of",
    "consensus": "consensus of",
    "race": "race between",
}


class EnsembleParams(Params):
    mode: Literal["vote", "best_of", "consensus", "race"] = Field(
        "best_of", description="How members' answers are combined."
    )
    members: ModelIds = Field(
        ["gpt-5-mini", "claude-haiku-4-5", "gpt-4o-mini"], description="Models asked in parallel."
    )
    judge: ModelId = Field("gpt-5-1", description="best_of: the model that picks the best answer.")
    escalate_to: ModelId = Field("@flagship", description="consensus: the model asked when members disagree.")
    agreement: float = Field(
        0.67, ge=0.5, le=1.0, description="consensus: share of members that must give the same answer."
    )

    @field_validator("members")
    @classmethod
    def _distinct_pair(cls, members: list[str]) -> list[str]:
        if len(members) < 2:
            raise ParamProblem("needs at least two models")
        if len(set(members)) != len(members):
            raise ParamProblem("lists a model twice")
        return members


class EnsembleStrategy(Strategy[EnsembleParams]):
    name = "ensemble"
    summary = (
        "Parallel fan-out: majority vote, best-of-N by a judge, consensus-then-escalate, or race (first answer wins)."
    )

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        p = self.p
        usable, rejected = ctx.usable(p.members, route)
        if not usable:
            raise UserError(
                f"ensemble: no member can take the request ({'; '.join(f'{c.model}: {c.note}' for c in rejected)})"
            )
        judge = escalate = None
        if p.mode == "best_of":
            judge = ctx.resolve(p.judge, route)[0].id
        if p.mode == "consensus":
            escalate = ctx.resolve(p.escalate_to, route)[0].id
        plan = EnsemblePlan(
            mode=p.mode, members=tuple(usable), judge=judge, escalate_to=escalate, agreement=p.agreement
        )
        extra = {"best_of": f"; judge {judge}",
                 "consensus": f"; escalate to {escalate} below {p.agreement:.0%} agreement"}.get(p.mode, "")
        dropped = f"; dropped {', '.join(c.model for c in rejected)}" if rejected else ""
        reason = f"{_MODE_TEXT[p.mode]} {', '.join(usable)}{extra}{dropped}"
        candidates = tuple(Candidate(m, accepted=True, note="member") for m in usable) + tuple(rejected)
        return Decision(model=usable[0], reason=reason, candidates=candidates, details={"mode": p.mode}, plan=plan)

    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        return decide_by_window(self.decide, table, ctx)

    def preview_calls(self, decision: Decision, item: PreviewPrompt, coster: Coster) -> tuple[list[PlannedCall], bool]:
        """Every member answers. race: every member reads the prompt, only the
        cheapest answer is counted (cancelled losers' partial output is not) —
        a lower bound; best_of: plus the judge reading every answer;
        consensus: the escalation happens only on disagreement — a lower bound."""
        plan = decision.plan
        if not isinstance(plan, EnsemblePlan):
            return super().preview_calls(decision, item, coster)
        tokens, output = item.route.input_tokens, item.output_tokens
        members = [coster.call(m, "member", tokens, output) for m in plan.members]
        if plan.mode == "race":
            cheapest = min(members, key=lambda c: c.cost_usd)
            return [c if c is cheapest else coster.call(c.model, "member", tokens, 0) for c in members], True
        if plan.mode == "best_of" and plan.judge:
            judge_in = (
                tokens + coster.overhead(JUDGE_BEST) + sum(c.output_tokens + PER_ANSWER_OVERHEAD for c in members)
            )
            members.append(coster.call(plan.judge, "judge", judge_in, JUDGE_REPLY_TOKENS))
        return members, plan.mode == "consensus"

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        p = self.p
        members = [*p.members, p.escalate_to] if p.mode == "consensus" else list(p.members)
        members = unique(members)
        plan = RoutePlan(self.name, "fallback", members[0], members[0], members=members, own_chain=True)
        how = {"vote": "majority vote", "best_of": f"best-of-N picked by judge {p.judge}",
               "consensus": f"consensus, escalating to {p.escalate_to}", "race": "a race (first answer wins)"}
        plan.caveats.append(f"ensemble ({how[p.mode]}) fans out to {len(p.members)} models at once; gateways "
                            "send a request to one target: exported the members as a fallback chain")
        return plan
