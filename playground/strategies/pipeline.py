"""Pipelines: ordered steps, each a model call whose prompt is a template
over the user's prompt and earlier steps' outputs; a step has a fixed model
or a routing strategy that picks its model when it runs, may run only when
an earlier output matches, and may declare a fallback output. The engine
runs each step as its own attempt (retries, fallbacks, breaker, cost,
trace: engine/pipeline.py); this module declares, checks and costs them.

Built in: `research` (queries -> synthesis -> summary) and `support`
(classify -> urgency -> answer or escalate -> review). Given `steps` (a JSON
list, or an array of tables in the config; see `PipelineStep`), those run
instead (`example = "custom"` says so explicitly and then needs them). A
routed step's `params` are its strategy's, checked by that strategy's typed
parameters (`strategy = "complexity"`, `params = {low_threshold = 0.7}`).

What a step receives from the user's request (`step_request`): the image(s)
go to steps whose template reads `{prompt}` (the others never see the user's
message); tools, tool choice, the response schema and the system prompt go
to the answering step (the `final_step`, else the last step), because they
shape the answer the user gets. Each step's needs then rule out models for
that step alone: a text-only step may use a model without image input."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer

from playground.core.catalog import Catalog
from playground.core.decision import Candidate, Decision, PipelinePlan, PipelineStep
from playground.core.errors import UserError
from playground.core.messages import ChatRequest, Message
from playground.core.tokens import default_counter
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.costing import Coster, PlannedCall, PreviewPrompt
from playground.strategies.params import Params
from playground.strategies.route_plan import RoutePlan

# The parameter holding custom steps (the tuning screen gives it a step editor).
STEPS_PARAM = "steps"
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

# Why replay (eval/plan_replay.py) refuses a pipeline, in the words it shows.
NOT_REPLAYABLE = (
    "pipeline: a replay dataset records each model's answer to the user's prompt, but a step after the first "
    "reads earlier steps' answers and its condition matches them, so neither which steps run nor the final "
    "answer's quality is in the data; the tuning preview estimates its cost step by step instead"
)


def _as_json_text(raw: Any) -> Any:
    """Steps arrive as a TOML array of tables (the config) or JSON text (the
    CLI's -p, the tuning screen's text field): kept as JSON text."""
    return raw if isinstance(raw, str) else json.dumps(raw)


def _as_tables(text: str) -> Any:
    """Written out (config, profiles, exports) as an array of tables, where
    the TOML export also finds the models the steps name; text that is not a
    JSON list stays text (the strategy's setup says what is wrong with it)."""
    try:
        steps = json.loads(text or "[]")
    except json.JSONDecodeError:
        return text
    return steps if isinstance(steps, list) else text


# Held as JSON text (what -p gives); the config gives an array of tables, and gets one back.
Steps = Annotated[str, BeforeValidator(_as_json_text), PlainSerializer(_as_tables)]


class PipelineParams(Params):
    example: Literal["research", "support", "custom"] = Field(
        "research", description="A built-in pipeline; `steps`, when given, run instead (custom).")
    steps: Steps = Field(
        "",
        description="Custom steps: JSON list of {name, prompt, model | strategy (+ params), when, matches, negate, "
                    "fallback_output, max_tokens}.")
    final_step: str = Field("", description="The step whose output is the answer (empty: the last step that ran).")


class PipelineStrategy(Strategy[PipelineParams]):
    name = "pipeline"
    summary = "Ordered steps (templates over the prompt and earlier outputs), each routed and costed as its own call."

    def setup(self) -> None:
        custom = load_steps(self.p.steps)
        if not custom and self.p.example != "custom":
            raw: list[Any] = EXAMPLES[self.p.example]
            self.label = self.p.example
        else:
            raw, self.label = custom, "custom"
        self.steps = parse_steps(raw, self.catalog)
        self._step_strategies = {s.name: step_strategy(s, self.catalog) for s in self.steps if s.strategy}
        self._preview_context = RoutingContext.for_all(self.catalog)
        names = [s.name for s in self.steps]
        if self.p.final_step and self.p.final_step not in names:
            raise UserError(f"pipeline.final_step: {self.p.final_step!r} is not a step ({', '.join(names)})")

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        ctx.ensure_some_fit(route)
        steps: list[PipelineStep] = []
        candidates: list[Candidate] = []
        # The engine narrows `ctx` to the whole request's needs; each step has its own.
        full = widened(ctx)
        answering = answering_step(self.steps, self.p.final_step or None)
        model = ""
        for step in self.steps:
            step_route = replace(route, request=step_request(step, answering, route.request, route.prompt))
            if step.model is not None:
                spec, note = full.for_request(step_route.needs).resolve(step.model, step_route)
                steps.append(replace(step, model=spec.id))
                candidates.append(Candidate(spec.id, note=f"step {step.name}" + (f"; {note}" if note else "")))
            else:
                steps.append(step)
                candidates.append(Candidate(f"({step.strategy})", accepted=False,
                                            note=f"step {step.name}: {step.strategy} picks when it runs"))
            if step.name == answering:
                model = steps[-1].model or self._strategy_pick(step, step_route, full.for_request(step_route.needs))
        final = self.p.final_step or None
        flow = " → ".join(s.name + (f" (if {s.when} {'!~' if s.negate else '~'} {s.matches})" if s.when else "")
                          for s in steps)
        return Decision(model=model, reason=f"pipeline {self.label}: {flow}", candidates=tuple(candidates),
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
        undecided = False
        for step in plan.steps:
            runs = decided_without_a_call(step)
            if runs is None:
                undecided = True  # whether it runs depends on an earlier step's answer
            if not runs:
                continue
            template = PLACEHOLDER.sub("", step.template)
            input_tokens = (counter.count_text(template).tokens + (item.route.input_tokens if reads_prompt(step) else 0)
                            + sum(n for name, n in produced.items() if "{" + name + "}" in step.template))
            output_tokens = min(step.max_tokens, item.output_tokens) if step is plan.steps[-1] else step.max_tokens // 2
            model = step.model or self._strategy_pick(step, item.route, ctx)
            calls.append(coster.call(model, f"step {step.name}", input_tokens, output_tokens))
            produced[step.name] = output_tokens
        # Steps whose condition reads an earlier answer are not counted: the sum is then a lower bound.
        return calls, undecided

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


def load_steps(text: str) -> list[Any]:
    """The `steps` parameter's JSON text as a list (empty when not given)."""
    try:
        raw = json.loads(text or "[]")
    except json.JSONDecodeError as exc:
        raise UserError(f"pipeline.steps: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(raw, list):
        raise UserError("pipeline.steps: expected a JSON list of steps")
    return raw


def widened(ctx: RoutingContext) -> RoutingContext:
    """`ctx` before it was narrowed to a request's needs (the models it ruled
    out are available again), so each step can be narrowed to its own."""
    if not ctx.excluded:
        return ctx
    again = tuple(ctx.catalog.get(m) for m in ctx.excluded if m in ctx.catalog.models)
    return replace(ctx, available=ctx.available + again, excluded={})


def answering_step(steps: Sequence[PipelineStep], final_step: str | None) -> str:
    """The step whose answer the user gets: `final_step`, else the last one."""
    return final_step or steps[-1].name


def reads_prompt(step: PipelineStep) -> bool:
    return "{prompt}" in step.template


def step_request(step: PipelineStep, answering: str, user: ChatRequest, prompt: str) -> ChatRequest:
    """The request a step sends, its template already rendered into `prompt`:
    the user's image(s) when the template reads `{prompt}`; the user's
    system prompt, tools, tool choice and response schema on the answering
    step only (see the module docs)."""
    images = user.images if reads_prompt(step) else ()
    messages = (Message("user", prompt, images),)
    if step.name != answering:
        return ChatRequest(messages, max_output_tokens=step.max_tokens, temperature=user.temperature)
    system = tuple(m for m in user.messages if m.role == "system")
    return ChatRequest(system + messages, max_output_tokens=step.max_tokens, temperature=user.temperature,
                       tools=user.tools, tool_choice=user.tool_choice, parallel_tool_calls=user.parallel_tool_calls,
                       response_format=user.response_format)


def decided_without_a_call(step: PipelineStep) -> bool | None:
    """Whether the step runs, when that is known before any call (no
    condition, or an empty pattern, which matches everything); None when it
    depends on an earlier step's answer."""
    if step.when is None:
        return True
    if step.matches == "":
        return not step.negate
    return None


def step_strategy(step: PipelineStep, catalog: Catalog) -> Strategy[Any]:
    """The routing strategy of a routed step, with the step's own parameters."""
    from playground.strategies.registry import make_strategy  # the registry imports this module

    assert step.strategy is not None
    return make_strategy(step.strategy, catalog, dict(step.params))


def parse_steps(raw: list[Any], catalog: Catalog) -> tuple[PipelineStep, ...]:
    """Checked steps, or a `UserError` naming the first step with a problem
    (see `check_steps`)."""
    if not raw:
        raise UserError("pipeline.steps: a custom pipeline needs at least one step")
    steps, problems = _check(raw, catalog)
    first = next((p for p in problems if p), "")
    if first:
        raise UserError(first)
    return tuple(step for step in steps if step is not None)


def check_steps(raw: list[Any], catalog: Catalog) -> list[str]:
    """One line per step: its first problem, "" when it is fine. Unknown
    keys, no model and no strategy (or both), an unknown model, parameters
    its strategy refuses, a template naming an unknown or later step's
    output, a condition on a step that does not run before (a cycle)."""
    return _check(raw, catalog)[1]


def _check(raw: list[Any], catalog: Catalog) -> tuple[list[PipelineStep | None], list[str]]:
    all_names = [str(s.get("name", "")) if isinstance(s, Mapping) else "" for s in raw]
    steps: list[PipelineStep | None] = []
    problems: list[str] = []
    for index, item in enumerate(raw):
        seen = [s.name for s in steps if s is not None]
        earlier = set(all_names[:index])  # a broken earlier step still counts as a name, or one error becomes many
        try:
            step = _parse_step(index, item, seen, earlier, all_names, catalog)
        except UserError as exc:
            steps.append(None)
            problems.append(str(exc))
        else:
            steps.append(step)
            problems.append("")
    return steps, problems


_ALLOWED_KEYS = set(PipelineStep.__dataclass_fields__) - {"template"} | {"prompt"}


def _parse_step(index: int, item: Any, seen: list[str], earlier: set[str], all_names: list[str],
                catalog: Catalog) -> PipelineStep:
    where = f"pipeline step #{index + 1}"
    if not isinstance(item, Mapping):
        raise UserError(f"{where}: expected an object with name, prompt and model or strategy")
    name = item.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][\w-]*", name) or name == "prompt":
        raise UserError(f"{where}: name {name!r} must be a word (letters, digits, _ or -) other than 'prompt'")
    where = f"pipeline step {name!r}"
    if name in seen or name in all_names[:index]:
        raise UserError(f"{where}: a second step with this name")
    unknown = set(item) - _ALLOWED_KEYS
    if unknown:
        raise UserError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
                        f"allowed: {', '.join(sorted(_ALLOWED_KEYS))}")
    template = item.get("prompt")
    if not isinstance(template, str) or not template.strip():
        raise UserError(f"{where}: needs a prompt template (use {{prompt}} for the user's prompt)")
    for ref in PLACEHOLDER.findall(template):
        if ref == "prompt" or ref in earlier:
            continue
        if ref in all_names:
            which = "its own output" if ref == name else "a step that runs later"
            raise UserError(f"{where}: the template reads {{{ref}}}, {which}; a step can only read earlier steps' "
                            "outputs")
        raise UserError(f"{where}: the template names unknown step output {{{ref}}}; known: "
                        f"{', '.join(['prompt', *sorted(earlier)])}")
    model, strategy = item.get("model"), item.get("strategy")
    if (model is None) == (strategy is None):
        raise UserError(f"{where}: give either a model or a strategy (that picks the step's model)")
    if model is not None and model not in catalog.models:
        raise UserError(f"{where}: unknown model {model!r}; `playground models` lists them")
    if strategy is not None and strategy not in STEP_STRATEGIES:
        raise UserError(f"{where}: strategy {strategy!r} cannot pick a step's model; use one of "
                        f"{', '.join(STEP_STRATEGIES)}")
    params = item.get("params") or {}
    if not isinstance(params, Mapping):
        raise UserError(f"{where}: params must be a table of the strategy's parameters, e.g. "
                        "params = {low_threshold = 0.7}")
    if params and strategy is None:
        raise UserError(f"{where}: params are for a routed step's strategy; this step has a fixed model")
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
    step = PipelineStep(name, template, model, strategy, when, str(item.get("matches", "")),
                        bool(item.get("negate", False)), None if fallback is None else str(fallback), max_tokens)
    if strategy is None:
        return step
    try:
        checked = step_strategy(replace(step, params=dict(params)), catalog)
    except UserError as exc:
        raise UserError(f"{where}: params: {exc}") from None
    # Kept as given (the strategy's full set would also pin its defaults into exports).
    return replace(step, params={key: checked.values.get(key, value) for key, value in params.items()})
