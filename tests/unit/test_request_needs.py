"""A request's needs (images, tools, JSON output) are hard constraints for
every strategy: no model that cannot serve the request is ever chosen — as
the answer, a fallback, an ensemble member, a cascade tier or a routed label
— the trace names what was ruled out and why, and when nothing fits the
error says so once. Judges and routers get their own plain-text side
requests (engine/plans.py), so they are not bound by the user's needs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.core.catalog import default_catalog
from playground.core.decision import CascadePlan, Decision, EnsemblePlan, PipelinePlan, RouterPlan
from playground.core.errors import UserError
from playground.core.messages import ChatRequest, ImageInput, Message, ResponseFormat, ToolDef
from playground.core.request_needs import NoModelServes, RequestNeeds
from playground.core.tokens import default_counter
from playground.strategies.base import RouteInput, RoutingContext, decide_within_needs
from playground.strategies.pipeline import answering_step, step_request
from playground.strategies.registry import STRATEGIES, make_strategy

CATALOG = default_catalog()
MODELS = sorted(CATALOG.models)
PNG = ImageInput("image/png", b"\x89PNG" + b"\0" * 60, 640, 480, name="photo.png")
HUGE = ImageInput("image/png", b"\0" * (6 * 1024 * 1024), 1000, 800, name="scan.png")  # over Anthropic's 5 MB
TOOL = ToolDef("get_weather", {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
SCHEMA = ResponseFormat("json_schema", {"type": "object", "properties": {"answer": {"type": "string"}}})
PROMPTS = ["hello", "Write a Python function that parses a CSV file and sums a column.",
           "Prove that there are infinitely many primes, step by step, then discuss the history.",
           "Describe this picture."]
STRATEGY_VALUES: dict[str, dict[str, Any]] = {"ensemble": {"mode": "consensus"}}


def request(prompt: str, *, images: tuple[ImageInput, ...] = (), tools: bool = False,
            output: ResponseFormat | None = None) -> ChatRequest:
    return ChatRequest((Message("user", prompt, images),), max_output_tokens=256,
                       tools=(TOOL,) if tools else (), response_format=output)


def route_for(req: ChatRequest, strategy_name: str) -> RouteInput:
    route = RouteInput.measure(req, default_counter())
    if STRATEGIES[strategy_name].needs_embedding:
        # Any vector of the wanted size: the constraint cannot depend on it.
        dimensions = make_strategy(strategy_name, CATALOG).embedding_request[1] or 256
        route = RouteInput(req, route.input_tokens, route.token_method,
                           np.linspace(-1, 1, dimensions, dtype=np.float32))
    return route


def answering_models(decision: Decision) -> list[str]:
    """Every model that may answer the user's request under the decision."""
    plan = decision.plan
    if isinstance(plan, EnsemblePlan):
        models = [*plan.members, *([plan.escalate_to] if plan.escalate_to else [])]
    elif isinstance(plan, CascadePlan):
        models = list(plan.tiers)
    elif isinstance(plan, RouterPlan):
        models = [model for _, model in plan.routes] + [plan.default_model]
    else:
        models = [decision.model]
    return [*models, *decision.fallbacks]


def planned_calls(decision: Decision, req: ChatRequest) -> list[tuple[str, RequestNeeds]]:
    """Each model that may answer with the needs of what it is sent: the user's
    request, or for a pipeline step the part of it the step carries."""
    plan = decision.plan
    if isinstance(plan, PipelinePlan):
        answering = answering_step(plan.steps, plan.final_step)
        return [(step.model, RequestNeeds.of(step_request(step, answering, req, req.prompt_text)))
                for step in plan.steps if step.model]
    return [(model_id, RequestNeeds.of(req)) for model_id in answering_models(decision)]


def problem(needs: RequestNeeds, model_id: str) -> str:
    model = CATALOG.get(model_id)
    return needs.problem(model, CATALOG.providers[model.provider].kind)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(STRATEGIES)),
    available=st.sets(st.sampled_from(MODELS), min_size=1),
    prompt=st.sampled_from(PROMPTS),
    image=st.sampled_from(["none", "png", "huge"]),
    tools=st.booleans(),
    output=st.sampled_from([None, ResponseFormat("json_object"), SCHEMA]),
)
def test_no_strategy_ever_chooses_a_model_that_cannot_serve_the_request(
        name: str, available: set[str], prompt: str, image: str, tools: bool, output: ResponseFormat | None) -> None:
    images = {"none": (), "png": (PNG,), "huge": (HUGE,)}[image]
    req = request(prompt, images=images, tools=tools, output=output)
    needs = RequestNeeds.of(req)
    ctx = RoutingContext(CATALOG, tuple(CATALOG.get(m) for m in sorted(available)), "not configured")
    strategy = make_strategy(name, CATALOG, STRATEGY_VALUES.get(name))
    capable = [m for m in available if not problem(needs, m)]
    try:
        decision, narrowed = decide_within_needs(strategy, route_for(req, name), ctx)
    except UserError as exc:
        # Refusing is always safe; when no available model can serve the
        # request it is the one error that says so. (A strategy may also
        # refuse when its own pool — a load-balance group, a fixed chain —
        # has nothing that fits.)
        assert "\n" not in str(exc)
        if not capable:
            assert isinstance(exc, NoModelServes) and "no available model can serve this request" in str(exc)
        return
    assert capable, f"{name} routed a request nobody available can serve"
    # (Models that are not configured are never called: the engine skips them.)
    for model_id, step_needs in planned_calls(decision, req):
        if model_id in available:
            assert not problem(step_needs, model_id), f"{name} planned {model_id}: {problem(step_needs, model_id)}"
    # The trace names every available model that was ruled out, with why.
    ruled_out = decision.details.get("ruled_out", {})
    assert ruled_out == {m: problem(needs, m) for m in available if problem(needs, m)}
    assert set(narrowed.excluded) >= set(ruled_out)


def test_an_image_request_skips_text_only_models_and_the_trace_says_why() -> None:
    ctx = RoutingContext(CATALOG, (CATALOG.get("deepseek-chat"), CATALOG.get("gpt-4o-mini")), "not configured")
    strategy = make_strategy("fixed", CATALOG, {"model": "deepseek-chat"})
    decision, _ = decide_within_needs(strategy, route_for(request("what is this?", images=(PNG,)), "fixed"), ctx)
    assert decision.model == "gpt-4o-mini"
    assert decision.details["ruled_out"] == {"deepseek-chat": "no image input"}
    assert decision.details["needs"] == "1 image"
    assert "deepseek-chat: no image input → substituted gpt-4o-mini" in decision.reason


def test_when_nothing_fits_one_error_names_each_model_and_what_could_serve() -> None:
    ctx = RoutingContext(CATALOG, (CATALOG.get("deepseek-chat"), CATALOG.get("groq-llama-3-1-8b")), "not configured")
    with pytest.raises(NoModelServes) as caught:
        decide_within_needs(make_strategy("cost", CATALOG), route_for(request("x", images=(PNG,)), "cost"), ctx)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("no available model can serve this request (1 image): deepseek-chat: no image input; "
                              "groq-llama-3-1-8b: no image input; models that could serve it but are not configured:")
    assert "gpt-4o" in message


def test_each_need_rules_out_by_its_own_declaration() -> None:
    needs = RequestNeeds.of(request("x", images=(HUGE,), tools=True, output=SCHEMA))
    assert needs.describe() == "1 image, 1 tool, JSON schema output"
    assert problem(needs, "claude-haiku-4-5") == "image of 6.0 MB is over Anthropic's 5 MB limit"
    assert problem(needs, "gpt-4o") == ""
    assert problem(needs, "groq-llama-3-3-70b") == "no image input or JSON schema output"
    assert problem(RequestNeeds.of(request("x", tools=True)), "deepseek-chat") == ""
    assert problem(RequestNeeds.of(request("x", output=ResponseFormat("json_object"))), "groq-llama-3-1-8b") == ""
    # A plain request needs nothing and narrows nothing.
    plain = RoutingContext.for_all(CATALOG)
    assert plain.for_request(RequestNeeds.of(request("x"))) is plain
