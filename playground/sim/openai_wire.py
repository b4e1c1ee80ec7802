"""OpenAI Chat Completions on the wire: request parsing, `chat.completion`
and `chat.completion.chunk` objects, `data: [DONE]`, model list.

Shapes follow what the `openai` SDK parses: a stream is `data:` lines of
chunks; a chunk whose JSON has an `error` key makes the SDK raise `APIError`.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from playground.core.catalog import ModelSpec
from playground.core.messages import Message, Role
from playground.sim.errors import SimError
from playground.sim.faults import Api
from playground.sim.generation import Generation
from playground.sim.wire import SimRequest, random_id, sse_data, text_of, validate

OWNED_BY = "routing-playground-sim"
_ROLES: dict[str, Role] = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "tool": "user",
    "function": "user",
    "assistant": "assistant",
}


class _Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None


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


def parse_request(raw: Any) -> SimRequest:
    body = validate(ChatCompletionBody, raw)
    return SimRequest(
        model=body.model,
        messages=tuple(Message(_ROLES[m.role], text_of(m.content)) for m in body.messages),
        max_tokens=body.max_completion_tokens or body.max_tokens,
        stream=bool(body.stream),
        include_usage=bool(body.stream_options and body.stream_options.include_usage),
    )


def bearer_token(headers: Any) -> str | None:
    value: str = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _usage(generation: Generation) -> dict[str, Any]:
    return {
        "prompt_tokens": generation.input_tokens,
        "completion_tokens": generation.output_tokens,
        "total_tokens": generation.input_tokens + generation.output_tokens,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def _finish_reason(generation: Generation) -> str:
    return "length" if generation.truncated else "stop"


class OpenAIDialect:
    api: Api = "openai"

    def __init__(self, model_name: str, include_usage: bool) -> None:
        self.model_name = model_name
        self.include_usage = include_usage
        self.id = random_id("chatcmpl-", 29)
        self.created = int(time.time())

    def _chunk(self, choices: list[dict[str, Any]], **extra: Any) -> bytes:
        return sse_data(
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model_name,
                "system_fingerprint": "fp_sim",
                "choices": choices,
                **extra,
            }
        )

    def _delta(self, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        return self._chunk([{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}])

    def stream_open(self, generation: Generation) -> bytes:
        return b""  # OpenAI sends nothing before the first token

    def stream_chunk(self, index: int, text: str) -> bytes:
        if index == 0:
            return self._delta({"role": "assistant", "content": "", "refusal": None}) + self._delta({"content": text})
        return self._delta({"content": text})

    def stream_close(self, generation: Generation) -> bytes:
        frames = self._delta({}, _finish_reason(generation))
        if self.include_usage:
            frames += self._chunk([], usage=_usage(generation))
        return frames + b"data: [DONE]\n\n"

    def stream_error(self, error: SimError) -> bytes:
        return sse_data(error.openai_body())

    def message(self, generation: Generation) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model_name,
            "system_fingerprint": "fp_sim",
            "service_tier": "default",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": generation.text, "refusal": None, "annotations": []},
                    "logprobs": None,
                    "finish_reason": _finish_reason(generation),
                }
            ],
            "usage": _usage(generation),
        }


def model_list(models: list[ModelSpec], created: int) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": m.sim_name, "object": "model", "created": created, "owned_by": OWNED_BY} for m in models],
    }
