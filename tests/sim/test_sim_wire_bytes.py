"""The simulator's streams byte for byte: a recorded set of answers (both
APIs, text, usage, logprobs, tool calls, truncation, in-stream faults) must
come out exactly as recorded for the same seed, so a faster encoder or
pacing loop cannot change what clients see. Only the random response ids
and the `created` clock are masked.

Re-record (only when a change to the wire is intended):
    .venv/bin/python -m tests.sim.test_sim_wire_bytes
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import httpx2 as httpx

from playground.sim.runner import SimServer

GOLDEN = Path(__file__).parent / "data" / "wire_golden.json"
SEED = 11
SPEED = 200.0  # pacing is not what this pins; fast keeps the test short
FAULTS = "sim-claude-haiku-4-5:overloaded=1,sim-gpt-4o-mini:cut=1"
PROMPT = "Explain how a B-tree index speeds up database queries, with an example."
_TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                                                          "unit": {"type": "string", "enum": ["C", "F"]}},
                         "required": ["city"]}}}]
_ANTHROPIC_TOOLS = [{"name": t["function"]["name"], "description": t["function"]["description"],
                     "input_schema": t["function"]["parameters"]} for t in _TOOLS]


def _openai(model: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    return "/v1/chat/completions", {"model": model, "stream": True,
                                    "messages": [{"role": "user", "content": PROMPT}], **extra}


def _anthropic(model: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    return "/v1/messages", {"model": model, "stream": True, "max_tokens": 1024,
                            "messages": [{"role": "user", "content": PROMPT}], **extra}


# In this order against one fresh server: the seed then fixes every answer and fault.
REQUESTS: list[tuple[str, tuple[str, dict[str, Any]]]] = [
    ("openai text with usage", _openai("sim-gpt-4o", stream_options={"include_usage": True})),
    ("openai text, non-ascii prompt", ("/v1/chat/completions", {
        "model": "sim-gpt-4o", "stream": True,
        "messages": [{"role": "user", "content": "Écris un poème « court » sur l'été 🌞 et \"les\" \\ tabs\t."}]})),
    ("openai truncated", _openai("sim-gpt-5-mini", max_tokens=17)),
    ("openai logprobs", _openai("sim-gpt-4o", logprobs=True, top_logprobs=2, max_tokens=40)),
    ("openai tools", _openai("sim-gpt-4o", tools=_TOOLS, tool_choice="required",
                             stream_options={"include_usage": True})),
    ("openai cut mid-stream", _openai("sim-gpt-4o-mini")),
    ("anthropic text", _anthropic("sim-claude-sonnet-4-5")),
    ("anthropic truncated", _anthropic("sim-claude-sonnet-4-5", max_tokens=9)),
    ("anthropic tools", _anthropic("sim-claude-sonnet-4-5", tools=_ANTHROPIC_TOOLS, tool_choice={"type": "any"})),
    *((f"anthropic overloaded {i}", _anthropic("sim-claude-haiku-4-5")) for i in range(4)),
]

_MASKS = (
    (re.compile(r"chatcmpl-[A-Za-z0-9]{29}"), "chatcmpl-ID"),
    (re.compile(r"msg_sim_[A-Za-z0-9]{24}"), "msg_sim_ID"),
    (re.compile(r'"created":\d+'), '"created":0'),
)


def _masked(body: bytes) -> str:
    text = body.decode()
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def _fetch(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Status and every body byte received (a cut ends the body early)."""
    received = bytearray()
    with client.stream("POST", path, json=body, headers={"anthropic-version": "2023-06-01"}) as response:
        try:
            for data in response.iter_raw():
                received += data
            complete = True
        except httpx.HTTPError:
            complete = False
    return {"status": response.status_code, "complete": complete, "body": _masked(bytes(received))}


def record_all() -> list[dict[str, Any]]:
    with SimServer(speed=SPEED, seed=SEED, faults=FAULTS) as sim, httpx.Client(
        base_url=sim.base_url, headers={"authorization": "Bearer sim"}, timeout=60
    ) as client:
        return [{"name": name, **_fetch(client, path, body)} for name, (path, body) in REQUESTS]


def test_streams_are_byte_for_byte_as_recorded() -> None:
    expected = json.loads(GOLDEN.read_text())
    got = record_all()
    assert [g["name"] for g in got] == [e["name"] for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert g == e, g["name"]
    # The set covers what it claims to: an in-stream error, a cut, both finish kinds.
    bodies = "".join(e["body"] for e in expected)
    assert "event: error" in bodies and not expected[5]["complete"]
    assert '"finish_reason":"length"' in bodies and '"stop_reason":"tool_use"' in bodies


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(record_all(), indent=1, ensure_ascii=False) + "\n")
    print(f"recorded {GOLDEN}", file=sys.stderr)
