"""Turn what callers pass (a prompt, OpenAI-style dicts, `Message`s) into
the engine's `ChatRequest`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypedDict

from playground.core.images import load_image
from playground.core.messages import ChatRequest, ImageInput, Message, ResponseFormat, ToolDef
from playground.core.request_files import parse_schema, parse_tool_choice, parse_tools

# A plain prompt, OpenAI-style {"role", "content"} dicts, `Message`s, or a
# ready `ChatRequest` (used as is).
Messages = str | Iterable[Mapping[str, Any] | Message] | ChatRequest



class RequestExtras(TypedDict, total=False):
    """What a request may carry beyond text (the CLI's `--image`, `--tools`,
    `--tool-choice`, `--schema`). Routing then only picks models that can
    serve it."""

    images: Sequence[str | os.PathLike[str] | ImageInput]  # files, or images already read
    tools: Sequence[Mapping[str, Any] | ToolDef]  # OpenAI / Anthropic tool dicts
    tool_choice: str  # auto, none, required or a tool's name
    schema: Mapping[str, Any]  # the answer must match this JSON Schema
    json_mode: bool  # the answer must be a JSON object


_ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}


def to_request(messages: Messages, *, max_tokens: int = 1024, system: str | None = None, user: str | None = None,
               session_id: str | None = None, temperature: float | None = None,
               **extras: Any) -> ChatRequest:
    """Build the engine's request. `user` / `session_id` become the request
    metadata (`user`, `session`) an A/B test keeps callers sticky by;
    `extras` are `RequestExtras` (images join the last user message)."""
    if isinstance(messages, ChatRequest):
        return with_extras(messages, extras) if extras else messages
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise ValueError(f"max_tokens must be a positive integer, not {max_tokens!r}")
    parsed: list[Message] = [Message("system", system)] if system else []
    if isinstance(messages, str):
        parsed.append(Message("user", messages))
    else:
        for index, item in enumerate(messages):
            parsed.append(_message(item, index))
    if not any(m.role == "user" for m in parsed):
        raise ValueError("messages need at least one user message")
    metadata = {k: v for k, v in (("user", user), ("session", session_id)) if v}
    request = ChatRequest(messages=tuple(parsed), max_output_tokens=max_tokens, temperature=temperature,
                          metadata=metadata)
    return with_extras(request, extras) if extras else request


def with_extras(request: ChatRequest, extras: Mapping[str, Any]) -> ChatRequest:
    """The request with `RequestExtras` read and checked (`UserError` naming
    the file or key otherwise)."""
    unknown = set(extras) - set(RequestExtras.__annotations__)
    if unknown:
        raise TypeError(f"unknown request keys {', '.join(sorted(unknown))}; known: "
                        f"{', '.join(RequestExtras.__annotations__)}")
    images = tuple(i if isinstance(i, ImageInput) else load_image(i) for i in extras.get("images", ()))
    raw_tools = list(extras.get("tools", ()))
    tools = tuple(t for t in raw_tools if isinstance(t, ToolDef))
    if len(tools) != len(raw_tools):
        tools += parse_tools([t for t in raw_tools if not isinstance(t, ToolDef)], "tools")
    choice = extras.get("tool_choice")
    response_format = request.response_format
    if extras.get("schema") is not None:
        response_format = parse_schema(extras["schema"], "schema")
    elif extras.get("json_mode"):
        response_format = ResponseFormat("json_object")
    messages = list(request.messages)
    if images:
        last = max(i for i, m in enumerate(messages) if m.role == "user")
        messages[last] = replace(messages[last], images=messages[last].images + images)
    return replace(request, messages=tuple(messages), tools=request.tools + tools,
                   tool_choice=parse_tool_choice(choice, tools, "tool_choice") if choice else request.tool_choice,
                   response_format=response_format)


def _message(item: Mapping[str, Any] | Message, index: int) -> Message:
    if isinstance(item, Message):
        return item
    if not isinstance(item, Mapping):
        raise TypeError(f"messages[{index}] must be a {{'role', 'content'}} dict, not {type(item).__name__}")
    role = _ROLES.get(str(item.get("role", "")))
    if role is None:
        raise ValueError(f"messages[{index}]: role {item.get('role')!r} is not supported; "
                         f"use one of {', '.join(_ROLES)}")
    content = item.get("content")
    if isinstance(content, list):  # OpenAI content parts: text only
        texts = []
        for part in content:
            if not isinstance(part, Mapping) or part.get("type") != "text":
                kind = part.get("type") if isinstance(part, Mapping) else type(part).__name__
                raise ValueError(f"messages[{index}]: only text content parts are supported, not {kind!r}")
            texts.append(str(part.get("text", "")))
        content = "".join(texts)
    if not isinstance(content, str):
        raise TypeError(f"messages[{index}].content must be a string or a list of text parts")
    return Message(role, content)  # type: ignore[arg-type]
