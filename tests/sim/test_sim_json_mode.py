"""JSON mode and JSON Schema answers: OpenAI `response_format` (json_object,
json_schema) and Anthropic `output_config.format`, streamed and not, each
answer valid against its schema; and the schema-driven value builder on
its own, property-tested over generated schemas."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import jsonschema
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.sim.features.schema_checks import SchemaError, check_schema
from playground.sim.features.schema_values import Hints, generate

RECIPE: dict[str, Any] = {
    "$defs": {"step": {"type": "object", "properties": {"order": {"type": "integer", "minimum": 1},
                                                         "instruction": {"type": "string", "minLength": 3}},
                       "required": ["order", "instruction"], "additionalProperties": False}},
    "type": "object",
    "properties": {
        "title": {"type": "string", "maxLength": 40},
        "servings": {"type": "integer", "minimum": 1, "maximum": 12},
        "difficulty": {"enum": ["easy", "medium", "hard"]},
        "vegetarian": {"type": "boolean"},
        "rating": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 5},
        "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}, "minItems": 2, "maxItems": 4,
                 "uniqueItems": True},
        "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}, "minItems": 3},
        "source": {"anyOf": [{"type": "string", "format": "uri"}, {"type": "null"}]},
        "summary": {"type": "string"},
    },
    "required": ["title", "servings", "difficulty", "vegetarian", "rating", "tags", "steps", "source", "summary"],
    "additionalProperties": False,
}
PROMPT = "Give me a simple recipe for tomato soup."


def _schema_format(schema: dict[str, Any]) -> Any:
    return {"type": "json_schema", "json_schema": {"name": "recipe", "schema": schema, "strict": True}}


@pytest.mark.parametrize("stream", [False, True])
def test_openai_json_schema_answers_validate(openai_sdk: openai.OpenAI, stream: bool) -> None:
    messages: Any = [{"role": "user", "content": PROMPT}]
    if stream:
        chunks = openai_sdk.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True,
                                                    response_format=_schema_format(RECIPE))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    else:
        response = openai_sdk.chat.completions.create(model="gpt-4o-mini", messages=messages,
                                                      response_format=_schema_format(RECIPE))
        assert response.choices[0].finish_reason == "stop"
        text = response.choices[0].message.content or ""
    value = json.loads(text)
    jsonschema.validate(value, RECIPE)
    assert "tomato soup" in value["summary"].lower()  # answer-like fields carry the answer's prose


def test_openai_json_object_mode(openai_sdk: openai.OpenAI) -> None:
    response = openai_sdk.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "List three colours as JSON."}],
        response_format={"type": "json_object"})
    assert isinstance(json.loads(response.choices[0].message.content or ""), dict)
    with pytest.raises(openai.BadRequestError, match="must contain the word 'json'"):
        openai_sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "List colours."}],
                                           response_format={"type": "json_object"})


def test_openai_bad_json_schema_is_a_400(openai_sdk: openai.OpenAI) -> None:
    bad = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "minProperties": "2"}}}
    with pytest.raises(openai.BadRequestError, match="Invalid schema for response_format 'x'") as error:
        openai_sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": PROMPT}],
                                           response_format=bad)  # type: ignore[arg-type]
    assert error.value.code == "invalid_json_schema"
    impossible = _schema_format({"type": "array", "minItems": 100_000})
    with pytest.raises(openai.BadRequestError, match="cannot build a value for this schema: minItems 100000"):
        openai_sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": PROMPT}],
                                           response_format=impossible)


@pytest.mark.parametrize("stream", [False, True])
def test_anthropic_output_config_json_schema(anthropic_sdk: anthropic.Anthropic, stream: bool) -> None:
    kwargs: Any = {"model": "claude-haiku-4-5", "max_tokens": 2048, "messages": [{"role": "user", "content": PROMPT}],
                   "output_config": {"format": {"type": "json_schema", "schema": RECIPE}}}
    if stream:
        with anthropic_sdk.messages.stream(**kwargs) as events:
            text = "".join(events.text_stream)
    else:
        message = anthropic_sdk.messages.create(**kwargs)
        text = "".join(b.text for b in message.content if b.type == "text")
    jsonschema.validate(json.loads(text), RECIPE)


def test_anthropic_forced_tool_is_the_json_pattern(anthropic_sdk: anthropic.Anthropic) -> None:
    """Anthropic's documented way to get JSON: force a tool whose input_schema is the schema."""
    tool: Any = {"name": "record_recipe", "description": "Record a recipe", "input_schema": RECIPE}
    message = anthropic_sdk.messages.create(model="claude-sonnet-4-5", max_tokens=2048, tools=[tool],
                                            tool_choice={"type": "tool", "name": "record_recipe"},
                                            messages=[{"role": "user", "content": PROMPT}])
    block = next(b for b in message.content if b.type == "tool_use")
    jsonschema.validate(block.input, RECIPE)


# --- the value builder on its own -------------------------------------------------------------


def test_values_follow_the_hints_and_are_deterministic() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "answer": {"type": "string"},
                                                "unit": {"enum": ["celsius", "fahrenheit"]}}}
    hints = Hints(text="It is 21 degrees fahrenheit.", terms=("Paris", "weather"))
    value = generate(schema, hints)
    assert value == {"city": "Paris", "answer": "It is 21 degrees fahrenheit.", "unit": "fahrenheit"}
    assert generate(schema, hints) == value


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"type": "string", "minLength": 10, "maxLength": 2}, "minLength 10 is more than maxLength 2"),
        ({"type": "integer", "minimum": 5, "maximum": 3}, "no number fits between 5 and 3"),
        ({"$ref": "https://example.com/schema.json"}, "is not local"),
        ({"$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}}, "required": ["next"]}},
          "$ref": "#/$defs/n"}, "deeper than 24 levels"),
    ],
)
def test_unsatisfiable_schemas_are_refused_with_a_reason(schema: dict[str, Any], message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        generate(schema)


def test_invalid_schemas_are_named() -> None:
    with pytest.raises(SchemaError, match="is not valid under any of the given schemas"):
        check_schema({"type": "strnig"})


_NAMES = st.sampled_from(["name", "city", "count", "items", "answer", "tags", "score", "id", "notes", "kind"])


def _leaf() -> st.SearchStrategy[dict[str, Any]]:
    bounded_int = st.tuples(st.integers(-50, 50), st.integers(0, 60)).map(
        lambda t: {"type": "integer", "minimum": t[0], "maximum": t[0] + t[1]})
    exclusive_number = st.tuples(st.floats(-1e6, 1e6), st.floats(0.001, 1e3)).map(
        lambda t: {"type": "number", "exclusiveMinimum": t[0], "exclusiveMaximum": t[0] + t[1]})
    multiple = st.tuples(st.integers(1, 9), st.integers(0, 30)).map(
        lambda t: {"type": "integer", "multipleOf": t[0], "minimum": t[1], "maximum": t[1] + 3 * t[0]})
    strings = st.tuples(st.integers(0, 20), st.integers(0, 30)).map(
        lambda t: {"type": "string", "minLength": t[0], "maxLength": t[0] + t[1]})
    patterns = st.sampled_from(["^[A-Z]{3}$", "^\\d{2,4}-[a-z]+$", "^(yes|no)$", "^[a-f0-9]{8}$"]).map(
        lambda p: {"type": "string", "pattern": p})
    formats = st.sampled_from(["date", "date-time", "email", "uri", "uuid", "ipv4"]).map(
        lambda f: {"type": "string", "format": f})
    enums = st.lists(st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none()), min_size=1,
                     max_size=5, unique_by=lambda v: (type(v), v)).map(lambda e: {"enum": e})
    return st.one_of(bounded_int, exclusive_number, multiple, strings, patterns, formats, enums,
                     st.just({"type": "boolean"}), st.just({"type": "null"}), st.just({}))


def _schema(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    objects = st.dictionaries(_NAMES, children, max_size=4).flatmap(
        lambda props: st.lists(st.sampled_from(sorted(props)) if props else st.nothing(), unique=True).map(
            lambda required: {"type": "object", "properties": props, "required": required,
                              "additionalProperties": False}))
    arrays = st.tuples(children, st.integers(0, 3), st.integers(0, 3)).map(
        lambda t: {"type": "array", "items": t[0], "minItems": t[1], "maxItems": t[1] + t[2]})
    unions = st.lists(children, min_size=1, max_size=3).map(lambda options: {"anyOf": options})
    nullable = children.map(
        lambda c: {**c, "type": [c["type"], "null"]} if isinstance(c.get("type"), str) and c["type"] != "null" else c)
    return st.one_of(objects, arrays, unions, nullable)


SCHEMAS = st.recursive(_leaf(), _schema, max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS, terms=st.lists(st.text(min_size=1, max_size=12), max_size=3))
def test_generated_values_validate_against_generated_schemas(schema: dict[str, Any], terms: list[str]) -> None:
    check_schema(schema)
    value = generate(schema, Hints(text="An answer.", terms=tuple(terms)))
    jsonschema.validate(value, schema)
    json.dumps(value, allow_nan=False)  # finite numbers only: it must travel as JSON
