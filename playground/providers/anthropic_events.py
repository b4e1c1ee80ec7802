"""Anthropic Messages stream events, read as the JSON they arrive as.

The SDK would build a pydantic model per event; here the few fields the
engine uses are read from the decoded dict, and the SDK's rules for which
events count are kept: `ping` and unnamed events are skipped, an `error`
event raises the SDK's `APIStatusError` (with the 200 response and the
error body, so it maps as before: `overloaded_error` -> overloaded).
"""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import jiter

from playground.providers.base import Chunk, Delta, ToolCallChunk


class MessageEvents:
    """What one stream's events said so far: text and tool call pieces go
    to `out`; the token counts and the end are kept for the adapter."""

    __slots__ = ("input_tokens", "output_tokens", "stopped")

    def __init__(self) -> None:
        self.input_tokens = 0
        self.output_tokens: int | None = None
        self.stopped = False

    def read(self, event: str, data: bytes, response: httpx2.Response, out: list[Chunk]) -> None:
        if not event or event == "ping":
            return
        if event == "error":
            raise stream_error(data, response)
        if not data:
            return
        payload = jiter.from_json(data, cache_mode="keys")
        if not isinstance(payload, dict):
            return
        kind = payload.get("type")
        if kind == "content_block_delta":
            delta = _dict(payload.get("delta"))
            delta_type = delta.get("type")
            if delta_type == "text_delta":
                text = delta.get("text")
                if text and isinstance(text, str):
                    out.append(Delta(text))
            elif delta_type == "input_json_delta":
                out.append(ToolCallChunk(payload.get("index") or 0, arguments=delta.get("partial_json") or ""))
        elif kind == "content_block_start":
            block = _dict(payload.get("content_block"))
            if block.get("type") == "tool_use":
                out.append(ToolCallChunk(payload.get("index") or 0, block.get("id") or "", block.get("name") or ""))
        elif kind == "message_start":
            self.input_tokens = _dict(_dict(payload.get("message")).get("usage")).get("input_tokens") or 0
        elif kind == "message_delta":
            usage = payload.get("usage")
            if isinstance(usage, dict):
                self.output_tokens = usage.get("output_tokens")
        elif kind == "message_stop":
            self.stopped = True


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def stream_error(data: bytes, response: httpx2.Response) -> anthropic.APIStatusError:
    """An `error` event as the SDK raises it: the message is the body as
    Python shows it (or the raw text when it is not JSON)."""
    text = data.decode("utf-8", "replace")
    body: object = text
    try:
        body = jiter.from_json(data)
        message = f"{body}"
    except ValueError:
        message = text or f"Error code: {response.status_code}"
    return anthropic.APIStatusError(message, response=response, body=body)
