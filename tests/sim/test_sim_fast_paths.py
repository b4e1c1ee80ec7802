"""The simulator's per-chunk fast paths against reference implementations
kept here: each must give exactly what the straightforward code gives (the
same bytes, the same random draws), and frames due together must leave in
few sends."""

from __future__ import annotations

import dataclasses
import json
import random
import socket
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.core.catalog import default_catalog
from playground.core.tokens import default_counter
from playground.sim.content import generation as gen
from playground.sim.content.generation import Generation, Piece, plan_generation
from playground.sim.faults.plan import Action, RequestInfo
from playground.sim.faults.spec import parse_fault_spec
from playground.sim.faults.spec_plan import _DECISIONS_KEPT, SpecFaultPlan
from playground.sim.features.types import ToolCall
from playground.sim.runner import SimServer
from playground.sim.wire.anthropic_messages import AnthropicDialect
from playground.sim.wire.dialect import string_frame
from playground.sim.wire.openai_chat import OpenAIDialect

CATALOG = default_catalog()
# Text that JSON must escape or keep as is: quotes, backslashes, controls, line separators, astral characters.
_TEXTS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ['"', "\\", "\n\t\r\b\f", "\x00\x1f\x7f", "\u2028\u2029", "é ü 中文 🌞", "</script>", ""])


def reference_split(text: str, rng: random.Random) -> list[str]:
    """`split_chunks` as first written: `rng.choices` per chunk."""
    pieces = gen._PIECE_RE.findall(text)
    if not pieces:
        return [text] if text else []
    pieces[-1] += text[len("".join(pieces)):]
    chunks: list[str] = []
    i = 0
    while i < len(pieces):
        take = rng.choices(gen._WORDS_PER_CHUNK, gen._WORDS_PER_CHUNK_WEIGHTS)[0]
        chunks.append("".join(pieces[i:i + take]))
        i += take
    return chunks


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("ab c\n\t."), max_size=300), seed=st.integers(0, 2**32))
def test_chunking_draws_as_rng_choices_does(text: str, seed: int) -> None:
    fast_rng, reference_rng = random.Random(seed), random.Random(seed)
    assert gen.split_chunks(text, fast_rng) == reference_split(text, reference_rng)
    assert fast_rng.random() == reference_rng.random()  # the same draws were used up


@given(seed=st.integers(0, 2**32))
def test_jitter_is_rng_uniform_to_the_bit(seed: int) -> None:
    fast_rng, reference_rng = random.Random(seed), random.Random(seed)
    for _ in range(20):
        assert gen._jitter(fast_rng) == reference_rng.uniform(1 - gen.JITTER, 1 + gen.JITTER)


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _generation(*, tools_only: bool = False) -> Generation:
    """A planned answer to stream pieces of (only its shape matters here:
    text, or a single tool call and no text)."""
    generation = plan_generation(CATALOG.get("gpt-4o"), "hi", max_tokens=512, input_tokens=5,
                                 counter=default_counter(), rng=random.Random(0))
    if not tools_only:
        return generation
    return dataclasses.replace(generation, text="", tool_calls=(ToolCall("call_1", "get_weather", "{}"),))


def _openai_chunk(dialect: OpenAIDialect, delta: dict[str, Any]) -> bytes:
    body = {"id": dialect.id, "object": "chat.completion.chunk", "created": dialect.created,
            "model": dialect.model_name, "system_fingerprint": "fp_sim",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}]}
    return f"data: {_dumps(body)}\n\n".encode()


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(_TEXTS, min_size=1, max_size=4))
def test_openai_frames_are_what_json_dumps_gives(texts: list[str]) -> None:
    text_generation, tools = _generation(), _generation(tools_only=True)
    dialect = OpenAIDialect("sim-gpt-4o", include_usage=True)
    dialect.stream_piece(0, Piece(0, "first", opens=True), text_generation)  # the opening frame goes first
    for index, text in enumerate(texts, 1):
        assert dialect.stream_piece(index, Piece(0, text), text_generation) == _openai_chunk(dialect, {"content": text})
    dialect = OpenAIDialect("sim-gpt-4o", include_usage=False)
    dialect.stream_piece(0, Piece(0, "", opens=True), tools)
    for index, text in enumerate(texts, 1):
        expected = {"tool_calls": [{"index": 0, "function": {"arguments": text}}]}
        assert dialect.stream_piece(index, Piece(0, text), tools) == _openai_chunk(dialect, expected)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(_TEXTS, min_size=1, max_size=4))
def test_anthropic_frames_are_what_json_dumps_gives(texts: list[str]) -> None:
    def event(block: int, delta: dict[str, Any]) -> bytes:
        body = {"type": "content_block_delta", "index": block, "delta": delta}
        return f"event: content_block_delta\ndata: {_dumps(body)}\n\n".encode()

    text_generation, tools = _generation(), _generation(tools_only=True)
    dialect = AnthropicDialect("sim-claude-sonnet-4-5")
    for index, text in enumerate(texts, 1):
        assert dialect.stream_piece(index, Piece(0, text), text_generation) == event(
            0, {"type": "text_delta", "text": text})
    dialect = AnthropicDialect("sim-claude-sonnet-4-5")
    for block in (0, 3):
        for index, text in enumerate(texts, 1):
            assert dialect.stream_piece(index, Piece(block, text), tools) == event(
                block, {"type": "input_json_delta", "partial_json": text})


def test_a_template_needs_its_string_exactly_once() -> None:
    with pytest.raises(ValueError, match="exactly once"):
        string_frame(lambda text: b"data: {}\n\n")
    with pytest.raises(ValueError, match="exactly once"):
        string_frame(lambda text: _dumps([text, text]).encode())


def test_fault_decisions_are_remembered_and_stay_what_they_were() -> None:
    """Past the memo's size too (it forgets, then recomputes the same)."""
    plan = SpecFaultPlan(parse_fault_spec("cut=0.3,stall=0.2,overloaded=0.2,latency_ms=5"), seed=4)
    model = CATALOG.get("claude-sonnet-4-5")
    infos = [RequestInfo("anthropic" if i % 2 else "openai", model, model.sim_name, i % 3 != 0, 10, 500, i, 50 + i % 7)
             for i in range(_DECISIONS_KEPT + 50)]
    for _ in range(2):
        for info in infos:
            assert plan.decide(info) == plan._decide(info)
            fresh = SpecFaultPlan(plan.spec, seed=4)
            for tokens in (0, 3, 1000):
                assert _shape(plan.on_chunk(info, 1, tokens)) == _shape(fresh.on_chunk(info, 1, tokens))


def _shape(action: Action) -> tuple[float, bool, bool, str | None]:
    return action.delay_s, action.drop, action.stall, action.fault_name


def _chunked_sends(port: int, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
    """How many HTTP chunks (one per send the server made) carried the
    response body, and the body: a raw HTTP/1.1 client, so nothing merges
    or splits them."""
    payload = json.dumps(body).encode()
    request = (f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
               f"authorization: Bearer sim\r\nanthropic-version: 2023-06-01\r\nconnection: close\r\n"
               f"content-length: {len(payload)}\r\n\r\n").encode() + payload
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request)
        raw = b""
        while data := conn.recv(65536):
            raw += data
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head.lower()
    sends, received = 0, b""
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return sends, received
        sends += 1
        received += rest[:size]
        rest = rest[size + 2:]


_ESSAY = [{"role": "user", "content": "Write a long, detailed essay on distributed consensus: Paxos and Raft."}]


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/chat/completions", {"model": "sim-gpt-4o", "stream": True, "messages": _ESSAY}),
    ("/v1/messages", {"model": "sim-claude-sonnet-4-5", "stream": True, "max_tokens": 2048, "messages": _ESSAY}),
])
def test_frames_already_due_leave_together(path: str, body: dict[str, Any]) -> None:
    """At a speed where every chunk is due at once, a long answer leaves in
    a few sends of at most 64 frames, not one send per frame."""
    with SimServer(speed=1e9) as sim:
        sends, received = _chunked_sends(sim.port, path, body)
    frames = received.count(b"\n\n")
    assert frames > 150  # a long answer: many frames
    assert sends <= frames // 64 + 3, (sends, frames)  # batches, plus the opening and the closing events
