"""Simulated logprobs on OpenAI chat completions: the pure model, and the
wire shape as the unmodified `openai` SDK parses it over loopback."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest
from openai.types.chat.chat_completion import ChoiceLogprobs
from openai.types.chat.chat_completion_token_logprob import ChatCompletionTokenLogprob

from playground.core.catalog import default_catalog
from playground.core.tokens import default_counter
from playground.sim.content.answers import SimAnswer, answer_for
from playground.sim.content.generation import split_chunks
from playground.sim.content.logprobs import by_chunk, mean_logprob, token_logprobs, token_pieces
from playground.sim.runner import SimServer

CATALOG = default_catalog()
COUNTER = default_counter()
PROMPT = "Explain how a B-tree index speeds up database queries."
USER: Any = [{"role": "user", "content": PROMPT}]
MODEL = "sim-gpt-4o-mini"
# Hard prompts that weak models often hedge on, and easy ones nobody does.
HARD = (
    "Design a fault-tolerant distributed job scheduler step by step:\n1. Explain leader election.\n"
    "2. Prove the invariant that no job runs twice.\n3. Debug the race condition in this Python code.",
    "Walk me through designing a scalable architecture for a multi-region database, then analyze the consistency "
    "trade-offs and prove why the design avoids deadlock.",
    "Debug this deadlock step by step, then design a fix and justify the trade-off:\n```python\nlock_a.acquire()\n"
    "lock_b.acquire()\n```",
    "Derive the time complexity of Dijkstra's algorithm with a Fibonacci heap, then design a distributed version "
    "and debug its race conditions.",
)
EASY = ("What is TCP?", PROMPT)
MODELS = ("groq-llama-3-1-8b", "gpt-4o-mini", "gpt-5-mini", "claude-opus-4-5")


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(speed=400) as server:
        yield server


def client(sim: SimServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=sim.base_url + "/v1", api_key="k", max_retries=0)


def check_entry(entry: ChatCompletionTokenLogprob, top: int) -> None:
    assert isinstance(entry, ChatCompletionTokenLogprob)
    assert entry.bytes == list(entry.token.encode()) and entry.logprob <= 0
    assert len(entry.top_logprobs) == top
    values = [t.logprob for t in entry.top_logprobs]
    assert values == sorted(values, reverse=True) and all(v <= 0 for v in values)
    assert len({t.token for t in entry.top_logprobs}) == top
    assert sum(math.exp(v) for v in values) <= 1 + 1e-9


# --- The pure model ------------------------------------------------------------------


def test_pieces_match_the_token_count_and_rebuild_the_text() -> None:
    texts = ["a", "Hello, world!", "日本語のテキスト、絵文字 🎉🎉 ok", "x" * 50,
             "  two  spaces\n\n- bullet **bold**: yes.\n```python\ndef f(x):\n    return x_1\n```",
             answer_for(CATALOG.get("gpt-4o"), PROMPT).text]
    for text in texts:
        tokens = COUNTER.count_text(text).tokens
        for count in (tokens, max(1, tokens // 2), tokens * 2, 1):
            pieces = token_pieces(text, count)
            assert b"".join(pieces) == text.encode() and all(pieces)
            assert len(pieces) == min(count, len(text.encode())), (text, count)
    assert token_pieces("", 3) == []


def test_a_streamed_chunk_carries_exactly_its_own_tokens() -> None:
    answer = answer_for(CATALOG.get("claude-opus-4-5"), HARD[0])
    text = answer.text
    chunks = split_chunks(text, random.Random(1))
    entries = token_logprobs(text, COUNTER.count_text(text).tokens, answer, 0.97)
    grouped = by_chunk(entries, chunks)
    assert [b"".join(e.bytes for e in group) for group in grouped] == [c.encode() for c in chunks]


def test_mean_logprob_falls_with_hedging_difficulty_and_weaker_models() -> None:
    def answer(hedged: bool, p_hedge: float) -> SimAnswer:
        return SimAnswer("text", hedged, 0.5, p_hedge)

    confident, shaky = mean_logprob(answer(False, 0.05), 0.9), mean_logprob(answer(False, 0.6), 0.9)
    hedged = mean_logprob(answer(True, 0.05), 0.9)
    assert hedged < shaky < confident < 0
    assert mean_logprob(answer(False, 0.05), 0.4) < confident
    assert mean_logprob(answer(True, 0.0), 1.0) < mean_logprob(answer(False, 1.0), 0.0)  # a hedge is always lowest


def test_values_are_deterministic_and_average_to_the_answers_confidence() -> None:
    model = CATALOG.get("gpt-4o-mini")
    answer = answer_for(model, HARD[1])
    tokens = COUNTER.count_text(answer.text).tokens
    first = token_logprobs(answer.text, tokens, answer, model.sim.quality, top_logprobs=3, key=model.sim_name)
    assert first == token_logprobs(answer.text, tokens, answer, model.sim.quality, top_logprobs=3, key=model.sim_name)
    mean = sum(e.logprob for e in first) / len(first)
    assert abs(mean / mean_logprob(answer, model.sim.quality) - 1) <= 0.11  # the answer-level jitter
    values = sorted(e.logprob for e in first)
    assert values[len(values) // 2] > mean  # skewed: the median token is surer than the mean


# --- Over the wire -------------------------------------------------------------------------


def test_non_streaming_logprobs_parse_into_the_sdks_types(sim: SimServer) -> None:
    completion = client(sim).chat.completions.create(model=MODEL, messages=USER, logprobs=True, top_logprobs=5)
    logprobs = completion.choices[0].logprobs
    assert isinstance(logprobs, ChoiceLogprobs) and logprobs.content is not None and logprobs.refusal is None
    assert completion.usage is not None and len(logprobs.content) == completion.usage.completion_tokens
    assert "".join(e.token for e in logprobs.content) == completion.choices[0].message.content
    for entry in logprobs.content:
        check_entry(entry, 5)


def test_streaming_chunks_carry_their_tokens_logprobs(sim: SimServer) -> None:
    chunks = list(client(sim).chat.completions.create(
        model=MODEL, messages=USER, logprobs=True, top_logprobs=2, stream=True, stream_options={"include_usage": True},
    ))
    entries = []
    for chunk in chunks[:-1]:
        choice = chunk.choices[0]
        if choice.finish_reason:
            assert choice.logprobs is None
            continue
        assert choice.logprobs is not None and choice.logprobs.content is not None
        assert "".join(e.token for e in choice.logprobs.content) == (choice.delta.content or "")
        entries.extend(choice.logprobs.content)
    usage = chunks[-1].usage
    assert usage is not None and len(entries) == usage.completion_tokens > 50
    for entry in entries:
        check_entry(entry, 2)
    # The same request gets the same values whether it streams or not.
    plain = client(sim).chat.completions.create(model=MODEL, messages=USER, logprobs=True, top_logprobs=2)
    assert plain.choices[0].logprobs is not None
    assert [(e.token, e.logprob) for e in plain.choices[0].logprobs.content or []] == [
        (e.token, e.logprob) for e in entries
    ]


def test_the_stream_helper_assembles_logprobs(sim: SimServer) -> None:
    with client(sim).chat.completions.stream(
        model=MODEL, messages=USER, logprobs=True, stream_options={"include_usage": True}
    ) as stream:
        events = [e.type for e in stream]
        final = stream.get_final_completion()
    assert "logprobs.content.delta" in events and "logprobs.content.done" in events
    content = final.choices[0].logprobs.content  # type: ignore[union-attr]
    assert final.usage is not None and content is not None and len(content) == final.usage.completion_tokens
    assert all(e.top_logprobs == [] for e in content)  # logprobs without top_logprobs


def test_truncated_answers_have_one_entry_per_sent_token(sim: SimServer) -> None:
    completion = client(sim).chat.completions.create(model=MODEL, messages=USER, logprobs=True, max_tokens=7)
    assert completion.choices[0].finish_reason == "length"
    assert len(completion.choices[0].logprobs.content or []) == 7  # type: ignore[union-attr]


def test_no_logprobs_unless_asked(sim: SimServer) -> None:
    sdk = client(sim)
    assert sdk.chat.completions.create(model=MODEL, messages=USER).choices[0].logprobs is None
    assert sdk.chat.completions.create(model=MODEL, messages=USER, logprobs=False).choices[0].logprobs is None
    assert all(c.choices[0].logprobs is None for c in sdk.chat.completions.create(model=MODEL, messages=USER,
                                                                                  stream=True))
    with pytest.raises(openai.BadRequestError) as needs_logprobs:
        sdk.chat.completions.create(model=MODEL, messages=USER, top_logprobs=3)
    assert needs_logprobs.value.body["param"] == "top_logprobs"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError):
        sdk.chat.completions.create(model=MODEL, messages=USER, logprobs=True, top_logprobs=21)


def test_anthropic_ignores_logprobs(sim: SimServer) -> None:
    message = anthropic.Anthropic(base_url=sim.base_url, api_key="k", max_retries=0).messages.create(
        model="sim-claude-haiku-4-5", max_tokens=64, messages=USER, extra_body={"logprobs": True, "top_logprobs": 3}
    )
    assert message.content[0].text and not hasattr(message, "logprobs")  # type: ignore[union-attr]


def test_hedged_answers_are_clearly_less_confident(sim: SimServer) -> None:
    sdk = client(sim)
    hedged, confident = [], []
    for model_id in MODELS:
        model = CATALOG.get(model_id)
        for prompt in HARD + EASY:
            completion = sdk.chat.completions.create(
                model=model.sim_name, messages=[{"role": "user", "content": prompt}], logprobs=True
            )
            content = completion.choices[0].logprobs.content or []  # type: ignore[union-attr]
            mean = sum(e.logprob for e in content) / len(content)
            (hedged if answer_for(model, prompt).hedged else confident).append(mean)
    assert len(hedged) >= 4 and len(confident) >= 8, (hedged, confident)
    assert max(hedged) < min(confident), (hedged, confident)
    assert sum(hedged) / len(hedged) < sum(confident) / len(confident) - 0.4
