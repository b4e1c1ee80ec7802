"""Anthropic Messages responses on the wire: the `message` object and the
streaming event sequence. Requests are parsed in `anthropic_request.py`.

The `anthropic` SDK ignores SSE events without an `event:` line and skips
`ping`; an `event: error` mid-stream becomes an `APIStatusError` with the
HTTP status of the stream (200) and the error's `type`. The stream helper
builds its snapshot from `message_start` (usage.input_tokens) and overwrites
usage.output_tokens from `message_delta`, so both must carry usage. A tool
call is a `tool_use` content block: `content_block_start` with its id and
name and empty input, `input_json_delta` events with fragments of the JSON
input, `content_block_stop`; the turn ends with `stop_reason: "tool_use"`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from playground.sim.content.generation import Generation, Piece
from playground.sim.errors import SimError
from playground.sim.faults.plan import Api
from playground.sim.wire.dialect import StringFrame, random_id, sse_event, string_frame

TOOL_CALL_ID_PREFIX = "toolu_"
_CACHE_USAGE = {"cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def _stop_reason(generation: Generation) -> str:
    if generation.truncated:
        return "max_tokens"
    return "tool_use" if generation.tool_calls else "end_turn"


def _input(arguments: str) -> Any:
    """A tool call's input as an object (a call cut at max_tokens: what parses, else {})."""
    try:
        value = json.loads(arguments)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class AnthropicDialect:
    api: Api = "anthropic"
    heavy = False

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name
        self.id = random_id("msg_sim_")
        self._open_block: int | None = None
        # Templates of the per-chunk delta frames by block, built on first use.
        self._delta_frames: dict[int, StringFrame] = {}

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

    def _start(self, block: int, content_block: dict[str, Any]) -> bytes:
        frames = self._stop_open()
        self._open_block = block
        return frames + sse_event(
            "content_block_start", {"type": "content_block_start", "index": block, "content_block": content_block}
        )

    def _stop_open(self) -> bytes:
        if self._open_block is None:
            return b""
        block, self._open_block = self._open_block, None
        return sse_event("content_block_stop", {"type": "content_block_stop", "index": block})

    def stream_open(self, generation: Generation) -> bytes:
        # Like the real API, message_start reports output_tokens 1 before any text.
        usage = {"input_tokens": generation.input_tokens, "output_tokens": 1, **_CACHE_USAGE}
        frames = sse_event("message_start", {"type": "message_start", "message": self._message([], None, usage)})
        if generation.has_text:
            frames += self._start(0, {"type": "text", "text": ""})
        return frames + sse_event("ping", {"type": "ping"})

    def stream_piece(self, index: int, piece: Piece, generation: Generation) -> bytes:
        text_block = generation.has_text and piece.block == 0
        if piece.opens and not text_block:
            call = generation.tool_calls[piece.block - (1 if generation.has_text else 0)]
            return self._start(piece.block, {"type": "tool_use", "id": call.id, "name": call.name, "input": {}})
        frame = self._delta_frames.get(piece.block)
        if frame is None:
            block = piece.block
            reference = text_delta if text_block else (lambda text: json_delta(block, text))
            frame = self._delta_frames[block] = string_frame(reference)
        return frame.render(piece.text)

    def stream_close(self, generation: Generation) -> bytes:
        usage = {"input_tokens": generation.input_tokens, "output_tokens": generation.output_tokens, **_CACHE_USAGE}
        return (
            self._stop_open()
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
        content: list[dict[str, Any]] = [{"type": "text", "text": generation.text}] if generation.has_text else []
        content += [{"type": "tool_use", "id": c.id, "name": c.name, "input": _input(c.arguments)}
                    for c in generation.tool_calls]
        return self._message(content, _stop_reason(generation), usage)


# The reference encoders of the per-chunk frames (their templates' source).
def text_delta(text: str) -> bytes:
    delta = {"type": "text_delta", "text": text}
    return sse_event("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})


def json_delta(block: int, text: str) -> bytes:
    delta = {"type": "input_json_delta", "partial_json": text}
    return sse_event("content_block_delta", {"type": "content_block_delta", "index": block, "delta": delta})


def model_list(entries: list[tuple[str, str, int, int]], created: int) -> dict[str, Any]:
    """`entries`: (served name, display name, context window, max output)."""
    created_at = datetime.fromtimestamp(created, UTC).isoformat().replace("+00:00", "Z")
    data = [
        {
            "type": "model",
            "id": name,
            "display_name": display,
            "created_at": created_at,
            "lifecycle": "active",
            "max_input_tokens": window,
            "max_tokens": most,
        }
        for name, display, window, most in entries
    ]
    return {
        "data": data,
        "has_more": False,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }
