"""OpenAI Chat Completions on the wire: request parsing, `chat.completion`
and `chat.completion.chunk` objects, `data: [DONE]`, model list.

Shapes follow what the `openai` SDK parses: a stream is `data:` lines of
chunks; a chunk whose JSON has an `error` key makes the SDK raise `APIError`.
With `logprobs: true` each chunk carries the entries of its own tokens in
`choices[0].logprobs.content` (the SDK's stream helper concatenates them)
and a non-streaming answer carries them all.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from playground.core.catalog import ModelSpec
from playground.core.messages import Message, Role
from playground.sim.content.embedding_models import EmbeddingModel
from playground.sim.content.generation import Generation
from playground.sim.content.logprobs import MAX_TOP_LOGPROBS, TokenLogprob, by_chunk, token_logprobs
from playground.sim.errors import SimError, bad_request
from playground.sim.faults.plan import Api
from playground.sim.wire.dialect import SimRequest, random_id, sse_data, text_of, validate

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
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=MAX_TOP_LOGPROBS)


def parse_request(raw: Any) -> SimRequest:
    body = validate(ChatCompletionBody, raw)
    if body.top_logprobs is not None and not body.logprobs:
        raise bad_request("Invalid value for 'top_logprobs': 'logprobs' must be set to true when "
                          "'top_logprobs' is used.", param="top_logprobs")
    return SimRequest(
        model=body.model,
        messages=tuple(Message(_ROLES[m.role], text_of(m.content)) for m in body.messages),
        max_tokens=body.max_completion_tokens or body.max_tokens,
        stream=bool(body.stream),
        include_usage=bool(body.stream_options and body.stream_options.include_usage),
        top_logprobs=(body.top_logprobs or 0) if body.logprobs else None,
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


def _entry(token: TokenLogprob) -> dict[str, Any]:
    return {
        "token": token.token,
        "logprob": token.logprob,
        "bytes": list(token.bytes),
        "top_logprobs": [{"token": t.token, "logprob": t.logprob, "bytes": list(t.bytes)} for t in token.top],
    }


def _logprobs(tokens: list[TokenLogprob]) -> dict[str, Any]:
    return {"content": [_entry(t) for t in tokens], "refusal": None}


class OpenAIDialect:
    api: Api = "openai"

    def __init__(self, model_name: str, include_usage: bool, top_logprobs: int | None = None,
                 quality: float = 1.0) -> None:
        """`top_logprobs` None: no logprobs requested; `quality` (the model's
        simulated quality) sets how confident its logprobs look."""
        self.model_name = model_name
        self.include_usage = include_usage
        self.top_logprobs = top_logprobs
        self.quality = quality
        self.heavy = top_logprobs is not None
        self.id = random_id("chatcmpl-", 29)
        self.created = int(time.time())
        self._chunk_logprobs: list[list[TokenLogprob]] = []

    def _token_logprobs(self, generation: Generation) -> list[TokenLogprob]:
        return token_logprobs(generation.text, generation.output_tokens, generation.answer, self.quality,
                              top_logprobs=self.top_logprobs or 0, key=self.model_name)

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

    def _delta(self, delta: dict[str, Any], finish_reason: str | None = None,
               logprobs: dict[str, Any] | None = None) -> bytes:
        return self._chunk([{"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish_reason}])

    def stream_open(self, generation: Generation) -> bytes:
        if self.top_logprobs is not None:
            self._chunk_logprobs = by_chunk(self._token_logprobs(generation), generation.chunks)
        return b""  # OpenAI sends nothing before the first token

    def stream_chunk(self, index: int, text: str) -> bytes:
        logprobs = _logprobs(self._chunk_logprobs[index]) if self.top_logprobs is not None else None
        content = self._delta({"content": text}, logprobs=logprobs)
        if index == 0:
            opening = _logprobs([]) if self.top_logprobs is not None else None
            return self._delta({"role": "assistant", "content": "", "refusal": None}, logprobs=opening) + content
        return content

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
                    "logprobs": (
                        _logprobs(self._token_logprobs(generation)) if self.top_logprobs is not None else None
                    ),
                    "finish_reason": _finish_reason(generation),
                }
            ],
            "usage": _usage(generation),
        }


def model_list(
    models: Sequence[ModelSpec], created: int, embedding_models: Sequence[EmbeddingModel] = ()
) -> dict[str, Any]:
    names = sorted([m.sim_name for m in models] + [m.sim_name for m in embedding_models])
    return {
        "object": "list",
        "data": [{"id": name, "object": "model", "created": created, "owned_by": OWNED_BY} for name in names],
    }
