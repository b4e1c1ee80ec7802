"""LLM-as-router: a small model classifies the request with an editable
prompt; its label picks the model. The router call is an engine attempt with
its own cost and latency."""

from __future__ import annotations

from pydantic import Field, field_validator

from playground.core.decision import Candidate, Decision, RouterPlan
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.batch import decide_by_window
from playground.strategies.costing import ROUTER_REPLY_TOKENS, Coster, PlannedCall, PreviewPrompt, template_tokens
from playground.strategies.features import BatchDecision, FeatureTable
from playground.strategies.params import LabelRoutes, ModelId, ParamProblem, Params
from playground.strategies.route_plan import RoutePlan

DEFAULT_PROMPT = (
    "Classify how hard the following request is to answer well. Choose exactly one of: {labels}.\n\n"
    "Request:\n{prompt}\n\nReply with the single word only."
)
# The preview cannot ask the router: it guesses the label from the prompt's
# complexity, the labels in their declared order splitting 0..LABEL_SPAN
# evenly (for three labels the cut points are the complexity strategy's
# default thresholds 0.25 and 0.5).
LABEL_SPAN = 0.75


class LLMRouterParams(Params):
    router_model: ModelId = Field("gpt-5-nano", description="The model that classifies.")
    prompt: str = Field(DEFAULT_PROMPT, description="Classification prompt; {prompt} and {labels} are filled in.")
    routes: LabelRoutes = Field({"trivial": "gpt-5-nano", "moderate": "gpt-5-mini", "complex": "claude-opus-4-5"},
                                description="LABEL=MODEL pairs, e.g. trivial=gpt-5-nano,complex=claude-opus-4-5.")
    default_model: ModelId = Field(
        "gpt-5-mini", description="Model when the router's answer names no label or the router fails."
    )

    @field_validator("prompt")
    @classmethod
    def _has_prompt_slot(cls, prompt: str) -> str:
        if "{prompt}" not in prompt:
            raise ParamProblem("must contain {prompt}, where the request goes")
        return prompt


class LLMRouterStrategy(Strategy[LLMRouterParams]):
    name = "llmrouter"
    summary = "A small model classifies the request (editable prompt); its label picks the model. Router cost counted."

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        router, note = ctx.resolve(self.p.router_model, route)
        routes = self.p.routes
        plan = RouterPlan(router_model=router.id, prompt_template=self.p.prompt, routes=tuple(routes.items()),
                          default_model=self.p.default_model)
        reason = f"ask {router.id} to label it ({', '.join(routes)}), then route" + (f"; {note}" if note else "")
        candidates = tuple(Candidate(m, accepted=False, note=f"if {label!r}") for label, m in routes.items())
        return Decision(
            model=router.id, reason=reason, candidates=candidates, details={"routes": dict(routes)}, plan=plan
        )

    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        return decide_by_window(self.decide, table, ctx)

    def preview_calls(self, decision: Decision, item: PreviewPrompt, coster: Coster) -> tuple[list[PlannedCall], bool]:
        """The router's classification call, then the answer of the model its
        label (estimated from the complexity score) picks."""
        plan = decision.plan
        if not isinstance(plan, RouterPlan):
            return super().preview_calls(decision, item, coster)
        tokens = item.route.input_tokens
        labels = [model for _, model in plan.routes]
        router_in = tokens + template_tokens(plan.prompt_template) + len(plan.routes) * 2
        index = min(len(labels) - 1, int(item.complexity / LABEL_SPAN * len(labels)))
        target = labels[index] if labels else plan.default_model
        return [coster.call(plan.router_model, "router", router_in, ROUTER_REPLY_TOKENS),
                coster.call(target, "answer", tokens, item.output_tokens)], False

    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        branches = list(self.p.routes.items())
        plan = RoutePlan(self.name, "conditional", "playground-llmrouter", self.p.default_model, label_key="label",
                         branches=branches)
        plan.caveats.append(f"llmrouter: asking {self.p.router_model} to label each request (its prompt and its cost) "
                            "cannot be expressed; the caller must classify the request and send the label (the "
                            "playground counts the router's call in the request's attempt budget, so a gateway may "
                            "make one more attempt at the answer)")
        return plan
