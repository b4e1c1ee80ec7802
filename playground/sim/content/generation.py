"""Turns a simulated answer into what a model would stream: text cut at
`max_tokens`, split into word-ish chunks of a few tokens, each with the wait
before it (time to first token, then tokens / tokens-per-second), jittered.

Token counts come from the same counter the rest of the app uses, so the
usage the simulator reports matches what the client can count itself.
"""

from __future__ import annotations

import random
import re
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate

from playground.core.catalog import ModelSpec
from playground.core.tokens import TokenCounter
from playground.sim.content.answers import SimAnswer, answer_for
from playground.sim.features.types import ToolCall

JITTER = 0.2  # +-20% on time to first token, throughput and each chunk's gap
_WORDS_PER_CHUNK = (1, 2, 3)
_WORDS_PER_CHUNK_WEIGHTS = (0.35, 0.45, 0.2)
# What `rng.choices(_WORDS_PER_CHUNK, _WORDS_PER_CHUNK_WEIGHTS)` computes on
# every call, computed once: the same draw from one `random()`, much cheaper.
_CUMULATIVE_WEIGHTS = tuple(accumulate(_WORDS_PER_CHUNK_WEIGHTS))
_TOTAL_WEIGHT = _CUMULATIVE_WEIGHTS[-1] + 0.0
_PIECE_RE = re.compile(r"\s*\S+")
_ARGUMENT_PIECE_CHARS = (3, 12)
CALL_OVERHEAD_TOKENS = 3  # a tool call's id, name and framing, beyond its arguments (an estimate)


@dataclass(frozen=True, slots=True)
class Piece:
    """One streamed fragment of block `block`: the answer's text is block 0
    when there is text, then one block per tool call. A block's first piece
    has `opens` set; a tool call's opening piece carries no text (it names
    the call), the rest carry fragments of its JSON arguments."""

    block: int
    text: str
    opens: bool = False


@dataclass(frozen=True, slots=True)
class Generation:
    answer: SimAnswer
    text: str  # the text sent: the answer, possibly cut at max_tokens ("" when the turn only calls tools)
    pieces: tuple[Piece, ...]  # in sending order; the text pieces join to `text`
    gaps_s: tuple[float, ...]  # wait before each piece; gaps_s[0] is the time to first token
    input_tokens: int
    output_tokens: int
    truncated: bool
    tool_calls: tuple[ToolCall, ...] = ()  # arguments possibly cut at max_tokens

    @property
    def duration_s(self) -> float:
        return sum(self.gaps_s)

    @property
    def has_text(self) -> bool:
        return bool(self.text) or not self.tool_calls

    @property
    def chunks(self) -> tuple[str, ...]:
        """The text pieces (what logprobs are split by)."""
        return tuple(p.text for p in self.pieces if p.block == 0 and self.has_text)

    @property
    def streamed_chars(self) -> int:
        return sum(len(p.text) for p in self.pieces)


def truncate_to_tokens(text: str, max_tokens: int, counter: TokenCounter) -> tuple[str, int, bool]:
    """The longest prefix of `text` within `max_tokens`, its token count, and
    whether it was cut. Binary search over characters: a handful of encodes."""
    total = counter.count_text(text).tokens
    if total <= max_tokens:
        return text, total, False
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if counter.count_text(text[:middle]).tokens <= max_tokens:
            low = middle
        else:
            high = middle - 1
    prefix = text[:low]
    return prefix, counter.count_text(prefix).tokens, True


def split_chunks(text: str, rng: random.Random) -> list[str]:
    """1-3 words per chunk, each carrying its leading whitespace, as streamed
    deltas from real models do."""
    pieces = _PIECE_RE.findall(text)
    if not pieces:
        return [text] if text else []
    pieces[-1] += text[len("".join(pieces)) :]  # trailing whitespace
    chunks: list[str] = []
    draw, last = rng.random, len(_WORDS_PER_CHUNK) - 1
    i = 0
    while i < len(pieces):
        take = _WORDS_PER_CHUNK[bisect(_CUMULATIVE_WEIGHTS, draw() * _TOTAL_WEIGHT, 0, last)]
        chunks.append("".join(pieces[i : i + take]))
        i += take
    return chunks


_JITTER_LOW, _JITTER_HIGH = 1 - JITTER, 1 + JITTER
_JITTER_SPAN = _JITTER_HIGH - _JITTER_LOW


def _jitter(rng: random.Random) -> float:
    """`rng.uniform(1 - JITTER, 1 + JITTER)`, to the bit, without recomputing the span per chunk."""
    return _JITTER_LOW + _JITTER_SPAN * rng.random()


def split_arguments(arguments: str, rng: random.Random) -> list[str]:
    """JSON arguments in the small fragments tool-call deltas arrive in."""
    pieces: list[str] = []
    position = 0
    while position < len(arguments):
        size = rng.randint(*_ARGUMENT_PIECE_CHARS)
        pieces.append(arguments[position : position + size])
        position += size
    return pieces


def plan_generation(
    model: ModelSpec,
    prompt: str,
    *,
    max_tokens: int,
    input_tokens: int,
    counter: TokenCounter,
    rng: random.Random,
    speed: float = 1.0,
    answer: SimAnswer | None = None,
    tool_calls: tuple[ToolCall, ...] = (),
) -> Generation:
    """The text comes from (model, prompt) alone, or is `answer` when the
    caller planned it (JSON, tool results, images); `rng` only drives timing
    and chunking, so the same question always gets the same answer. Text
    comes first, then each tool call; whatever passes `max_tokens` is cut."""
    answer = answer if answer is not None else answer_for(model, prompt)
    text, output_tokens, truncated = truncate_to_tokens(answer.text, max_tokens, counter)
    chunks = split_chunks(text, rng)
    tokens_per_s = model.sim.tokens_per_s * _jitter(rng)
    gaps = [model.sim.ttft_ms / 1000 * _jitter(rng)]
    for chunk in chunks[1:]:
        chunk_tokens = output_tokens * len(chunk) / len(text)
        gaps.append(chunk_tokens / tokens_per_s * _jitter(rng))
    pieces = [Piece(0, chunk, opens=index == 0) for index, chunk in enumerate(chunks)]
    calls: list[ToolCall] = []
    block = 1 if text or not tool_calls else 0
    for call in tool_calls:
        room = max_tokens - output_tokens - CALL_OVERHEAD_TOKENS - counter.count_text(call.name).tokens
        arguments, tokens, cut = truncate_to_tokens(call.arguments, max(0, room), counter)
        calls.append(ToolCall(call.id, call.name, arguments))
        output_tokens += tokens + CALL_OVERHEAD_TOKENS + counter.count_text(call.name).tokens
        if pieces or gaps[1:]:
            gaps.append(0.0)
        pieces.append(Piece(block, "", opens=True))
        for fragment in split_arguments(arguments, rng):
            gaps.append(counter.count_text(fragment).tokens / tokens_per_s * _jitter(rng))
            pieces.append(Piece(block, fragment))
        block += 1
        if cut:
            truncated = True
            break
    return Generation(
        answer=answer,
        text=text,
        pieces=tuple(pieces),
        gaps_s=tuple(g / speed for g in gaps),
        input_tokens=input_tokens,
        output_tokens=min(output_tokens, max_tokens),
        truncated=truncated,
        tool_calls=tuple(calls),
    )
