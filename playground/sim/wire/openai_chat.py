"""OpenAI Chat Completions responses on the wire: `chat.completion` and
`chat.completion.chunk` objects, `data: [DONE]`, the model list.

Shapes follow what the `openai` SDK parses: a stream is `data:` lines of
chunks; a chunk whose JSON has an `error` key makes the SDK raise `APIError`.
With `logprobs: true` each chunk carries the entries of its own tokens in
`choices[0].logprobs.content` (the SDK's stream helper concatenates them)
and a non-streaming answer carries them all. A tool call streams as a delta
naming it (`tool_calls[i]` with `id`, `type`, `function.name` and empty
arguments), then deltas with fragments of `function.arguments`; the turn
ends with `finish_reason: "tool_calls"`. Requests are parsed in
`openai_request.py`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from playground.sim.content.embedding_models import EmbeddingModel
from playground.sim.content.generation import Generation, Piece
from playground.sim.content.logprobs import TokenLogprob, by_chunk, token_logprobs
from playground.sim.errors import SimError
from playground.sim.faults.plan import Api
from playground.sim.wire.dialect import StringFrame, random_id, sse_data, string_frame

OWNED_BY = "routing-playground-sim"
TOOL_CALL_ID_PREFIX = "call_"


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
    if generation.truncated:
        return "length"
    return "tool_calls" if generation.tool_calls else "stop"


def _entry(token: TokenLogprob) -> dict[str, Any]:
    return {
        "token": token.token,
        "logprob": token.logprob,
        "bytes": list(token.bytes),
        "top_logprobs": [{"token": t.token, "logprob": t.logprob, "bytes": list(t.bytes)} for t in token.top],
    }


def _logprobs(tokens: list[TokenLogprob]) -> dict[str, Any]:
    return {"content": [_entry(t) for t in tokens], "refusal": None}


def _tool_call(call_index: int, generation: Generation) -> dict[str, Any]:
    call = generation.tool_calls[call_index]
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


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
        self._started = False
        # Templates of the frames sent per chunk (text; arguments by call index),
        # built on first use: per chunk only the delta's string is encoded.
        self._text_frame: StringFrame | None = None
        self._argument_frames: dict[int, StringFrame] = {}

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
        if self.top_logprobs is not None and generation.has_text:
            self._chunk_logprobs = by_chunk(self._token_logprobs(generation), generation.chunks)
        return b""  # OpenAI sends nothing before the first token

    def stream_piece(self, index: int, piece: Piece, generation: Generation) -> bytes:
        opening = b""
        if not self._started:
            self._started = True
            logprobs = _logprobs([]) if self.top_logprobs is not None and generation.has_text else None
            content = "" if generation.has_text else None
            opening = self._delta({"role": "assistant", "content": content, "refusal": None}, logprobs=logprobs)
        if generation.has_text and piece.block == 0:
            if self.top_logprobs is not None:
                return opening + self._delta({"content": piece.text}, logprobs=_logprobs(self._chunk_logprobs[index]))
            if self._text_frame is None:
                self._text_frame = string_frame(self._text_delta)
            return opening + self._text_frame.render(piece.text)
        call_index = piece.block - (1 if generation.has_text else 0)
        if piece.opens:
            call = generation.tool_calls[call_index]
            header = {"index": call_index, "id": call.id, "type": "function",
                      "function": {"name": call.name, "arguments": ""}}
            return opening + self._delta({"tool_calls": [header]})
        frame = self._argument_frames.get(call_index)
        if frame is None:
            frame = string_frame(lambda text: self._arguments_delta(call_index, text))
            self._argument_frames[call_index] = frame
        return opening + frame.render(piece.text)

    # The reference encoders of the per-chunk frames (their templates' source).
    def _text_delta(self, text: str) -> bytes:
        return self._delta({"content": text})

    def _arguments_delta(self, call_index: int, text: str) -> bytes:
        return self._delta({"tool_calls": [{"index": call_index, "function": {"arguments": text}}]})

    def stream_close(self, generation: Generation) -> bytes:
        frames = b""
        if not self._started:  # an empty answer still says who speaks
            frames = self._delta({"role": "assistant", "content": "", "refusal": None})
        frames += self._delta({}, _finish_reason(generation))
        if self.include_usage:
            frames += self._chunk([], usage=_usage(generation))
        return frames + b"data: [DONE]\n\n"

    def stream_error(self, error: SimError) -> bytes:
        return sse_data(error.openai_body())

    def message(self, generation: Generation) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": generation.text if generation.has_text else None,
            "refusal": None,
            "annotations": [],
        }
        if generation.tool_calls:
            message["tool_calls"] = [_tool_call(i, generation) for i in range(len(generation.tool_calls))]
        logprobs = None
        if self.top_logprobs is not None and generation.has_text:
            logprobs = _logprobs(self._token_logprobs(generation))
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model_name,
            "system_fingerprint": "fp_sim",
            "service_tier": "default",
            "choices": [{"index": 0, "message": message, "logprobs": logprobs,
                         "finish_reason": _finish_reason(generation)}],
            "usage": _usage(generation),
        }


def model_list(names: Sequence[str], created: int, embedding_models: Sequence[EmbeddingModel] = ()) -> dict[str, Any]:
    """Every served chat model name (sim- and catalog ids) and embedding model."""
    listed = sorted({*names, *(m.sim_name for m in embedding_models), *(m.id for m in embedding_models)})
    return {
        "object": "list",
        "data": [{"id": name, "object": "model", "created": created, "owned_by": OWNED_BY} for name in listed],
    }
