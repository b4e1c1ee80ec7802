"""Anthropic Messages on the wire: request parsing, the `message` object and
the streaming event sequence.

The `anthropic` SDK ignores SSE events without an `event:` line and skips
`ping`; an `event: error` mid-stream becomes an `APIStatusError` with the
HTTP status of the stream (200) and the error's `type`. The stream helper
builds its snapshot from `message_start` (usage.input_tokens) and overwrites
usage.output_tokens from `message_delta`, so both must carry usage.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from playground.core.catalog import ModelSpec
from playground.core.messages import Message
from playground.sim.content.generation import Generation
from playground.sim.errors import SimError
from playground.sim.faults.plan import Api
from playground.sim.wire.dialect import SimRequest, random_id, sse_event, text_of, validate

_CACHE_USAGE = {"cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


class _Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["user", "assistant"]
    content: str | list[dict[str, Any]]


class CountTokensBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[_Message] = Field(min_length=1)
    system: str | list[dict[str, Any]] | None = None


class MessagesBody(CountTokensBody):
    max_tokens: int = Field(ge=1)
    stream: bool | None = False


def _messages(body: CountTokensBody) -> tuple[Message, ...]:
    system = [Message("system", text_of(body.system))] if body.system else []
    return tuple(system + [Message(m.role, text_of(m.content)) for m in body.messages])


def parse_request(raw: Any) -> SimRequest:
    body = validate(MessagesBody, raw)
    return SimRequest(model=body.model, messages=_messages(body), max_tokens=body.max_tokens, stream=bool(body.stream))


def parse_count_tokens(raw: Any) -> tuple[str, tuple[Message, ...]]:
    body = validate(CountTokensBody, raw)
    return body.model, _messages(body)


def api_key(headers: Any) -> str | None:
    """`x-api-key`, or a bearer token (the SDK's `auth_token`)."""
    key: str | None = headers.get("x-api-key")
    if key:
        return key
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _stop_reason(generation: Generation) -> str:
    return "max_tokens" if generation.truncated else "end_turn"


class AnthropicDialect:
    api: Api = "anthropic"
    heavy = False

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name
        self.id = random_id("msg_sim_")

    def _message(self, content: list[dict[str, Any]], stop_reason: str | None, usage: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "message",
            "role": "assistant",
            "model": self.model_name,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage,
        }

    def stream_open(self, generation: Generation) -> bytes:
        # Like the real API, message_start reports output_tokens 1 before any text.
        usage = {"input_tokens": generation.input_tokens, "output_tokens": 1, **_CACHE_USAGE}
        return (
            sse_event("message_start", {"type": "message_start", "message": self._message([], None, usage)})
            + sse_event(
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            )
            + sse_event("ping", {"type": "ping"})
        )

    def stream_chunk(self, index: int, text: str) -> bytes:
        return sse_event(
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
        )

    def stream_close(self, generation: Generation) -> bytes:
        usage = {"input_tokens": generation.input_tokens, "output_tokens": generation.output_tokens, **_CACHE_USAGE}
        return (
            sse_event("content_block_stop", {"type": "content_block_stop", "index": 0})
            + sse_event(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": _stop_reason(generation), "stop_sequence": None},
                    "usage": usage,
                },
            )
            + sse_event("message_stop", {"type": "message_stop"})
        )

    def stream_error(self, error: SimError) -> bytes:
        return sse_event("error", error.anthropic_body())

    def message(self, generation: Generation) -> dict[str, Any]:
        usage = {"input_tokens": generation.input_tokens, "output_tokens": generation.output_tokens, **_CACHE_USAGE}
        return self._message([{"type": "text", "text": generation.text}], _stop_reason(generation), usage)


def model_list(models: list[ModelSpec], created: int) -> dict[str, Any]:
    created_at = datetime.fromtimestamp(created, UTC).isoformat().replace("+00:00", "Z")
    data = [
        {
            "type": "model",
            "id": m.sim_name,
            "display_name": f"{m.id} (simulated)",
            "created_at": created_at,
            "lifecycle": "active",
            "max_input_tokens": m.context_window,
            "max_tokens": m.max_output_tokens,
        }
        for m in models
    ]
    return {
        "data": data,
        "has_more": False,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }
