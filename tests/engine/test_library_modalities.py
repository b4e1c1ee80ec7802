"""The library `Router` takes the same images, tools and schema as
`playground run` (`images=`, `tools=`, `tool_choice=`, `schema=`,
`json_mode=`), routes them only to models that can serve them, and returns
tool calls on the `Completion`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from playground import Router, UserError
from tests.helpers.images import png

POLICY = """\
version = 1

[router]
strategy = "fixed"

[strategies.fixed]
model = "deepseek-chat"
"""
TOOLS = [{"name": "lookup_order", "description": "Find an order",
          "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}},
                           "required": ["order_id"]}}]
SCHEMA = {"type": "object", "properties": {"sentiment": {"enum": ["positive", "negative"]}},
          "required": ["sentiment"]}


async def test_router_routes_an_image_to_a_vision_model_and_decide_agrees(tmp_path: Path) -> None:
    image = tmp_path / "photo.png"
    image.write_bytes(png(40, 30))
    async with Router.from_text(POLICY, simulate=True, sim_speed=50) as router:
        decided = router.decide("What is this?", images=[image])
        done = await router.complete("What is this?", images=[image], max_tokens=120)
        plain = router.decide("What is this?")
    assert plain.model == "deepseek-chat"  # the configured model, for text
    assert decided.model == done.model != "deepseek-chat"
    assert done.trace["details"]["ruled_out"]["deepseek-chat"] == "no image input"
    assert "40×30 PNG" in done.text


async def test_router_tool_calls_and_schema_answers(tmp_path: Path) -> None:
    async with Router.from_text(POLICY, simulate=True, sim_speed=50) as router:
        called = await router.complete("Where is order A-17?", tools=TOOLS, tool_choice="lookup_order")
        shaped = await router.complete("I love it!", schema=SCHEMA, max_tokens=300)
    (call,) = called.tool_calls
    assert call.name == "lookup_order" and "order_id" in json.loads(call.arguments)
    jsonschema.validate(json.loads(shaped.text), SCHEMA)
    # deepseek-chat takes tools but not a JSON schema: the schema request went elsewhere.
    assert called.model == "deepseek-chat" and shaped.model != "deepseek-chat"


def test_router_bad_inputs_are_user_errors_naming_them(tmp_path: Path) -> None:
    router = Router.from_text(POLICY, simulate=True, sim_speed=50)
    try:
        with pytest.raises(UserError, match="no such image file"):
            router.decide("x", images=[tmp_path / "nope.png"])
        with pytest.raises(UserError, match=r"tools: tool #1 \(f\): parameters is not valid JSON Schema"):
            router.decide("x", tools=[{"name": "f", "parameters": {"type": 5}}])
        with pytest.raises(UserError, match="tool_choice: 'g' is not auto, none, required or a tool's name"):
            router.decide("x", tools=TOOLS, tool_choice="g")
    finally:
        router.close()
