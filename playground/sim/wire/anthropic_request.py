"""Anthropic Messages requests parsed into the neutral `SimRequest`, checked
the way the real API checks them: text, image (base64 and url sources),
tool_use and tool_result blocks, `tools` and `tool_choice`
(auto / any / tool / none, `disable_parallel_tool_use`), and JSON answers
through `output_config.format` (structured outputs; the beta's
`output_format` too). A JSON answer by a forced tool (`tool_choice` naming
a tool whose `input_schema` is the schema) needs nothing special: that is a
tool call with arguments built from the schema.

Error texts follow the API's where known (e.g. "The request body is not
valid JSON: ..." and the tool_use/tool_result pairing rules, see
https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from playground.core.messages import Message
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

_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
_BLOCK_TYPES = ("text", "image", "tool_use", "tool_result", "document", "thinking", "redacted_thinking",
                "search_result", "server_tool_use", "web_search_tool_result")


class _Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["user", "assistant"]
    content: str | list[Any]


class CountTokensBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[_Message] = Field(min_length=1)
    system: str | list[Any] | None = None
    tools: list[Any] | None = None
    tool_choice: dict[str, Any] | None = None
    output_config: dict[str, Any] | None = None
    output_format: dict[str, Any] | None = None


class MessagesBody(CountTokensBody):
    max_tokens: int = Field(ge=1)
    stream: bool | None = False


def parse_request(raw: Any) -> SimRequest:
    body = validate(MessagesBody, raw)
    return _request(body, body.max_tokens, bool(body.stream))


def parse_count_tokens(raw: Any) -> SimRequest:
    body = validate(CountTokensBody, raw)
    return _request(body, None, False)


def _request(body: CountTokensBody, max_tokens: int | None, stream: bool) -> SimRequest:
    tools, definitions = _tools(body.tools)
    choice, parallel = _tool_choice(body.tool_choice, tools)
    system = [Message("system", text_of(body.system))] if body.system else []
    messages, prompt, image_parts, results = _messages(body.messages)
    return SimRequest(
        model=body.model,
        messages=tuple(system + messages),
        max_tokens=max_tokens,
        stream=stream,
        prompt=prompt,
        features=Features(
            images=image_parts,
            tools=tools,
            tool_choice=choice,
            parallel_tool_calls=parallel,
            tool_results=results,
            output=_output_format(body),
        ),
        tool_text=tool_definitions_text(definitions),
    )


def api_key(headers: Any) -> str | None:
    """`x-api-key`, or a bearer token (the SDK's `auth_token`)."""
    key: str | None = headers.get("x-api-key")
    if key:
        return key
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


# --- tools -------------------------------------------------------------------------------


def _tools(raw: list[Any] | None) -> tuple[tuple[ToolSpec, ...], list[dict[str, Any]]]:
    specs: list[ToolSpec] = []
    definitions: list[dict[str, Any]] = []
    for index, tool in enumerate(raw or []):
        where = f"tools.{index}"
        if not isinstance(tool, dict):
            raise bad_request(f"{where}: Input should be a valid dictionary")
        if tool.get("type") not in (None, "custom"):
            raise bad_request(f"{where}: the simulator does not run server tools ({tool.get('type')!s}); define "
                              "custom tools with name, description and input_schema")
        name = tool.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise bad_request(f"{where}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'")
        schema = tool.get("input_schema")
        if not isinstance(schema, dict):
            raise bad_request(f"{where}.input_schema: Field required")
        if schema.get("type") != "object":
            raise bad_request(f"{where}.input_schema.type: Input should be 'object'")
        try:
            check_schema(schema)
        except SchemaError as exc:
            raise bad_request(f"{where}.input_schema: JSON schema is invalid: {exc}") from None
        description = tool.get("description") if isinstance(tool.get("description"), str) else ""
        specs.append(ToolSpec(name, description or "", schema))
        definitions.append({"name": name, "description": description or "", "input_schema": schema})
    names = [s.name for s in specs]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise bad_request(f"tools: Tool names must be unique (found '{duplicate}' twice)")
    return tuple(specs), definitions


def _tool_choice(raw: dict[str, Any] | None, tools: tuple[ToolSpec, ...]) -> tuple[ToolChoice, bool]:
    if raw is None:
        return ToolChoice("auto"), True
    kind = raw.get("type")
    parallel = raw.get("disable_parallel_tool_use") is not True
    if kind == "auto":
        return ToolChoice("auto"), parallel
    if kind == "none":
        return ToolChoice("none"), parallel
    if kind in ("any", "tool") and not tools:
        raise bad_request(f"tool_choice: tool_choice of type '{kind}' requires tools to be provided")
    if kind == "any":
        return ToolChoice("required"), parallel
    if kind == "tool":
        name = raw.get("name")
        if not isinstance(name, str) or name not in {t.name for t in tools}:
            raise bad_request(f"tool_choice.name: tool '{name!s}' is not among the tools provided")
        return ToolChoice("named", name), parallel
    raise bad_request("tool_choice.type: Input tag found using 'type' does not match any of the expected tags: "
                      "'auto', 'any', 'tool', 'none'")


def _output_format(body: CountTokensBody) -> OutputFormat:
    config = body.output_config.get("format") if isinstance(body.output_config, dict) else None
    raw = config if config is not None else body.output_format
    if raw is None:
        return OutputFormat()
    where = "output_config.format" if config is not None else "output_format"
    if not isinstance(raw, dict) or raw.get("type") != "json_schema" or not isinstance(raw.get("schema"), dict):
        raise bad_request(f"{where}: expected {{\"type\": \"json_schema\", \"schema\": {{...}}}}")
    try:
        check_schema(raw["schema"])
    except SchemaError as exc:
        raise bad_request(f"{where}.schema: JSON schema is invalid: {exc}") from None
    return OutputFormat("json_schema", raw["schema"])


# --- messages ------------------------------------------------------------------------------


def _messages(
    raw: list[_Message],
) -> tuple[list[Message], str, tuple[ImagePart, ...], tuple[ToolResult, ...]]:
    """The turns as text, the prompt (the last text the user wrote), the
    images, and the tool results of the last user turn if it carries any."""
    messages: list[Message] = []
    image_parts: list[ImagePart] = []
    prompt = ""
    uses: dict[str, str] = {}  # tool_use id -> name, from the previous assistant turn
    results: tuple[ToolResult, ...] = ()
    for index, message in enumerate(raw):
        blocks = [{"type": "text", "text": message.content}] if isinstance(message.content, str) else message.content
        texts: list[str] = []
        turn_results: list[ToolResult] = []
        turn_uses: dict[str, str] = {}
        for position, block in enumerate(blocks):
            where = f"messages.{index}.content.{position}"
            kind = block.get("type") if isinstance(block, dict) else None
            if kind not in _BLOCK_TYPES:
                raise bad_request(f"{where}: Input tag {dumps(kind)} found using 'type' does not match any of the "
                                  "expected tags")
            assert isinstance(block, dict)
            if kind == "text":
                if not isinstance(block.get("text"), str):
                    raise bad_request(f"{where}.text: Field required")
                texts.append(block["text"])
            elif kind == "image":
                image_parts.append(_image(block.get("source"), where))
            elif kind == "tool_use" and message.role == "assistant":
                turn_uses[_tool_use(block, where)] = block["name"]
                texts.append(f"{block['name']}({dumps(block.get('input', {}))})")
            elif kind == "tool_result" and message.role == "user":
                result = _tool_result(block, where, uses)
                turn_results.append(result)
                texts.append(result.content)
                image_parts.extend(_result_images(block, where))
            elif kind in ("tool_use", "tool_result"):
                raise bad_request(f"{where}: {kind} blocks are only allowed in "
                                  f"{'assistant' if kind == 'tool_use' else 'user'} messages")
        _check_answered(index, uses, turn_results, message.role)
        uses = turn_uses
        text = "\n".join(texts)
        if message.role == "user":
            results = tuple(turn_results)
            own_text = "\n".join(b["text"] for b in blocks if isinstance(b, dict) and b.get("type") == "text")
            if own_text.strip():
                prompt = own_text
        messages.append(Message(message.role, text))
    if raw and raw[-1].role == "assistant":
        results = ()
    return messages, prompt, tuple(image_parts), results


def _tool_use(block: dict[str, Any], where: str) -> str:
    if not isinstance(block.get("id"), str) or not isinstance(block.get("name"), str):
        raise bad_request(f"{where}: tool_use blocks need a string id and name")
    return block["id"]


def _tool_result(block: dict[str, Any], where: str, uses: dict[str, str]) -> ToolResult:
    call_id = block.get("tool_use_id")
    if not isinstance(call_id, str) or call_id not in uses:
        raise bad_request(f"{where}: unexpected `tool_use_id` found in `tool_result` blocks: {call_id!s}. Each "
                          "`tool_result` block must have a corresponding `tool_use` block in the previous message.")
    content = block.get("content", "")
    return ToolResult(call_id, uses[call_id], text_of(content if isinstance(content, str | list) else ""),
                      block.get("is_error") is True)


def _result_images(block: dict[str, Any], where: str) -> list[ImagePart]:
    content = block.get("content")
    if not isinstance(content, list):
        return []
    return [_image(part.get("source"), f"{where}.content.{i}") for i, part in enumerate(content)
            if isinstance(part, dict) and part.get("type") == "image"]


def _check_answered(index: int, uses: dict[str, str], results: list[ToolResult], role: str) -> None:
    """Every tool_use of the previous (assistant) turn needs a tool_result in this one."""
    if not uses:
        return
    missing = sorted(set(uses) - {r.call_id for r in results}) if role == "user" else sorted(uses)
    if missing:
        raise bad_request(f"messages.{index - 1}: `tool_use` ids were found without `tool_result` blocks immediately "
                          f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding "
                          "`tool_result` block in the next message.")


def _image(source: Any, where: str) -> ImagePart:
    if not isinstance(source, dict):
        raise bad_request(f"{where}.image.source: Field required")
    kind = source.get("type")
    if kind == "url":
        url = source.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise bad_request(f"{where}.image.source.url: expected an http or https URL")
        return ImagePart("url", media_type=None, width=None, height=None, size_bytes=None, where=where, url=url)
    if kind != "base64":
        raise bad_request(f"{where}.image.source: Input tag {dumps(kind)} found using 'type' does not match any of "
                          "the expected tags: 'base64', 'url' (the simulator has no Files API)")
    media_type = source.get("media_type")
    if media_type not in images.MEDIA_TYPES:
        raise bad_request(f"{where}.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', "
                          "'image/gif' or 'image/webp'")
    data = source.get("data")
    if not isinstance(data, str):
        raise bad_request(f"{where}.image.source.base64.data: Field required")
    try:
        raw = images.decode_base64(data, f"{where}.image.source.base64.data")
        if len(raw) > images.ANTHROPIC_MAX_IMAGE_BYTES:
            raise images.ImageError(f"{where}.image.source.base64: image exceeds 5 MB maximum: {len(raw)} bytes > "
                                    f"{images.ANTHROPIC_MAX_IMAGE_BYTES} bytes")
        decoded = images.inspect(raw, f"{where}.image.source.base64.data", declared=media_type)
    except images.ImageError as exc:
        raise _bad_image(str(exc)) from None
    if max(decoded.width, decoded.height) > images.ANTHROPIC_MAX_SIDE_PX:
        raise _bad_image(f"{where}.image.source.base64: image dimensions exceed max allowed size: "
                         f"{images.ANTHROPIC_MAX_SIDE_PX} pixels")
    return ImagePart("data", decoded.media_type, decoded.width, decoded.height, decoded.size_bytes, where)


def _bad_image(message: str) -> SimError:
    return bad_request(message)
