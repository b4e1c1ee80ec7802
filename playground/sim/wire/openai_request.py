"""OpenAI Chat Completions requests parsed into the neutral `SimRequest`,
checked the way the real API checks them (same messages, params and codes
where known): messages with text, image and tool parts, tools and
`tool_choice`, `response_format` (JSON mode and JSON Schema), `n`,
`stream_options` and logprobs.

`n` other than 1 is refused with a 400 (code `unsupported_value`): the
simulator answers one choice per request; send the request again for more.

Sources for the error texts quoted here: OpenAI API responses as reported in
public issues, e.g. https://github.com/BerriAI/litellm/issues/5803
(stream_options), https://github.com/vllm-project/vllm/issues/11629
(image_url on a model without vision).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from playground.core.messages import Message, Role
from playground.sim.content.logprobs import MAX_TOP_LOGPROBS
from playground.sim.errors import SimError, bad_request
from playground.sim.features import images
from playground.sim.features.schema_checks import SchemaError, check_schema
from playground.sim.features.types import (
    Features,
    ImagePart,
    OutputFormat,
    ToolChoice,
    ToolResult,
    ToolSpec,
)
from playground.sim.wire.dialect import SimRequest, dumps, text_of, tool_definitions_text, validate

MAX_TOOLS = 128
MAX_N = 128
_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_PART_TYPES = ("text", "image_url", "input_audio", "refusal", "audio", "file")
_ROLES: dict[str, Role] = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}
_EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}


class _Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[Any] | None = None
    tool_calls: list[Any] | None = None
    tool_call_id: str | None = None
    name: str | None = None


class _StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatCompletionBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[_Message] = Field(min_length=1)
    stream: bool | None = False
    stream_options: _StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=MAX_TOP_LOGPROBS)
    n: int | None = None
    tools: list[Any] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    response_format: dict[str, Any] | None = None


def parse_request(raw: Any) -> SimRequest:
    body = validate(ChatCompletionBody, raw)
    if body.top_logprobs is not None and not body.logprobs:
        raise bad_request("Invalid value for 'top_logprobs': 'logprobs' must be set to true when "
                          "'top_logprobs' is used.", param="top_logprobs")
    if body.stream_options is not None and not body.stream:
        raise bad_request("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                          param="stream_options")
    _check_n(body.n)
    tools = _tools(body.tools)
    choice = _tool_choice(body.tool_choice, tools)
    messages, prompt, image_parts, results = _messages(body.messages)
    output = _response_format(body.response_format, messages)
    return SimRequest(
        model=body.model,
        messages=messages,
        max_tokens=body.max_completion_tokens or body.max_tokens,
        stream=bool(body.stream),
        include_usage=bool(body.stream_options and body.stream_options.include_usage),
        top_logprobs=(body.top_logprobs or 0) if body.logprobs else None,
        prompt=prompt,
        features=Features(
            images=image_parts,
            tools=tools,
            tool_choice=choice,
            parallel_tool_calls=body.parallel_tool_calls is not False,
            tool_results=results,
            output=output,
        ),
        tool_text=tool_definitions_text([_definition(t) for t in tools]),
    )


def _check_n(n: int | None) -> None:
    if n is None or n == 1:
        return
    if n < 1:
        raise bad_request(f"Invalid 'n': integer below minimum value. Expected a value >= 1, but got {n} instead.",
                          param="n", code="integer_below_min_value")
    if n > MAX_N:
        raise bad_request(f"Invalid 'n': integer above maximum value. Expected a value <= {MAX_N}, but got {n} "
                          "instead.", param="n", code="integer_above_max_value")
    raise bad_request(f"Unsupported value: 'n' does not support {n} with this model (the simulator answers one "
                      "choice per request). Only the default (1) value is supported.", param="n",
                      code="unsupported_value")


# --- tools -------------------------------------------------------------------------------


def _tools(raw: list[Any] | None) -> tuple[ToolSpec, ...]:
    if not raw:
        return ()
    if len(raw) > MAX_TOOLS:
        raise bad_request(f"Invalid 'tools': array too long. Expected an array with maximum length {MAX_TOOLS}, but "
                          f"got an array with length {len(raw)} instead.", param="tools", code="array_above_max_length")
    specs: list[ToolSpec] = []
    for index, tool in enumerate(raw):
        where = f"tools[{index}]"
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(tool.get("function"), dict):
            raise bad_request(f"Invalid value for '{where}': each tool must be {{\"type\": \"function\", "
                              "\"function\": {...}} (the simulator serves function tools).", param=where)
        function = tool["function"]
        name = function.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise bad_request(f"Invalid '{where}.function.name': string does not match pattern. Expected a string "
                              "that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.", param=f"{where}.function.name",
                              code="invalid_value")
        description = function.get("description") or ""
        parameters = function.get("parameters", _EMPTY_PARAMETERS)
        _check_parameters(name, parameters, f"{where}.function.parameters")
        specs.append(ToolSpec(name, description if isinstance(description, str) else "", parameters))
    names = [s.name for s in specs]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise bad_request(f"Invalid 'tools': duplicate function name '{duplicate}'.", param="tools")
    return tuple(specs)


def _check_parameters(name: str, parameters: Any, param: str) -> None:
    if not isinstance(parameters, dict):
        raise bad_request(f"Invalid schema for function '{name}': schema must be a JSON object.", param=param,
                          code="invalid_function_parameters")
    if parameters.get("type", "object") != "object":
        raise bad_request(f"Invalid schema for function '{name}': schema must be a JSON Schema of 'type: \"object\"', "
                          f"got 'type: {dumps(parameters.get('type'))}'.", param=param,
                          code="invalid_function_parameters")
    try:
        check_schema(parameters)
    except SchemaError as exc:
        raise bad_request(f"Invalid schema for function '{name}': {exc}.", param=param,
                          code="invalid_function_parameters") from None


def _definition(tool: ToolSpec) -> dict[str, Any]:
    return {"type": "function", "function": {"name": tool.name, "description": tool.description,
                                             "parameters": tool.parameters}}


def _tool_choice(raw: str | dict[str, Any] | None, tools: tuple[ToolSpec, ...]) -> ToolChoice:
    if raw is None:
        return ToolChoice("auto")
    if not tools:
        raise bad_request("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
                          "specified.", param="tool_choice")
    if isinstance(raw, str):
        if raw not in ("none", "auto", "required"):
            raise bad_request(f"Invalid value: '{raw}'. Supported values are: 'none', 'auto', and 'required'.",
                              param="tool_choice", code="invalid_value")
        return ToolChoice(raw)  # type: ignore[arg-type]
    function = raw.get("function")
    name = function.get("name") if isinstance(function, dict) else None
    if raw.get("type") != "function" or not isinstance(name, str):
        raise bad_request("Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or "
                          "{\"type\": \"function\", \"function\": {\"name\": ...}}.", param="tool_choice")
    if name not in {t.name for t in tools}:
        raise bad_request(f"Invalid value for 'tool_choice': function '{name}' is not one of the 'tools'.",
                          param="tool_choice")
    return ToolChoice("named", name)


# --- messages ------------------------------------------------------------------------------


def _messages(
    raw: list[_Message],
) -> tuple[tuple[Message, ...], str, tuple[ImagePart, ...], tuple[ToolResult, ...]]:
    """The messages as text, the prompt (the last user text), the images,
    and the tool results the conversation ends with (after the last
    assistant turn)."""
    messages: list[Message] = []
    image_parts: list[ImagePart] = []
    prompt = ""
    calls: dict[str, str] = {}  # tool_call_id -> function name, from assistant turns
    pending: set[str] = set()  # calls of the last assistant turn still without a result
    results: list[ToolResult] = []
    for index, message in enumerate(raw):
        role = message.role
        if role in ("tool", "function"):
            result = _tool_result(index, message, calls, pending)
            results.append(result)
            messages.append(Message("user", result.content))
            continue
        if pending:
            raise _unanswered(pending)
        results = []
        text, parts = _content(index, message.content)
        image_parts.extend(parts)
        if role == "assistant":
            text = "\n".join([text, *_assistant_calls(index, message.tool_calls, calls, pending)]).strip()
        elif role == "user":
            prompt = text
        messages.append(Message(_ROLES[role], text))
    if pending:
        raise _unanswered(pending)
    return tuple(messages), prompt, tuple(image_parts), tuple(results)


def _unanswered(pending: set[str]) -> SimError:
    return bad_request("An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                       "'tool_call_id'. The following tool_call_ids did not have response messages: "
                       + ", ".join(sorted(pending)), param="messages", code="invalid_request")


def _tool_result(index: int, message: _Message, calls: dict[str, str], pending: set[str]) -> ToolResult:
    if message.role == "function":  # the deprecated form: named, no id
        return ToolResult("", message.name or "", text_of(message.content))
    call_id = message.tool_call_id
    if not call_id:
        raise bad_request("Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.",
                          param=f"messages.[{index}].tool_call_id", code="missing_required_parameter")
    if call_id not in calls:
        raise bad_request("Invalid parameter: messages with role 'tool' must be a response to a preceeding message "
                          "with 'tool_calls'.", param=f"messages.[{index}].role")
    pending.discard(call_id)
    return ToolResult(call_id, calls[call_id], text_of(message.content))


def _assistant_calls(index: int, raw: list[Any] | None, calls: dict[str, str], pending: set[str]) -> list[str]:
    """Record an assistant turn's tool calls; their text, for counting."""
    texts: list[str] = []
    for position, call in enumerate(raw or []):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(call.get("id"), str) or \
                not isinstance(function.get("name"), str):
            raise bad_request(f"Invalid 'messages[{index}].tool_calls[{position}]': expected {{\"id\", \"type\": "
                              "\"function\", \"function\": {\"name\", \"arguments\"}}.",
                              param=f"messages.[{index}].tool_calls.[{position}]")
        calls[call["id"]] = function["name"]
        pending.add(call["id"])
        arguments = function.get("arguments")
        texts.append(f"{function['name']}({arguments if isinstance(arguments, str) else ''})")
    return texts


def _content(index: int, content: str | list[Any] | None) -> tuple[str, list[ImagePart]]:
    if content is None or isinstance(content, str):
        return content or "", []
    texts: list[str] = []
    found: list[ImagePart] = []
    for position, part in enumerate(content):
        where = f"messages.[{index}].content.[{position}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in _PART_TYPES:
            raise bad_request(f"Invalid value: {dumps(kind)}. Supported values are: 'text', 'image_url', "
                              "'input_audio', 'refusal', 'audio', and 'file'.", param=f"{where}.type",
                              code="invalid_value")
        assert isinstance(part, dict)
        if kind == "text":
            if not isinstance(part.get("text"), str):
                raise bad_request(f"Missing required parameter: '{where}.text'.", param=f"{where}.text",
                                  code="missing_required_parameter")
            texts.append(part["text"])
        elif kind == "image_url":
            found.append(_image(part.get("image_url"), where))
    return "\n".join(texts), found


def _image(raw: Any, where: str) -> ImagePart:
    url = raw.get("url") if isinstance(raw, dict) else None
    if not isinstance(url, str):
        raise bad_request(f"Missing required parameter: '{where}.image_url.url'.", param=f"{where}.image_url.url",
                          code="missing_required_parameter")
    detail = raw.get("detail", "auto") if isinstance(raw, dict) else "auto"
    if detail not in ("auto", "low", "high"):
        raise bad_request(f"Invalid value: {dumps(detail)}. Supported values are: 'auto', 'low', and 'high'.",
                          param=f"{where}.image_url.detail", code="invalid_value")
    type_param = f"{where}.type"
    if url.startswith(("http://", "https://")):
        return ImagePart("url", media_type=None, width=None, height=None, size_bytes=None, where=type_param,
                         detail=detail, url=url)
    if not url.startswith("data:"):
        raise _bad_image("Invalid 'image_url': expected a URL (http or https) or a base64 data URL.", where,
                         "invalid_image_url")
    try:
        _, data = images.parse_data_url(url, where)  # OpenAI reads the bytes, not the declared type
        if len(data) > images.OPENAI_MAX_IMAGE_BYTES:
            raise images.ImageError(f"{where}: the image is larger than 20 MB")
        decoded = images.inspect(data, where)
    except images.ImageError as exc:
        raise _bad_image(f"You uploaded an unsupported image ({exc}). Please make sure your image is below 20 MB in "
                         "size and is of one the following formats: ['png', 'jpeg', 'gif', 'webp'].", where,
                         "invalid_image_format") from None
    return ImagePart("data", decoded.media_type, decoded.width, decoded.height, decoded.size_bytes, type_param, detail)


def _bad_image(message: str, where: str, code: str) -> SimError:
    return bad_request(message, param=f"{where}.image_url.url", code=code)


# --- response_format -------------------------------------------------------------------------


def _response_format(raw: dict[str, Any] | None, messages: tuple[Message, ...]) -> OutputFormat:
    if raw is None:
        return OutputFormat()
    kind = raw.get("type")
    if kind == "text":
        return OutputFormat()
    if kind == "json_object":
        if not any("json" in m.content.lower() for m in messages):
            raise bad_request("'messages' must contain the word 'json' in some form, to use 'response_format' of "
                              "type 'json_object'.", param="messages")
        return OutputFormat("json_object")
    if kind == "json_schema":
        spec = raw.get("json_schema")
        if not isinstance(spec, dict):
            raise bad_request("Missing required parameter: 'response_format.json_schema'.",
                              param="response_format.json_schema", code="missing_required_parameter")
        name = spec.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise bad_request("Invalid 'response_format.json_schema.name': expected a string that matches the "
                              "pattern '^[a-zA-Z0-9_-]{1,64}$'.", param="response_format.json_schema.name",
                              code="invalid_value")
        schema = spec.get("schema", {})
        try:
            check_schema(schema)
        except SchemaError as exc:
            raise bad_request(f"Invalid schema for response_format '{name}': {exc}.",
                              param="response_format", code="invalid_json_schema") from None
        return OutputFormat("json_schema", schema if isinstance(schema, dict) else {}, name)
    raise bad_request(f"Invalid value: {dumps(kind)}. Supported values are: 'text', 'json_object', and "
                      "'json_schema'.", param="response_format.type", code="invalid_value")
