"""Cascade: try tiers cheapest first and accept the first answer that passes
composable quality checks; otherwise escalate. Each tier's answer, verdict
and cost stay visible."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field, field_validator

from playground.core.decision import Candidate, CascadePlan, Decision
from playground.core.errors import UserError
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.batch import decide_by_window
from playground.strategies.costing import JUDGE_REPLY_TOKENS, JUDGE_SCORE, Coster, PlannedCall, PreviewPrompt
from playground.strategies.features import BatchDecision, FeatureTable
from playground.strategies.params import ModelIds, OptionalModelId, ParamProblem, Params
from playground.strategies.route_plan import RoutePlan


class CascadeParams(Params):
    tiers: ModelIds = Field(
        ["gpt-4o-mini", "claude-haiku-4-5", "@flagship"], description="Models from cheapest to strongest."
    )
    min_length: int = Field(0, ge=0, le=100_000,
                            description="Minimum answer length in characters (0 = off: short answers can be right).")
    no_hedging: bool = Field(True, description="Reject answers with refusal or hedging phrases.")
    code_block: bool = Field(True, description="For code tasks, require a fenced code block.")
    json_answer: bool = Field(False, alias="json", description="Require the answer to parse as JSON.")
    json_schema: str = Field("", description="JSON Schema (as JSON text) the answer must match; implies json.")
    judge: OptionalModelId = Field("", description="Model that scores each answer 1-10 (empty = no judge; each judging "
                                                   "call is costed).")
    judge_min_score: float = Field(7.0, ge=1.0, le=10.0, description="Minimum judge score to accept.")
    confidence: bool = Field(True, description="Use the model's token logprobs, when the provider returns them.")
    min_mean_logprob: float = Field(-0.9, ge=-20.0, le=0.0, description="Minimum mean token logprob to accept.")

    @field_validator("tiers")
    @classmethod
    def _some_tier(cls, tiers: list[str]) -> list[str]:
        if not tiers:
            raise ParamProblem("needs at least one model")
        return tiers

    @field_validator("json_schema")
    @classmethod
    def _schema_object(cls, text: str) -> str:
        if text:
            try:
                schema = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ParamProblem(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(schema, dict):
                raise ParamProblem("must be a JSON object (a JSON Schema)")
        return text


class CascadeStrategy(Strategy[CascadeParams]):
    name = "cascade"
    summary = ("Cheapest tier first; escalate when checks fail (length, hedging, code block, JSON/schema, judge score, "
               "logprob confidence).")

    def setup(self) -> None:
        self._schema: dict[str, Any] | None = json.loads(self.p.json_schema) if self.p.json_schema else None

    def checks(self) -> tuple[dict[str, Any], ...]:
        p = self.p
        specs: list[dict[str, Any]] = []
        if p.min_length:
            specs.append({"type": "min_length", "chars": p.min_length})
        if p.no_hedging:
            specs.append({"type": "no_hedging"})
        if p.code_block:
            specs.append({"type": "code_block"})
        if p.json_answer or self._schema:
            specs.append({"type": "json", "schema": self._schema})
        if p.confidence:
            specs.append({"type": "confidence", "min_mean_logprob": p.min_mean_logprob})
        if p.judge:
            specs.append({"type": "judge", "min_score": p.judge_min_score})
        return tuple(specs)

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        usable, rejected = ctx.usable(self.p.tiers, route)
        if not usable:
            raise UserError(
                f"cascade: no tier can take the request ({'; '.join(f'{c.model}: {c.note}' for c in rejected)})"
            )
        specs = self.checks()
        names = ", ".join(s["type"] for s in specs) or "no checks"
        plan = CascadePlan(tiers=tuple(usable), checks=specs, judge=self.p.judge or None)
        dropped = f"; skipped {', '.join(c.model for c in rejected)}" if rejected else ""
        reason = f"cascade {' → '.join(usable)} with checks: {names}{dropped}"
        candidates = tuple(
            Candidate(m, accepted=True, note=f"tier {i}") for i, m in enumerate(usable, start=1)
        ) + tuple(rejected)
        return Decision(
            model=usable[0], reason=reason, candidates=candidates, details={"checks": list(specs)}, plan=plan
        )

    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        return decide_by_window(self.decide, table, ctx)

    def preview_calls(self, decision: Decision, item: PreviewPrompt, coster: Coster) -> tuple[list[PlannedCall], bool]:
        """The first tier (and its judge call, if a judge is set); later tiers
        run only when checks fail, so with more tiers a lower bound."""
        plan = decision.plan
        if not isinstance(plan, CascadePlan):
            return super().preview_calls(decision, item, coster)
        tokens = item.route.input_tokens
        first = coster.call(plan.tiers[0], "tier 1", tokens, item.output_tokens)
        calls = [first]
        if plan.judge:
            calls.append(coster.call(plan.judge, "judge", tokens + first.output_tokens + coster.overhead(JUDGE_SCORE),
                                     JUDGE_REPLY_TOKENS))
        return calls, len(plan.tiers) > 1

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        tiers = list(self.p.tiers)
        plan = RoutePlan(self.name, "fallback", tiers[0], tiers[0], members=tiers, own_chain=True)
        checks = ", ".join(spec["type"] for spec in self.checks()) or "no checks"
        plan.caveats.append(f"cascade escalates when an answer fails quality checks ({checks}); gateways escalate on "
                            "errors only: exported the tiers as a fallback chain, cheapest first")
        if self.p.judge:
            plan.caveats.append(
                f"cascade with an LLM judge ({self.p.judge}, min score {self.p.judge_min_score:g}) has no "
                "gateway equivalent"
            )
        return plan
