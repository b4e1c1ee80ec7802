"""OpenAI `chat.completion.chunk` objects, read as the JSON they arrive as.

The SDK would build a pydantic model per chunk (about 40% of its CPU per
streamed request); here the few fields the engine uses are read from the
decoded dict. A field of the wrong type is skipped as if it were absent, as
nothing downstream could use it.
"""

from __future__ import annotations

from typing import Any

import httpx2
import openai

from playground.providers.base import Chunk, Delta, TokenLogprobs, ToolCallChunk, Usage


def read_chunk(payload: dict[str, Any], out: list[Chunk]) -> bool:
    """Append to `out` what one chunk carries (usage first, then per choice
    its text, tool call pieces and logprobs); True if it ends a choice."""
    finished = False
    usage = payload.get("usage")
    if isinstance(usage, dict):
        out.append(Usage(usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0))
    choices = payload.get("choices")
    if not isinstance(choices, list):
        return False
    for choice in choices:
        if not isinstance(choice, dict):
            continue
        delta = choice.get("delta")
        if isinstance(delta, dict):
            text = delta.get("content")
            if text and isinstance(text, str):
                out.append(Delta(text))
            calls = delta.get("tool_calls")
            if calls and isinstance(calls, list):
                out.extend(_tool_call(call) for call in calls if isinstance(call, dict))
        logprobs = choice.get("logprobs")
        if isinstance(logprobs, dict):
            content = logprobs.get("content")
            if content and isinstance(content, list):
                out.append(TokenLogprobs(tuple(item["logprob"] for item in content if isinstance(item, dict)
                                               and isinstance(item.get("logprob"), float | int))))
        if choice.get("finish_reason"):
            finished = True
    return finished


def _tool_call(call: dict[str, Any]) -> ToolCallChunk:
    function = call.get("function")
    if not isinstance(function, dict):
        function = {}
    return ToolCallChunk(call.get("index") or 0, call.get("id") or "", function.get("name") or "",
                         function.get("arguments") or "")


def in_stream_error(payload: dict[str, Any], request: httpx2.Request) -> openai.APIError | None:
    """The error a chunk reports (`{"error": {...}}` inside a 200 stream), as
    the SDK raises it: an `APIError` with the error object as its body, so it
    maps to the same kind and message as before."""
    error = payload.get("error")
    if not error:
        return None
    message = error.get("message") if isinstance(error, dict) else None
    if not message or not isinstance(message, str):
        message = "An error occurred during streaming"
    return openai.APIError(message, request, body=error)
