"""Turns a simulated answer into what a model would stream: text cut at
`max_tokens`, split into word-ish chunks of a few tokens, each with the wait
before it (time to first token, then tokens / tokens-per-second), jittered.

Token counts come from the same counter the rest of the app uses, so the
usage the simulator reports matches what the client can count itself.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from playground.core.catalog import ModelSpec
from playground.core.tokens import TokenCounter
from playground.sim.content.answers import SimAnswer, answer_for

JITTER = 0.2  # +-20% on time to first token, throughput and each chunk's gap
_WORDS_PER_CHUNK = (1, 2, 3)
_WORDS_PER_CHUNK_WEIGHTS = (0.35, 0.45, 0.2)
_PIECE_RE = re.compile(r"\s*\S+")


@dataclass(frozen=True, slots=True)
class Generation:
    answer: SimAnswer
    text: str  # what is actually sent: the answer, possibly cut at max_tokens
    chunks: tuple[str, ...]  # "".join(chunks) == text
    gaps_s: tuple[float, ...]  # wait before each chunk; gaps_s[0] is the time to first token
    input_tokens: int
    output_tokens: int
    truncated: bool

    @property
    def duration_s(self) -> float:
        return sum(self.gaps_s)


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
    i = 0
    while i < len(pieces):
        take = rng.choices(_WORDS_PER_CHUNK, _WORDS_PER_CHUNK_WEIGHTS)[0]
        chunks.append("".join(pieces[i : i + take]))
        i += take
    return chunks


def _jitter(rng: random.Random) -> float:
    return rng.uniform(1 - JITTER, 1 + JITTER)


def plan_generation(
    model: ModelSpec,
    prompt: str,
    *,
    max_tokens: int,
    input_tokens: int,
    counter: TokenCounter,
    rng: random.Random,
    speed: float = 1.0,
) -> Generation:
    """The text comes from (model, prompt) alone; `rng` only drives timing
    and chunking, so the same question always gets the same answer."""
    answer = answer_for(model, prompt)
    text, output_tokens, truncated = truncate_to_tokens(answer.text, max_tokens, counter)
    chunks = split_chunks(text, rng)
    tokens_per_s = model.sim.tokens_per_s * _jitter(rng)
    gaps = [model.sim.ttft_ms / 1000 * _jitter(rng)]
    for chunk in chunks[1:]:
        chunk_tokens = output_tokens * len(chunk) / len(text)
        gaps.append(chunk_tokens / tokens_per_s * _jitter(rng))
    return Generation(
        answer=answer,
        text=text,
        chunks=tuple(chunks),
        gaps_s=tuple(g / speed for g in gaps),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        truncated=truncated,
    )
