"""LLM-as-router: a small model classifies the request with an editable
prompt; its label picks the model. The router call is an engine attempt with
its own cost and latency."""

from __future__ import annotations

from playground.core.decision import Candidate, Decision, RouterPlan
from playground.core.errors import UserError
from playground.strategies.base import Param, RouteInput, RoutingContext, Strategy

DEFAULT_PROMPT = (
    "Classify how hard the following request is to answer well. Choose exactly one of: {labels}.\n\n"
    "Request:\n{prompt}\n\nReply with the single word only."
)


class LLMRouterStrategy(Strategy):
    name = "llmrouter"
    summary = "A small model classifies the request (editable prompt); its label picks the model. Router cost counted."
    params = (
        Param("router_model", "model", "gpt-5-nano", "The model that classifies."),
        Param("prompt", "str", DEFAULT_PROMPT, "Classification prompt; {prompt} and {labels} are filled in."),
        Param("routes", "labels", {"trivial": "gpt-5-nano", "moderate": "gpt-5-mini", "complex": "claude-opus-4-5"},
              "LABEL=MODEL pairs, e.g. trivial=gpt-5-nano,complex=claude-opus-4-5."),
        Param("default_model", "model", "gpt-5-mini", "Model when the router's answer names no label or the router fails."),
    )

    def validate(self) -> None:
        if "{prompt}" not in self.values["prompt"]:
            raise UserError("llmrouter.prompt: must contain {prompt}, where the request goes")

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        router, note = ctx.resolve(self.values["router_model"], route)
        routes = self.values["routes"]
        plan = RouterPlan(router_model=router.id, prompt_template=self.values["prompt"],
                          routes=tuple(routes.items()), default_model=self.values["default_model"])
        reason = f"ask {router.id} to label it ({', '.join(routes)}), then route" + (f"; {note}" if note else "")
        candidates = tuple(Candidate(m, accepted=False, note=f"if {label!r}") for label, m in routes.items())
        return Decision(model=router.id, reason=reason, candidates=candidates, details={"routes": dict(routes)}, plan=plan)
