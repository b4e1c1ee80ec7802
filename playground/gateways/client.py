"""One streamed Chat Completions request to a gateway, read to its end as a
client would: what came back, whether the stream finished, failed or hung."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx2

from playground.core.redact import redact

Ending = Literal["finished", "error", "hung"]


def gateway_client() -> httpx2.AsyncClient:
    """A client that opens a new connection for every request. A pooled idle
    connection races with the gateway's server closing it (its keep-alive
    timeout: Node's 5 s for Portkey, uvicorn's 5 s for LiteLLM): a request
    sent on it just then fails with a ReadError before the gateway sees it,
    and a case would be recorded as an error the gateway never made."""
    return httpx2.AsyncClient(trust_env=False, timeout=30.0, limits=httpx2.Limits(max_keepalive_connections=0))


@dataclass(frozen=True)
class Reply:
    ending: Ending
    status: int | None  # HTTP status, None when no response came
    text: str
    detail: str = ""  # the error, for people
    headers: Mapping[str, str] | None = None


async def stream_chat(client: httpx2.AsyncClient, url: str, headers: Mapping[str, str], body: dict[str, Any],
                      idle_s: float, total_s: float) -> Reply:
    """`total_s` caps the whole call (a gateway retrying and falling back
    before its first byte is within it); once the stream started, `idle_s`
    is how long the client waits for the next line before it gives up (a
    stalled stream "hangs" until then)."""
    try:
        return await asyncio.wait_for(_stream(client, url, headers, body, idle_s, total_s), total_s)
    except TimeoutError:
        return Reply("hung", None, "", f"no end within the client's {total_s:g} s limit")


async def _stream(client: httpx2.AsyncClient, url: str, headers: Mapping[str, str], body: dict[str, Any],
                  idle_s: float, total_s: float) -> Reply:
    text: list[str] = []
    status: int | None = None
    timeout = httpx2.Timeout(connect=5.0, read=total_s, write=10.0, pool=10.0)
    try:
        async with client.stream("POST", url, headers=dict(headers), json=body, timeout=timeout) as response:
            status = response.status_code
            kept = {k: v for k, v in response.headers.items() if k.startswith(("x-litellm", "x-portkey"))}
            if status != 200:
                raw = (await response.aread()).decode(errors="replace")
                return Reply("error", status, "", f"HTTP {status}: {_message(raw)}", kept)
            finished = False
            lines = response.aiter_lines()
            while True:
                try:
                    line = await asyncio.wait_for(anext(lines), idle_s)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    return Reply("hung", status, "".join(text), f"HTTP 200, then nothing for {idle_s:g} s: the "
                                 "client gave up", kept)
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    finished = True
                    continue
                try:
                    chunk = json.loads(data)
                except ValueError:
                    continue
                if isinstance(chunk, dict) and chunk.get("error"):
                    return Reply("error", status, "".join(text), f"error in the stream: {_message(data)}", kept)
                text.extend(_deltas(chunk))
                finished = finished or _finish_reason(chunk)
            # A stream that closes cleanly is a success to a client (the SDKs
            # raise nothing), finish_reason or not: say which it was.
            return Reply("finished", status, "".join(text), "" if finished else "closed without a finish_reason",
                         kept)
    except httpx2.TimeoutException:
        return Reply("hung", status, "".join(text), f"no answer within the client's {total_s:g} s limit")
    except httpx2.HTTPError as exc:
        return Reply("error", status, "".join(text), redact(f"{type(exc).__name__}: {exc}")[:300])


def _deltas(chunk: Any) -> list[str]:
    if not isinstance(chunk, dict):
        return []
    out = []
    for choice in chunk.get("choices") or []:
        content = (choice.get("delta") or {}).get("content")
        if isinstance(content, str):
            out.append(content)
    return out


def _finish_reason(chunk: Any) -> bool:
    return isinstance(chunk, dict) and any(c.get("finish_reason") for c in chunk.get("choices") or [])


def _message(raw: str) -> str:
    """The error's message from a JSON error body, else the body, short."""
    try:
        data = json.loads(raw)
    except ValueError:
        return redact(raw.strip())[:200]
    error = data.get("error", data) if isinstance(data, dict) else data
    message = (error.get("message") or error.get("type") or json.dumps(error)) if isinstance(error, dict) else error
    return redact(str(message).replace("\n", " "))[:200]
