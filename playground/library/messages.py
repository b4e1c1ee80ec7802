"""Turn what callers pass (a prompt, OpenAI-style dicts, `Message`s) into
the engine's `ChatRequest`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from playground.core.messages import ChatRequest, Message

# A plain prompt, OpenAI-style {"role", "content"} dicts, `Message`s, or a
# ready `ChatRequest` (used as is).
Messages = str | Iterable[Mapping[str, Any] | Message] | ChatRequest

_ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}


def to_request(messages: Messages, *, max_tokens: int = 1024, system: str | None = None, user: str | None = None,
               session_id: str | None = None, temperature: float | None = None) -> ChatRequest:
    """Build the engine's request. `user` / `session_id` become the request
    metadata (`user`, `session`) an A/B test keeps callers sticky by."""
    if isinstance(messages, ChatRequest):
        return messages
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
    return ChatRequest(messages=tuple(parsed), max_output_tokens=max_tokens, temperature=temperature, metadata=metadata)


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
