"""Pipeline steps without a model call: a routed step's params are checked
by its strategy's typed parameters (errors name the step and the key) and
used when it picks; what each step receives from the user's request; the
preview costs a pipeline as the sum of the steps known to run."""

from __future__ import annotations

import pytest

from playground.core.catalog import default_catalog
from playground.core.decision import PipelinePlan
from playground.core.errors import UserError
from playground.core.messages import ChatRequest, ImageInput, Message, ResponseFormat, ToolDef
from playground.core.tokens import default_counter
from playground.eval.preview import make_coster, measure_prompt, pick
from playground.strategies.base import RouteInput, RoutingContext
from playground.strategies.pipeline import PipelineStrategy, check_steps, step_request
from playground.strategies.registry import make_strategy
from tests.helpers.images import png

CATALOG = default_catalog()
CTX = RoutingContext.for_all(CATALOG)
HARD = ("Design a distributed consensus protocol tolerant to Byzantine faults, prove its safety and liveness "
        "properties formally, and analyse its message complexity step by step.")


def routed(params: dict) -> list[dict]:
    return [{"name": "answer", "strategy": "complexity", "params": params, "prompt": "{prompt}"}]


def pipeline(steps: list[dict], **values: object):
    return make_strategy("pipeline", CATALOG, {"steps": steps, **values})


@pytest.mark.parametrize(("params", "fragment"), [
    ({"low_threshold": 2}, "pipeline step 'answer': params: complexity.low_threshold: 2"),
    ({"no_such_key": 1}, "pipeline step 'answer': params: complexity: unknown parameter 'no_such_key'"),
    ({"large_model": "gpt-9"}, "pipeline step 'answer': params: complexity.large_model: unknown model 'gpt-9'"),
])
def test_step_params_are_checked_by_the_step_strategy_and_name_the_step_and_key(params: dict, fragment: str) -> None:
    with pytest.raises(UserError) as caught:
        pipeline(routed(params))
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_params_on_a_fixed_model_step_are_refused() -> None:
    with pytest.raises(UserError, match="pipeline step 'a': params are for a routed step's strategy"):
        pipeline([{"name": "a", "model": "gpt-4o", "params": {"x": 1}, "prompt": "{prompt}"}])


def test_a_routed_step_picks_with_its_own_params() -> None:
    route = RouteInput.measure(ChatRequest.from_prompt(HARD), default_counter())
    default = make_strategy("complexity", CATALOG).decide(route, CTX).model
    everything_weak = {"low_threshold": 0.99, "high_threshold": 1.0, "small_model": "gpt-5-nano"}
    assert make_strategy("complexity", CATALOG, everything_weak).decide(route, CTX).model == "gpt-5-nano" != default
    decision = pipeline(routed(everything_weak)).decide(route, CTX)
    assert decision.model == "gpt-5-nano"
    assert isinstance(decision.plan, PipelinePlan) and dict(decision.plan.steps[0].params) == everything_weak


def test_check_steps_gives_one_line_per_step_and_keeps_going() -> None:
    problems = check_steps([
        {"name": "a", "model": "gpt-4o", "prompt": "{prompt}"},
        {"name": "b", "model": "gpt-4o", "prompt": "{nope}"},
        {"name": "c", "model": "gpt-9", "prompt": "{a} {b}"},
        {"name": "d", "model": "gpt-4o", "prompt": "{d}"},
    ], CATALOG)
    assert problems[0] == ""
    assert problems[1].startswith("pipeline step 'b': the template names unknown step output {nope}")
    assert problems[2].startswith("pipeline step 'c': unknown model 'gpt-9'")  # b broken, still a known name
    assert problems[3].startswith("pipeline step 'd': the template reads {d}, its own output")


def test_the_image_goes_to_steps_reading_the_prompt_tools_and_schema_to_the_answering_step() -> None:
    image = ImageInput("image/png", png(8, 8), 8, 8)
    tool = ToolDef("lookup", {"type": "object", "properties": {}})
    user = ChatRequest((Message("system", "Be brief."), Message("user", "What is this?", (image,))),
                       tools=(tool,), response_format=ResponseFormat("json_object"))
    strategy = pipeline([{"name": "look", "model": "gpt-4o", "prompt": "Describe: {prompt}"},
                         {"name": "final", "model": "gpt-4o", "prompt": "Answer from: {look}"}])
    assert isinstance(strategy, PipelineStrategy)
    look, final = strategy.steps
    first = step_request(look, "final", user, "Describe: What is this?")
    last = step_request(final, "final", user, "Answer from: a cat")
    assert first.images == (image,) and not first.tools and first.response_format is None
    assert [m.role for m in first.messages] == ["user"]
    assert last.images == () and last.tools == (tool,) and last.response_format == user.response_format
    assert [m.role for m in last.messages] == ["system", "user"]


def test_a_text_only_step_may_use_a_text_only_model_on_an_image_request() -> None:
    image = ImageInput("image/png", png(8, 8), 8, 8)
    route = RouteInput.measure(ChatRequest((Message("user", "What is this?", (image,)),)), default_counter())
    strategy = pipeline([{"name": "look", "model": "deepseek-chat", "prompt": "Describe: {prompt}"},
                         {"name": "short", "model": "deepseek-chat", "prompt": "Shorten: {look}"}])
    narrowed = CTX.for_request(route.needs)  # what the engine hands the pipeline for this request
    decision = strategy.decide(route, narrowed)
    assert isinstance(decision.plan, PipelinePlan)
    look, short = decision.plan.steps
    assert look.model != "deepseek-chat" and CATALOG.get(str(look.model)).features.images  # substituted, said why
    assert "image" in decision.candidates[0].note
    assert short.model == "deepseek-chat"  # never sees the image


def test_preview_cost_is_the_sum_of_the_steps_known_to_run() -> None:
    item = measure_prompt("My card was charged twice, please refund!", default_counter())
    coster = make_coster(CATALOG)
    support = pick(make_strategy("pipeline", CATALOG, {"example": "support"}), CTX, item, coster)
    roles = [c.role for c in support.calls]
    # answer/escalate depend on the urgency step's answer: not counted, and the total says it is a lower bound.
    assert roles == ["step classify", "step urgency", "step review"] and support.lower_bound
    assert support.cost_usd == pytest.approx(sum(c.cost_usd for c in support.calls)) and support.cost_usd > 0
    for call in support.calls:
        assert call.cost_usd == pytest.approx(coster.call(call.model, call.role, call.input_tokens,
                                                          call.output_tokens).cost_usd)
    research = pick(make_strategy("pipeline", CATALOG, {"example": "research"}), CTX, item, coster)
    assert len(research.calls) == 3 and not research.lower_bound
    assert research.cost_usd == pytest.approx(sum(c.cost_usd for c in research.calls))
