"""Tool calls through the official SDKs: the simulator picks tools from the
prompt and `tool_choice`, builds arguments valid against each tool's JSON
Schema, streams them as the real APIs do (OpenAI `tool_calls` deltas,
Anthropic `input_json_delta`), and answers the follow-up turn with the
results in text."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import jsonschema
import openai
import pytest
from openai.types.chat import ChatCompletionMessageFunctionToolCall

from playground.core.messages import ChatRequest, Message
from playground.core.tokens import default_counter
from playground.sim.wire.dialect import tool_definitions_text

QUESTION = "What's the weather and the local time in Paris?"
WEATHER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "City name"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "include": {"type": "array", "items": {"type": "string", "enum": ["wind", "rain", "uv"]}, "uniqueItems": True},
        "coordinates": {"type": "object", "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                                                         "lon": {"type": "number", "minimum": -180, "maximum": 180}},
                        "required": ["lat", "lon"], "additionalProperties": False},
    },
    "required": ["location", "days"],
    "additionalProperties": False,
}
TIME_SCHEMA: dict[str, Any] = {"type": "object", "properties": {"city": {"type": "string", "minLength": 2}},
                               "required": ["city"]}
FUNCTIONS = [
    {"name": "get_weather", "description": "Get the current weather forecast for a city", "parameters": WEATHER_SCHEMA},
    {"name": "get_local_time", "description": "Get the local time in a city", "parameters": TIME_SCHEMA},
    {"name": "send_email", "description": "Send an email message to a recipient",
     "parameters": {"type": "object", "properties": {"to": {"type": "string", "format": "email"}}, "required": ["to"]}},
]
OPENAI_TOOLS: list[Any] = [{"type": "function", "function": f} for f in FUNCTIONS]
ANTHROPIC_TOOLS: list[Any] = [{"name": f["name"], "description": f["description"], "input_schema": f["parameters"]}
                              for f in FUNCTIONS]
SCHEMAS = {f["name"]: f["parameters"] for f in FUNCTIONS}


def _user(text: str) -> list[Any]:
    return [{"role": "user", "content": text}]


def _calls(message: Any) -> list[ChatCompletionMessageFunctionToolCall]:
    """The function calls of an OpenAI message (the simulator makes no custom-tool calls)."""
    calls = list(message.tool_calls or [])
    assert all(isinstance(c, ChatCompletionMessageFunctionToolCall) for c in calls)
    return calls


def _check_arguments(name: str, arguments: Any) -> None:
    value = json.loads(arguments) if isinstance(arguments, str) else arguments
    jsonschema.validate(value, SCHEMAS[name])


# --- OpenAI -------------------------------------------------------------------------------


def test_openai_calls_the_matching_tools_with_schema_valid_arguments(openai_sdk: openai.OpenAI) -> None:
    response = openai_sdk.chat.completions.create(model="gpt-4o", messages=_user(QUESTION), tools=OPENAI_TOOLS)
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    calls = _calls(choice.message)
    assert sorted(c.function.name for c in calls) == ["get_local_time", "get_weather"]  # not send_email
    for call in calls:
        assert call.id.startswith("call_") and call.type == "function"
        _check_arguments(call.function.name, call.function.arguments)
    weather = next(c for c in calls if c.function.name == "get_weather")
    assert json.loads(weather.function.arguments)["location"] == "Paris"  # from the prompt


def _openai_streamed_calls(stream: Any) -> tuple[dict[int, dict[str, str]], str | None, int]:
    calls: dict[int, dict[str, str]] = {}
    finish, fragments = None, 0
    for chunk in stream:
        for choice in chunk.choices:
            for delta in choice.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
                call["id"] += delta.id or ""
                call["name"] += (delta.function.name or "") if delta.function else ""
                if delta.function and delta.function.arguments:
                    call["arguments"] += delta.function.arguments
                    fragments += 1
            finish = choice.finish_reason or finish
    return calls, finish, fragments


def test_openai_streamed_deltas_reassemble_into_the_same_arguments(openai_sdk: openai.OpenAI) -> None:
    whole = openai_sdk.chat.completions.create(model="gpt-4o", messages=_user(QUESTION), tools=OPENAI_TOOLS)
    expected = [(c.id, c.function.name, c.function.arguments) for c in _calls(whole.choices[0].message)]
    stream = openai_sdk.chat.completions.create(model="gpt-4o", messages=_user(QUESTION), tools=OPENAI_TOOLS,
                                                stream=True)
    calls, finish, fragments = _openai_streamed_calls(stream)
    assert finish == "tool_calls"
    assert [(c["id"], c["name"], c["arguments"]) for _, c in sorted(calls.items())] == expected
    assert fragments > len(expected)  # arguments arrive in several fragments, not in one piece
    with openai_sdk.chat.completions.stream(model="gpt-4o", messages=_user(QUESTION), tools=OPENAI_TOOLS) as helper:
        final = helper.get_final_completion()
    helped = [(c.id, c.function.name, c.function.arguments) for c in _calls(final.choices[0].message)]
    assert helped == expected


@pytest.mark.parametrize(
    ("tool_choice", "names"),
    [
        ("none", []),
        ("auto", ["get_local_time", "get_weather"]),
        ("required", ["get_local_time", "get_weather"]),
        ({"type": "function", "function": {"name": "send_email"}}, ["send_email"]),
    ],
)
def test_openai_tool_choice(openai_sdk: openai.OpenAI, tool_choice: Any, names: list[str]) -> None:
    response = openai_sdk.chat.completions.create(model="gpt-4o", messages=_user(QUESTION), tools=OPENAI_TOOLS,
                                                  tool_choice=tool_choice)
    calls = _calls(response.choices[0].message)
    assert sorted(c.function.name for c in calls) == names
    assert response.choices[0].finish_reason == ("tool_calls" if names else "stop")
    if not names:
        assert response.choices[0].message.content
    for call in calls:
        _check_arguments(call.function.name, call.function.arguments)


def test_openai_auto_answers_in_text_when_no_tool_fits_but_required_calls_one(openai_sdk: openai.OpenAI) -> None:
    unrelated = _user("Write a haiku about autumn leaves.")
    auto = openai_sdk.chat.completions.create(model="gpt-4o", messages=unrelated, tools=OPENAI_TOOLS)
    assert auto.choices[0].finish_reason == "stop" and auto.choices[0].message.tool_calls is None
    required = openai_sdk.chat.completions.create(model="gpt-4o", messages=unrelated, tools=OPENAI_TOOLS,
                                                  tool_choice="required")
    assert len(required.choices[0].message.tool_calls or []) == 1


def test_parallel_calls_only_when_asked_and_supported(openai_sdk: openai.OpenAI) -> None:
    single = openai_sdk.chat.completions.create(model="gpt-4o", messages=_user(QUESTION), tools=OPENAI_TOOLS,
                                                parallel_tool_calls=False)
    assert len(single.choices[0].message.tool_calls or []) == 1
    # DeepSeek's chat model does not document parallel calls (core/data/catalog.toml features).
    deepseek = openai_sdk.chat.completions.create(model="deepseek-chat", messages=_user(QUESTION), tools=OPENAI_TOOLS)
    assert len(deepseek.choices[0].message.tool_calls or []) == 1


def test_openai_follow_up_turn_answers_in_text_using_the_results(openai_sdk: openai.OpenAI) -> None:
    first = openai_sdk.chat.completions.create(model="gpt-4o", messages=_user(QUESTION), tools=OPENAI_TOOLS)
    message = first.choices[0].message
    results = {c.id: json.dumps({"for": c.function.name, "value": f"result-{i}"})
               for i, c in enumerate(_calls(message))}
    follow_up = [*_user(QUESTION), message.model_dump(exclude_none=True),
                 *({"role": "tool", "tool_call_id": call_id, "content": text} for call_id, text in results.items())]
    for stream in (False, True):
        if stream:
            with openai_sdk.chat.completions.stream(model="gpt-4o", messages=follow_up, tools=OPENAI_TOOLS) as s:
                answer = s.get_final_completion()
        else:
            answer = openai_sdk.chat.completions.create(model="gpt-4o", messages=follow_up, tools=OPENAI_TOOLS)
        choice = answer.choices[0]
        assert choice.finish_reason == "stop" and not choice.message.tool_calls
        text = choice.message.content or ""
        assert all(f"result-{i}" in text for i in range(len(results)))
        assert "`get_weather`" in text


def test_tool_definitions_count_as_input_tokens(openai_sdk: openai.OpenAI) -> None:
    plain = openai_sdk.chat.completions.create(model="gpt-4o", messages=_user(QUESTION))
    tooled = openai_sdk.chat.completions.create(model="gpt-4o", messages=_user(QUESTION), tools=OPENAI_TOOLS)
    assert plain.usage is not None and tooled.usage is not None
    counter = default_counter()
    definitions = counter.count_text(tool_definitions_text(OPENAI_TOOLS)).tokens
    assert plain.usage.prompt_tokens == counter.count_request(ChatRequest((Message("user", QUESTION),))).tokens
    assert tooled.usage.prompt_tokens == plain.usage.prompt_tokens + definitions
    arguments = sum(counter.count_text(c.function.arguments).tokens for c in _calls(tooled.choices[0].message))
    assert tooled.usage.completion_tokens > arguments  # the arguments plus each call's name and framing


def test_a_call_cut_by_max_tokens_finishes_with_length(openai_sdk: openai.OpenAI) -> None:
    response = openai_sdk.chat.completions.create(model="gpt-4o", messages=_user(QUESTION), tools=OPENAI_TOOLS,
                                                  tool_choice={"type": "function", "function": {"name": "get_weather"}},
                                                  max_tokens=8)
    assert response.choices[0].finish_reason == "length"
    assert response.usage is not None and response.usage.completion_tokens <= 8


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tool_choice": "required"}, "'tool_choice' is only allowed when 'tools' are specified"),
        ({"tools": [{"type": "function", "function": {"name": "bad name!", "parameters": {"type": "object"}}}]},
         "does not match pattern"),
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object",
                                                                                  "properties": {"x": {"type": 5}}}}}]},
         "Invalid schema for function 'f'"),
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "string"}}}]},
         "schema must be a JSON Schema of 'type: \"object\"'"),
        ({"tools": OPENAI_TOOLS, "tool_choice": {"type": "function", "function": {"name": "nope"}}},
         "function 'nope' is not one of the 'tools'"),
    ],
)
def test_openai_bad_tool_requests_are_400s(openai_sdk: openai.OpenAI, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        openai_sdk.chat.completions.create(model="gpt-4o", messages=_user(QUESTION), **kwargs)
    assert message in str(error.value.message)
    assert error.value.body is not None and error.value.body["type"] == "invalid_request_error"  # type: ignore[index]


def test_openai_tool_messages_must_answer_a_call(openai_sdk: openai.OpenAI) -> None:
    orphan = [*_user(QUESTION), {"role": "tool", "tool_call_id": "call_x", "content": "21C"}]
    with pytest.raises(openai.BadRequestError, match="must be a response to a preceeding message"):
        openai_sdk.chat.completions.create(model="gpt-4o", messages=orphan, tools=OPENAI_TOOLS)
    unanswered = [*_user(QUESTION), {"role": "assistant", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}]
    with pytest.raises(openai.BadRequestError, match="did not have response messages: call_1"):
        openai_sdk.chat.completions.create(model="gpt-4o", messages=unanswered, tools=OPENAI_TOOLS)


# --- Anthropic ------------------------------------------------------------------------------


def test_anthropic_tool_use_blocks_match_openai_calls(anthropic_sdk: anthropic.Anthropic,
                                                      openai_sdk: openai.OpenAI) -> None:
    message = anthropic_sdk.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=_user(QUESTION),
                                            tools=ANTHROPIC_TOOLS)
    assert message.stop_reason == "tool_use"
    uses = [b for b in message.content if b.type == "tool_use"]
    assert [b.type for b in message.content] == ["tool_use", "tool_use"]
    for block in uses:
        assert block.id.startswith("toolu_")
        _check_arguments(block.name, block.input)
    openai_calls = _calls(openai_sdk.chat.completions.create(model="claude-sonnet-4-5", messages=_user(QUESTION),
                                                             tools=OPENAI_TOOLS).choices[0].message)
    assert [(b.name, b.input) for b in uses] == [(c.function.name, json.loads(c.function.arguments))
                                                 for c in openai_calls]


def test_anthropic_streamed_input_json_deltas_reassemble(anthropic_sdk: anthropic.Anthropic) -> None:
    whole = anthropic_sdk.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=_user(QUESTION),
                                          tools=ANTHROPIC_TOOLS)
    expected = [(b.id, b.name, b.input) for b in whole.content if b.type == "tool_use"]
    partial: dict[int, str] = {}
    starts: dict[int, tuple[str, str]] = {}
    with anthropic_sdk.messages.stream(model="claude-sonnet-4-5", max_tokens=1024, messages=_user(QUESTION),
                                       tools=ANTHROPIC_TOOLS) as stream:
        for event in stream:
            if event.type == "content_block_start" and event.content_block.type == "tool_use":
                starts[event.index] = (event.content_block.id, event.content_block.name)
            elif event.type == "content_block_delta" and event.delta.type == "input_json_delta":
                partial[event.index] = partial.get(event.index, "") + event.delta.partial_json
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    assert [(*starts[i], json.loads(partial[i])) for i in sorted(starts)] == expected
    assert [(b.id, b.name, b.input) for b in final.content if b.type == "tool_use"] == expected


@pytest.mark.parametrize(
    ("tool_choice", "names"),
    [
        ({"type": "none"}, []),
        ({"type": "any"}, ["get_local_time", "get_weather"]),
        ({"type": "tool", "name": "send_email"}, ["send_email"]),
        ({"type": "auto", "disable_parallel_tool_use": True}, ["get_local_time"]),
    ],
)
def test_anthropic_tool_choice(anthropic_sdk: anthropic.Anthropic, tool_choice: Any, names: list[str]) -> None:
    message = anthropic_sdk.messages.create(model="claude-haiku-4-5", max_tokens=1024, messages=_user(QUESTION),
                                            tools=ANTHROPIC_TOOLS, tool_choice=tool_choice)
    uses = [b for b in message.content if b.type == "tool_use"]
    assert sorted(b.name for b in uses) == names
    assert message.stop_reason == ("tool_use" if names else "end_turn")


def test_anthropic_follow_up_with_tool_results(anthropic_sdk: anthropic.Anthropic) -> None:
    first = anthropic_sdk.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=_user(QUESTION),
                                          tools=ANTHROPIC_TOOLS)
    results = [{"type": "tool_result", "tool_use_id": b.id, "content": f"{b.name} says 21C"}
               for b in first.content if b.type == "tool_use"]
    follow_up = [*_user(QUESTION), {"role": "assistant", "content": [b.model_dump() for b in first.content]},
                 {"role": "user", "content": results}]
    answer = anthropic_sdk.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=follow_up,
                                           tools=ANTHROPIC_TOOLS)
    assert answer.stop_reason == "end_turn"
    text = "".join(b.text for b in answer.content if b.type == "text")
    assert "get_weather says 21C" in text and "get_local_time says 21C" in text


def test_anthropic_tool_results_must_pair_with_tool_uses(anthropic_sdk: anthropic.Anthropic) -> None:
    orphan = [*_user(QUESTION), {"role": "assistant", "content": "Let me check."},
              {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_x", "content": "21C"}]}]
    with pytest.raises(anthropic.BadRequestError, match="unexpected `tool_use_id`"):
        anthropic_sdk.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=orphan, tools=ANTHROPIC_TOOLS)
    unanswered = [*_user(QUESTION),
                  {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather",
                                                     "input": {"location": "Paris", "days": 1}}]},
                  {"role": "user", "content": "and?"}]
    with pytest.raises(anthropic.BadRequestError, match="without `tool_result` blocks"):
        anthropic_sdk.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=unanswered,
                                      tools=ANTHROPIC_TOOLS)


def test_anthropic_count_tokens_includes_tool_definitions(anthropic_sdk: anthropic.Anthropic) -> None:
    plain = anthropic_sdk.messages.count_tokens(model="claude-sonnet-4-5", messages=_user(QUESTION))
    tooled = anthropic_sdk.messages.count_tokens(model="claude-sonnet-4-5", messages=_user(QUESTION),
                                                 tools=ANTHROPIC_TOOLS)
    definitions = default_counter().count_text(tool_definitions_text(ANTHROPIC_TOOLS)).tokens
    assert tooled.input_tokens == plain.input_tokens + definitions
