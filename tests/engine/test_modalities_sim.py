"""Images, tools and JSON output through the engine, both SDKs and the
simulator over loopback: routing skips models that cannot serve the request
(and says so), images reach the model in each protocol, streamed tool-call
deltas reassemble into the same arguments through both SDKs, and JSON
answers validate against the schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from playground.core.catalog import default_catalog
from playground.core.errors import ErrorKind
from playground.core.events import Decided, ModelSkipped, ToolCallDelta
from playground.core.messages import ChatRequest, ImageInput, Message, ResponseFormat, ToolChoice, ToolDef
from playground.engine.runner import Engine
from playground.providers.endpoints import simulated_endpoints
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RoutingContext
from playground.strategies.registry import make_strategy
from tests.helpers.images import png

CATALOG = default_catalog()
WEATHER = ToolDef("get_weather", {"type": "object", "properties": {"city": {"type": "string"},
                                                                   "unit": {"enum": ["C", "F"]}},
                                  "required": ["city", "unit"]}, "Current weather for a city")
SCHEMA = {"type": "object", "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
          "required": ["title", "year"], "additionalProperties": False}


@pytest.fixture(scope="module")
def server():
    with SimServer(port=0, speed=50) as running:
        yield running


async def run(server: SimServer, request: ChatRequest, strategy: str = "fixed", ctx: RoutingContext | None = None,
              **values: object):
    pool = ProviderPool(simulated_endpoints(CATALOG, server.base_url))
    engine = Engine(CATALOG, pool, ctx or RoutingContext.for_all(CATALOG), simulated=True)
    events: list[object] = []
    try:
        result = await engine.run(make_strategy(strategy, CATALOG, values), request, events.append)
    finally:
        await engine.pool.aclose()
    return result, events


def image_request(prompt: str = "What is in this picture?") -> ChatRequest:
    image = ImageInput("image/png", png(64, 48), 64, 48, name="photo.png")
    return ChatRequest((Message("user", prompt, (image,)),), max_output_tokens=120)


@pytest.mark.parametrize("vision_model", ["gpt-4o-mini", "claude-haiku-4-5"])
async def test_an_image_request_skips_a_text_only_model_and_reaches_a_vision_model(
        server: SimServer, vision_model: str) -> None:
    ctx = RoutingContext(CATALOG, (CATALOG.get("deepseek-chat"), CATALOG.get(vision_model)), "not configured")
    result, events = await run(server, image_request(), ctx=ctx, model="deepseek-chat")
    assert result.error is None, result.error
    assert result.final is not None and result.final.model == vision_model
    decided = next(e for e in events if isinstance(e, Decided))
    assert decided.decision.details["ruled_out"] == {"deepseek-chat": "no image input"}
    # The simulated model saw the image: its answer describes its size and type.
    assert "64×48 PNG" in result.text
    assert not [e for e in events if isinstance(e, ModelSkipped) and e.model == vision_model]


async def test_an_image_request_nobody_can_serve_ends_with_one_clear_error(server: SimServer) -> None:
    ctx = RoutingContext(CATALOG, (CATALOG.get("deepseek-chat"),), "not configured")
    result, _ = await run(server, image_request(), ctx=ctx, model="deepseek-chat")
    assert result.error is not None and result.error.kind is ErrorKind.NO_MODEL
    assert result.error.message.startswith("no available model can serve this request (1 image): "
                                           "deepseek-chat: no image input")
    assert not result.attempts  # nothing was sent


@pytest.mark.parametrize("model", ["gpt-4o-mini", "claude-haiku-4-5"])
async def test_streamed_tool_call_deltas_reassemble_into_the_same_arguments(server: SimServer, model: str) -> None:
    request = ChatRequest((Message("user", "What's the weather in Lisbon?"),), max_output_tokens=200,
                          tools=(WEATHER,), tool_choice=ToolChoice("named", "get_weather"))
    result, events = await run(server, request, model=model)
    assert result.error is None, result.error
    final = result.final
    assert final is not None and final.model == model
    (call,) = final.tool_calls
    assert call.name == "get_weather" and call.id
    jsonschema.validate(json.loads(call.arguments), WEATHER.parameters)
    deltas = [e for e in events if isinstance(e, ToolCallDelta) and e.attempt == final.attempt]
    assert len(deltas) >= 2  # a start and at least one piece of arguments
    assert "".join(d.arguments for d in deltas) == call.arguments
    assert deltas[0].name == "get_weather"
    assert final.cost_usd > 0 and final.usage_source == "provider"


@pytest.mark.parametrize("model", ["gpt-4o-mini", "claude-haiku-4-5"])
async def test_json_schema_answers_validate_against_the_schema(server: SimServer, model: str) -> None:
    request = ChatRequest((Message("user", "Name a classic film and its year."),), max_output_tokens=600,
                          response_format=ResponseFormat("json_schema", SCHEMA, "film"))
    result, _ = await run(server, request, model=model)
    assert result.error is None, result.error
    jsonschema.validate(json.loads(result.text), SCHEMA)


async def test_json_mode_on_a_model_without_schema_support_still_routes_by_the_declaration(
        server: SimServer) -> None:
    # groq-llama-3-3-70b declares JSON mode but not JSON schema output.
    ctx = RoutingContext(CATALOG, (CATALOG.get("groq-llama-3-3-70b"), CATALOG.get("gpt-4o-mini")), "not configured")
    object_request = ChatRequest((Message("user", "Give me a JSON object about cats."),), max_output_tokens=600,
                                 response_format=ResponseFormat("json_object"))
    result, _ = await run(server, object_request, ctx=ctx, model="groq-llama-3-3-70b")
    assert result.final is not None and result.final.model == "groq-llama-3-3-70b"
    assert isinstance(json.loads(result.text), dict)
    schema_request = ChatRequest(object_request.messages, max_output_tokens=600,
                                 response_format=ResponseFormat("json_schema", SCHEMA, "film"))
    result, _ = await run(server, schema_request, ctx=ctx, model="groq-llama-3-3-70b")
    assert result.final is not None and result.final.model == "gpt-4o-mini"
