"""Pipelines: ordered steps, each a model call whose prompt is a template
over the user's prompt and earlier steps' outputs; a step has a fixed model
or a routing strategy that picks its model when it runs, may run only when
an earlier output matches, and may declare a fallback output. The engine
runs each step as its own attempt (retries, fallbacks, breaker, cost,
trace: engine/pipeline.py); this module declares, checks and costs them.

Built in: `research` (queries -> synthesis -> summary) and `support`
(classify -> urgency -> answer or escalate -> review). `example = "custom"`
runs the `steps` parameter (a JSON list, see `PipelineStep`)."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from playground.core.decision import Candidate, Decision, PipelinePlan, PipelineStep
from playground.core.errors import UserError
from playground.core.tokens import default_counter
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.costing import Coster, PlannedCall, PreviewPrompt
from playground.strategies.params import Params
from playground.strategies.route_plan import RoutePlan

PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w-]*)\}")
# Strategies a step may route with: single-model decisions (a step is one call).
STEP_STRATEGIES = ("fixed", "complexity", "task", "cost", "fallback", "loadbalance", "capability", "threshold",
                   "abtest")

EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "research": [
        {"name": "queries", "model": "gpt-5-nano", "max_tokens": 200,
         "prompt": "Write three short web search queries that would help answer this question, one per line:\n"
                   "{prompt}"},
        {"name": "synthesis", "model": "claude-sonnet-4-5", "max_tokens": 700,
         "prompt": "Answer the question thoroughly. Cover what these searches would find.\nQuestion: {prompt}\n"
                   "Searches:\n{queries}"},
        {"name": "summary", "model": "gpt-5-mini", "max_tokens": 250,
         "prompt": "Summarise this answer in three sentences for a busy reader:\n{synthesis}"},
    ],
    "support": [
        {"name": "classify", "model": "gpt-5-nano", "max_tokens": 20,
         "prompt": "Classify this support ticket as one of: billing, technical, account, other. Reply with the "
                   "label only.\nTicket: {prompt}"},
        {"name": "urgency", "model": "gpt-5-nano", "max_tokens": 20, "fallback_output": "normal",
         "prompt": "Is this {classify} ticket urgent (service down, money lost, security) or normal? Reply urgent "
                   "or normal.\nTicket: {prompt}"},
        {"name": "answer", "strategy": "complexity", "when": "urgency", "matches": "urgent", "negate": True,
         "max_tokens": 500, "prompt": "Write a helpful reply to this {classify} support ticket:\n{prompt}"},
        {"name": "escalate", "model": "claude-sonnet-4-5", "when": "urgency", "matches": "urgent", "max_tokens": 500,
         "prompt": "This {classify} ticket is urgent. Write a reply that acknowledges it, gives immediate steps "
                   "and says a specialist is on it:\n{prompt}"},
        {"name": "review", "model": "gpt-5-mini", "max_tokens": 500,
         "prompt": "Check this reply to a customer for tone and correctness and return the final reply only:\n"
                   "{answer}{escalate}"},
    ],
}

def _as_json_text(raw: Any) -> Any:
    """Steps arrive as a TOML array of tables (the config) or JSON text (the
    CLI's -p, the tuning screen's text field): kept as JSON text."""
    return raw if isinstance(raw, str) else json.dumps(raw)


# JSON text, so the tuning screen edits it as text and the config may give a list.
Steps = Annotated[str, BeforeValidator(_as_json_text)]


class PipelineParams(Params):
    example: Literal["research", "support", "custom"] = Field(
        "research", description="A built-in pipeline, or custom to run `steps`.")
    steps: Steps = Field(
        "",
        description="custom: JSON list of steps {name, prompt, model | strategy, when, matches, negate, "
                    "fallback_output, max_tokens}.")
    final_step: str = Field("", description="The step whose output is the answer (empty: the last step that ran).")


class PipelineStrategy(Strategy[PipelineParams]):
    name = "pipeline"
    summary = "Ordered steps (templates over the prompt and earlier outputs), each routed and costed as its own call."

    def setup(self) -> None:
        if self.p.example != "custom":
            raw: Any = EXAMPLES[self.p.example]
        else:
            try:
                raw = json.loads(self.p.steps or "[]")
            except json.JSONDecodeError as exc:
                raise UserError(f"pipeline.steps: not valid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(raw, list):
                raise UserError("pipeline.steps: expected a JSON list of steps")
        self.steps = parse_steps(raw, self.catalog.models)
        from playground.strategies.registry import make_strategy  # the registry imports this module

        self._step_strategies = {s.name: make_strategy(s.strategy, self.catalog) for s in self.steps if s.strategy}
        self._preview_context = RoutingContext.for_all(self.catalog)
        names = [s.name for s in self.steps]
        if self.p.final_step and self.p.final_step not in names:
            raise UserError(f"pipeline.final_step: {self.p.final_step!r} is not a step ({', '.join(names)})")

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        steps: list[PipelineStep] = []
        candidates: list[Candidate] = []
        for step in self.steps:
            if step.model is not None:
                model, note = ctx.resolve(step.model, route)
                steps.append(PipelineStep(**{**_fields(step), "model": model.id}))
                candidates.append(Candidate(model.id, note=f"step {step.name}" + (f"; {note}" if note else "")))
            else:
                steps.append(step)
                candidates.append(Candidate(f"({step.strategy})", accepted=False,
                                            note=f"step {step.name}: {step.strategy} picks when it runs"))
        final = self.p.final_step or None
        answering = next((s for s in reversed(steps) if s.name == final or final is None), steps[-1])
        model = answering.model or self._strategy_pick(answering, route, ctx)
        flow = " → ".join(s.name + (f" (if {s.when} {'!~' if s.negate else '~'} {s.matches})" if s.when else "")
                          for s in steps)
        return Decision(model=model, reason=f"pipeline {self.p.example}: {flow}", candidates=tuple(candidates),
                        details={"steps": [s.name for s in steps], "final_step": final},
                        plan=PipelinePlan(tuple(steps), final))

    def _strategy_pick(self, step: PipelineStep, route: RouteInput, ctx: RoutingContext) -> str:
        return self._step_strategies[step.name].decide(route, ctx).model

    # -- preview and replay: a pipeline costs the sum of its steps --------------------
    def preview_calls(self, decision: Decision, item: PreviewPrompt, coster: Coster) -> tuple[list[PlannedCall], bool]:
        plan = decision.plan
        if not isinstance(plan, PipelinePlan):
            return super().preview_calls(decision, item, coster)
        counter = default_counter()
        ctx = self._preview_context
        calls: list[PlannedCall] = []
        produced: dict[str, int] = {}
        for step in plan.steps:
            template = PLACEHOLDER.sub("", step.template)
            reads_prompt = "{prompt}" in step.template
            input_tokens = (counter.count_text(template).tokens + (item.route.input_tokens if reads_prompt else 0)
                            + sum(n for name, n in produced.items() if "{" + name + "}" in step.template))
            output_tokens = min(step.max_tokens, item.output_tokens) if step is plan.steps[-1] else step.max_tokens // 2
            model = step.model or self._strategy_pick(step, item.route, ctx)
            calls.append(coster.call(model, f"step {step.name}", input_tokens, output_tokens))
            produced[step.name] = output_tokens
        # Conditional steps may not run: the sum is then an upper bound, not a lower one.
        return calls, False

    # -- export -------------------------------------------------------------------------
    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        decision = self.decide(_plain(), ctx)
        plan = RoutePlan(self.name, "single", decision.model, decision.model, members=[decision.model])
        names = " → ".join(s.name for s in self.steps)
        plan.caveats.append(f"pipeline: gateways cannot express a multi-step pipeline ({names}): a gateway routes one "
                            f"call per request. Exported only the final step's model ({decision.model}); run the "
                            "pipeline with the playground's Router in your app")
        return plan


def _plain() -> RouteInput:
    from playground.strategies.routing import neutral_route

    return neutral_route()


def _fields(step: PipelineStep) -> dict[str, Any]:
    return {name: getattr(step, name) for name in PipelineStep.__dataclass_fields__}


def parse_steps(raw: list[dict[str, Any]], models: dict[str, Any]) -> tuple[PipelineStep, ...]:
    """Checked steps, or a `UserError` naming the step: unknown keys, no
    model and no strategy (or both), a template naming an unknown or later
    step's output, a condition on a step that does not run before (a cycle)."""
    if not raw:
        raise UserError("pipeline.steps: a custom pipeline needs at least one step")
    allowed = set(PipelineStep.__dataclass_fields__) - {"template"} | {"prompt"}
    steps: list[PipelineStep] = []
    all_names = [str(s.get("name", "")) if isinstance(s, dict) else "" for s in raw]
    for index, item in enumerate(raw):
        where = f"pipeline step #{index + 1}"
        if not isinstance(item, dict):
            raise UserError(f"{where}: expected an object with name, prompt and model or strategy")
        name = item.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][\w-]*", name) or name == "prompt":
            raise UserError(f"{where}: name {name!r} must be a word (letters, digits, _ or -) other than 'prompt'")
        where = f"pipeline step {name!r}"
        if name in (s.name for s in steps):
            raise UserError(f"{where}: a second step with this name")
        unknown = set(item) - allowed
        if unknown:
            raise UserError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
                            f"allowed: {', '.join(sorted(allowed))}")
        template = item.get("prompt")
        if not isinstance(template, str) or not template.strip():
            raise UserError(f"{where}: needs a prompt template (use {{prompt}} for the user's prompt)")
        earlier = {s.name for s in steps}
        for ref in PLACEHOLDER.findall(template):
            if ref == "prompt" or ref in earlier:
                continue
            if ref in all_names:
                raise UserError(f"{where}: the template reads {{{ref}}}, a step that runs later; a step can only read "
                                "earlier steps' outputs")
            raise UserError(f"{where}: the template names unknown step output {{{ref}}}; known: "
                            f"{', '.join(['prompt', *sorted(earlier)])}")
        model, strategy = item.get("model"), item.get("strategy")
        if (model is None) == (strategy is None):
            raise UserError(f"{where}: give either a model or a strategy (that picks the step's model)")
        if model is not None and model not in models:
            raise UserError(f"{where}: unknown model {model!r}")
        if strategy is not None and strategy not in STEP_STRATEGIES:
            raise UserError(f"{where}: strategy {strategy!r} cannot pick a step's model; use one of "
                            f"{', '.join(STEP_STRATEGIES)}")
        when = item.get("when")
        if when is not None:
            if when not in earlier:
                kind = "runs at or after this step (a cycle)" if when in all_names else "is not a step"
                raise UserError(f"{where}: the condition reads step {when!r}, which {kind}; conditions can only read "
                                "earlier steps")
            try:
                re.compile(str(item.get("matches", "")))
            except re.error as exc:
                raise UserError(f"{where}: matches is not a valid regular expression ({exc})") from None
        max_tokens = item.get("max_tokens", 400)
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or not 1 <= max_tokens <= 100_000:
            raise UserError(f"{where}: max_tokens must be a whole number from 1 to 100000")
        fallback = item.get("fallback_output")
        steps.append(PipelineStep(name, template, model, strategy, when, str(item.get("matches", "")),
                                  bool(item.get("negate", False)), None if fallback is None else str(fallback),
                                  max_tokens))
    return tuple(steps)
