"""Cascade: try tiers cheapest first and accept the first answer that passes
composable quality checks; otherwise escalate. Each tier's answer, verdict
and cost stay visible."""

from __future__ import annotations

import json
from typing import Any

from playground.core.decision import Candidate, CascadePlan, Decision
from playground.core.errors import UserError
from playground.strategies.base import Param, RouteInput, RoutingContext, Strategy


class CascadeStrategy(Strategy):
    name = "cascade"
    summary = "Cheapest tier first; escalate when checks fail (length, hedging, code block, JSON/schema, judge score, logprob confidence)."
    params = (
        Param("tiers", "models", ["gpt-4o-mini", "claude-haiku-4-5", "@flagship"], "Models from cheapest to strongest."),
        Param("min_length", "int", 0, "Minimum answer length in characters (0 = off: short answers can be right).", min=0, max=100_000),
        Param("no_hedging", "bool", True, "Reject answers with refusal or hedging phrases."),
        Param("code_block", "bool", True, "For code tasks, require a fenced code block."),
        Param("json", "bool", False, "Require the answer to parse as JSON."),
        Param("json_schema", "str", "", "JSON Schema (as JSON text) the answer must match; implies json."),
        Param("judge", "optional_model", "", "Model that scores each answer 1-10 (empty = no judge; each judging call is costed)."),
        Param("judge_min_score", "float", 7.0, "Minimum judge score to accept.", min=1.0, max=10.0),
        Param("confidence", "bool", True, "Use the model's token logprobs, when the provider returns them."),
        Param("min_mean_logprob", "float", -0.9, "Minimum mean token logprob to accept.", min=-20.0, max=0.0),
    )

    def validate(self) -> None:
        if not self.values["tiers"]:
            raise UserError("cascade.tiers: needs at least one model")
        self._schema: dict[str, Any] | None = None
        if self.values["json_schema"]:
            try:
                self._schema = json.loads(self.values["json_schema"])
            except json.JSONDecodeError as exc:
                raise UserError(f"cascade.json_schema: not valid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(self._schema, dict):
                raise UserError("cascade.json_schema: must be a JSON object (a JSON Schema)")

    def checks(self) -> tuple[dict[str, Any], ...]:
        v = self.values
        specs: list[dict[str, Any]] = []
        if v["min_length"]:
            specs.append({"type": "min_length", "chars": v["min_length"]})
        if v["no_hedging"]:
            specs.append({"type": "no_hedging"})
        if v["code_block"]:
            specs.append({"type": "code_block"})
        if v["json"] or self._schema:
            specs.append({"type": "json", "schema": self._schema})
        if v["confidence"]:
            specs.append({"type": "confidence", "min_mean_logprob": v["min_mean_logprob"]})
        if v["judge"]:
            specs.append({"type": "judge", "min_score": v["judge_min_score"]})
        return tuple(specs)

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        usable, rejected = ctx.usable(self.values["tiers"], route)
        if not usable:
            raise UserError(f"cascade: no tier can take the request ({'; '.join(f'{c.model}: {c.note}' for c in rejected)})")
        specs = self.checks()
        names = ", ".join(s["type"] for s in specs) or "no checks"
        plan = CascadePlan(tiers=tuple(usable), checks=specs, judge=self.values["judge"] or None)
        dropped = f"; skipped {', '.join(c.model for c in rejected)}" if rejected else ""
        reason = f"cascade {' → '.join(usable)} with checks: {names}{dropped}"
        candidates = tuple(Candidate(m, accepted=True, note=f"tier {i}") for i, m in enumerate(usable, start=1)) + tuple(rejected)
        return Decision(model=usable[0], reason=reason, candidates=candidates, details={"checks": list(specs)}, plan=plan)
