"""Pipelines over the simulator: steps run in order with their templates
filled from earlier outputs, each step is its own costed attempt with a
verdict, conditions pick the branch, a failing step names itself or uses
its fallback output; bad step declarations are one-line errors; exports say
gateways cannot express it; the preview costs it by its steps; the user's
image reaches only the steps that read the prompt, the response schema only
the answering step; a routed step runs on the model its own params pick."""

from __future__ import annotations

import json

import jsonschema
import pytest

from playground.core import roles
from playground.core.catalog import default_catalog
from playground.core.errors import UserError
from playground.core.events import AttemptStarted, Verdict
from playground.core.messages import ChatRequest, ImageInput, Message, ResponseFormat
from playground.core.roles import CallKind
from playground.core.tokens import default_counter
from playground.engine.pipeline import render
from playground.engine.runner import Engine, ResilienceConfig
from playground.providers.endpoints import simulated_endpoints
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RouteInput, RoutingContext
from playground.strategies.costing import Coster, PreviewPrompt
from playground.strategies.registry import make_strategy
from tests.helpers.images import png

CATALOG = default_catalog()
STEPS = [
    {"name": "draft", "model": "gpt-5-nano", "prompt": "Draft an answer: {prompt}", "max_tokens": 60},
    {"name": "polish", "model": "claude-haiku-4-5", "prompt": "Polish this draft: {draft}", "max_tokens": 60},
]


async def run(server: SimServer, values: dict, prompt: str = "Why is the sky blue?", fallbacks: bool = True):
    return await run_request(server, values, ChatRequest.from_prompt(prompt, max_output_tokens=200), fallbacks)


async def run_request(server: SimServer, values: dict, request: ChatRequest, fallbacks: bool = True):
    pool = ProviderPool(simulated_endpoints(CATALOG, server.base_url))
    engine = Engine(CATALOG, pool, RoutingContext.for_all(CATALOG), simulated=True,
                    resilience=ResilienceConfig(fallbacks_enabled=fallbacks))
    events: list[object] = []
    try:
        result = await engine.run(make_strategy("pipeline", CATALOG, values), request, events.append)
    finally:
        await engine.pool.aclose()
    return result, events


@pytest.fixture(scope="module")
def server():
    with SimServer(port=0, speed=50) as running:
        yield running


async def test_steps_run_in_order_each_costed_and_the_last_answers(server: SimServer) -> None:
    result, events = await run(server, {"example": "custom", "steps": STEPS})
    assert result.error is None, result.error
    started = [e for e in events if isinstance(e, AttemptStarted)]
    assert [(e.role, e.model) for e in started] == [(roles.step(1), "gpt-5-nano"), (roles.step(2), "claude-haiku-4-5")]
    steps = [e for e in events if isinstance(e, Verdict) and e.stage == "step"]
    assert [v.details["step"] for v in steps] == ["draft", "polish"] and all(v.passed for v in steps)
    assert result.final is not None and result.final.model == "claude-haiku-4-5"
    assert result.final.role.kind is CallKind.STEP and result.text == result.final.text
    assert all(a.cost_usd > 0 for a in result.attempts)
    assert result.cost_usd == pytest.approx(sum(v.details["cost_usd"] for v in steps))


async def test_support_example_branches_on_urgency(server: SimServer) -> None:
    result, events = await run(server, {"example": "support"}, "My card was charged twice, please refund!")
    assert result.error is None, result.error
    verdicts = {v.details["step"]: v for v in events if isinstance(v, Verdict) and v.stage == "step"}
    assert set(verdicts) == {"classify", "urgency", "answer", "escalate", "review"}
    ran = {name for name, v in verdicts.items() if not v.details.get("skipped")}
    assert len(ran & {"answer", "escalate"}) == 1  # exactly one branch ran
    assert result.final is not None and result.final.model == "gpt-5-mini"  # the review step answers


async def test_a_failing_step_names_itself_or_uses_its_fallback_output(server: SimServer) -> None:
    with SimServer(port=0, speed=50, faults="sim-gpt-5-nano:down=1") as broken:
        # Fallbacks off: the step's own model is its only chance.
        failed, _ = await run(broken, {"example": "custom", "steps": STEPS}, fallbacks=False)
        saved, events = await run(broken, {"example": "custom",
                                           "steps": [{**STEPS[0], "fallback_output": "(no draft)"}, STEPS[1]]},
                                  fallbacks=False)
    assert failed.error is not None and "pipeline step 'draft' failed" in failed.error.message
    assert saved.error is None and saved.final is not None and saved.final.model == "claude-haiku-4-5"
    assert any(isinstance(e, Verdict) and "using its fallback output" in e.summary for e in events)


def test_templates_read_the_prompt_and_earlier_outputs() -> None:
    assert render("A {prompt} B {draft} C {skipped}", "p", {"draft": "d"}) == "A p B d C "


@pytest.mark.parametrize(("steps", "message"), [
    ([{"name": "a", "model": "gpt-4o", "prompt": "x {b}"}, {"name": "b", "model": "gpt-4o", "prompt": "y"}],
     "pipeline step 'a': the template reads {b}, a step that runs later"),
    ([{"name": "a", "model": "gpt-4o", "prompt": "x {nope}"}], "pipeline step 'a': the template names unknown step "
                                                               "output {nope}"),
    ([{"name": "a", "model": "gpt-4o", "prompt": "x", "when": "b", "matches": "y"},
      {"name": "b", "model": "gpt-4o", "prompt": "y", "when": "a", "matches": "x"}],
     "pipeline step 'a': the condition reads step 'b', which runs at or after this step (a cycle)"),
    ([{"name": "a", "prompt": "x"}], "pipeline step 'a': give either a model or a strategy"),
    ([{"name": "a", "strategy": "ensemble", "prompt": "x"}], "strategy 'ensemble' cannot pick a step's model"),
])
def test_bad_steps_are_one_line_errors_naming_the_step(steps: list, message: str) -> None:
    with pytest.raises(UserError) as caught:
        make_strategy("pipeline", CATALOG, {"example": "custom", "steps": steps})
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_exports_say_gateways_cannot_express_it_and_preview_costs_every_step() -> None:
    strategy = make_strategy("pipeline", CATALOG, {"example": "research"})
    ctx = RoutingContext.for_all(CATALOG)
    plan = strategy.export_plan(ctx)
    assert any("gateways cannot express a multi-step pipeline (queries → synthesis → summary)" in c
               for c in plan.caveats)
    route = RouteInput.measure(ChatRequest.from_prompt("What causes tides?"), default_counter())
    decision = strategy.decide(route, ctx)
    calls, _ = strategy.preview_calls(decision, PreviewPrompt(route, 300, 0.3), Coster(CATALOG))
    assert [c.model for c in calls] == ["gpt-5-nano", "claude-sonnet-4-5", "gpt-5-mini"]
    assert all(c.cost_usd > 0 for c in calls)


async def test_router_runs_a_pipeline_declared_in_the_config() -> None:
    from playground import Router

    policy = """version = 1
[router]
strategy = "pipeline"
[strategies.pipeline]
example = "custom"
[[strategies.pipeline.steps]]
name = "draft"
model = "gpt-5-nano"
prompt = "Draft an answer: {prompt}"
max_tokens = 60
[[strategies.pipeline.steps]]
name = "polish"
model = "claude-haiku-4-5"
prompt = "Polish this draft: {draft}"
max_tokens = 60
"""
    async with Router.from_text(policy, simulate=True, sim_speed=50) as router:
        done = await router.complete("Why is the sky blue?")
    assert done.model == "claude-haiku-4-5" and done.attempts == 2
    assert done.result is not None and [a.model for a in done.result.attempts] == ["gpt-5-nano", "claude-haiku-4-5"]


async def test_the_image_reaches_only_steps_that_read_the_prompt(server: SimServer) -> None:
    image = ImageInput("image/png", png(64, 48), 64, 48, name="photo.png")
    request = ChatRequest((Message("user", "What is in this picture?", (image,)),), max_output_tokens=200)
    steps = [{"name": "look", "model": "gpt-5-nano", "prompt": "Describe: {prompt}", "max_tokens": 60},
             {"name": "short", "model": "deepseek-chat", "prompt": "Shorten: {look}", "max_tokens": 60}]
    result, events = await run_request(server, {"steps": steps}, request)
    assert result.error is None, result.error
    verdicts = [e for e in events if isinstance(e, Verdict) and e.stage == "step"]
    # deepseek-chat takes no images: it still serves the step that never sees one.
    assert [(v.details["step"], v.model, v.details["images"]) for v in verdicts] == [
        ("look", "gpt-5-nano", 1), ("short", "deepseek-chat", 0)]
    assert "64" in result.attempts[0].text and "48" in result.attempts[0].text  # the simulator saw the image
    assert verdicts[1].details["prompt"] == f"Shorten: {result.attempts[0].text}"


async def test_a_routed_step_runs_on_the_model_its_params_pick(server: SimServer) -> None:
    everything_small = {"low_threshold": 0.99, "high_threshold": 1.0, "small_model": "claude-haiku-4-5"}
    steps = [{"name": "only", "strategy": "complexity", "params": everything_small, "max_tokens": 60,
              "prompt": "Prove the four colour theorem rigorously and discuss every case: {prompt}"}]
    result, _ = await run(server, {"steps": steps})
    assert result.error is None and result.final is not None and result.final.model == "claude-haiku-4-5"


async def test_the_response_schema_shapes_only_the_answering_step(server: SimServer) -> None:
    schema = {"type": "object", "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
              "required": ["title", "year"], "additionalProperties": False}
    request = ChatRequest.from_prompt("Name a famous film and its year.", max_output_tokens=200,
                                      response_format=ResponseFormat("json_schema", schema))
    steps = [{"name": "draft", "model": "gpt-5-nano", "prompt": "{prompt}", "max_tokens": 60},
             {"name": "final", "model": "gpt-5-mini", "prompt": "As JSON: {draft}", "max_tokens": 120}]
    result, _ = await run_request(server, {"steps": steps}, request)
    assert result.error is None, result.error
    draft, final = result.attempts
    jsonschema.validate(json.loads(final.text), schema)
    with pytest.raises(json.JSONDecodeError):
        json.loads(draft.text)  # the draft step was asked in plain text
