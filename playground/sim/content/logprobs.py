"""Simulated token log probabilities for OpenAI's `logprobs` / `top_logprobs`.

The point is a confidence signal that tracks the simulated answer's quality,
so cascades can learn to escalate on low confidence: an answer's mean token
logprob is set by `mean_logprob` (a hedging answer sits far below a
confident one; harder prompts and weaker models pull both down), and the
per-token values scatter around it with the skew of real ones (most tokens
near 0, a few forks far below). Everything is a pure function of the model,
the answer and the token budget, so a request always gets the same values
whether it streams or not.

Tokens: the text is cut into exactly as many pieces as the simulator reports
completion tokens (word-ish pieces from a tiktoken-like split, merged or
split to match the count), so `len(content) == usage.completion_tokens`
and the pieces' bytes concatenate to the text. They approximate, but are
not, the tokenizer's own tokens.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from playground.sim.content.answers import SimAnswer, stable_seed

MAX_TOP_LOGPROBS = 20

# An answer's mean token logprob is -(FLOOR + WEAK_MODEL * (1 - quality)
# + UNCERTAINTY * hedge_probability + HEDGED if hedged + WRONG if wrong),
# then jittered by +-ANSWER_JITTER. Confident answers land in about
# -0.05..-0.55, hedged ones in about -0.68..-1.32: far apart whatever the
# prompt. A wrong short reply (a label, a number, a fact) sits in between.
FLOOR = 0.05
WEAK_MODEL = 0.1
UNCERTAINTY = 0.35
HEDGED = 0.7
WRONG = 0.45
ANSWER_JITTER = 0.1
# Per-token shape: Exp(1) ** SKEW rescaled to the answer's mean; >1 gives
# many near-certain tokens and a few forks.
SKEW = 1.6
MIN_LOGPROB = -20.0
# Alternatives share the probability the sampled token leaves, decaying
# geometrically: the j-th gets (1 - p) * (1 - DECAY) * DECAY ** j.
DECAY = 0.45
_COMMON_TOKENS = (" the", " a", " to", " of", " and", " is", " it", " in", " that", " this", ",", ".", " for",
                  " on", " with", " as", " be", " or", " can", " not", "\n", " you", " we", ":")

_PRETOKEN_RE = re.compile(r" ?[^\W\d_]+| ?\d{1,3}| ?[^\w\s]+| ?_+|\s+(?!\S)|\s+")


@dataclass(frozen=True, slots=True)
class TopLogprob:
    token: str
    bytes: bytes
    logprob: float


@dataclass(frozen=True, slots=True)
class TokenLogprob:
    token: str
    bytes: bytes
    logprob: float
    top: tuple[TopLogprob, ...]  # most likely first; at most the top_logprobs asked for


def mean_logprob(answer: SimAnswer, quality: float) -> float:
    """The confidence an answer is rendered with (before jitter): the mean
    logprob of its tokens, from the model's quality and the answer's own
    hedge probability and outcome. Exposed so evaluation can use the same
    signal without a server."""
    spread = FLOOR + WEAK_MODEL * (1.0 - quality) + UNCERTAINTY * answer.hedge_probability
    return -(spread + (HEDGED if answer.hedged else 0.0) + (WRONG if answer.wrong else 0.0))


def token_logprobs(
    text: str, tokens: int, answer: SimAnswer, quality: float, *, top_logprobs: int = 0, key: str = ""
) -> list[TokenLogprob]:
    """One entry per token of `text` (which counts `tokens` tokens), with
    the `top_logprobs` most likely tokens at each position. `key` (the
    model's name) varies the values between models."""
    if not 0 <= top_logprobs <= MAX_TOP_LOGPROBS:
        raise ValueError(f"top_logprobs must be 0..{MAX_TOP_LOGPROBS}, got {top_logprobs}")
    pieces = token_pieces(text, tokens)
    if not pieces:
        return []
    rng = random.Random(stable_seed("logprobs", key, answer.text, str(len(pieces))))
    target = mean_logprob(answer, quality) * rng.uniform(1 - ANSWER_JITTER, 1 + ANSWER_JITTER)
    raw = [rng.expovariate(1.0) ** SKEW for _ in pieces]
    scale = target / (sum(raw) / len(raw))
    values = [max(MIN_LOGPROB, x * scale) for x in raw]
    names = [_token_name(p) for p in pieces]
    alternatives = random.Random(rng.getrandbits(64))
    pool = list(dict.fromkeys(names + list(_COMMON_TOKENS)))
    return [
        TokenLogprob(name, piece, value, _top(name, piece, value, top_logprobs, pool, alternatives))
        for name, piece, value in zip(names, pieces, values, strict=False)
    ]


def by_chunk(entries: Sequence[TokenLogprob], chunks: Sequence[str]) -> list[list[TokenLogprob]]:
    """The entries each streamed chunk carries: a token goes with the chunk
    its first byte is in."""
    ends: list[int] = []
    offset = 0
    for chunk in chunks:
        offset += len(chunk.encode())
        ends.append(offset)
    grouped: list[list[TokenLogprob]] = [[] for _ in chunks]
    start = 0
    for entry in entries:
        grouped[min(bisect_right(ends, start), len(chunks) - 1)].append(entry)
        start += len(entry.bytes)
    return grouped


def token_pieces(text: str, count: int) -> list[bytes]:
    """Exactly `count` non-empty pieces (at least 1 for a non-empty text, at
    most its byte length) whose concatenation is `text` in UTF-8."""
    data = text.encode()
    if not data:
        return []
    count = max(1, min(count, len(data)))
    pieces = [p.encode() for p in _PRETOKEN_RE.findall(text)]
    if len(pieces) < count:
        return _split(pieces, count)
    if len(pieces) > count:
        return _merge(pieces, count)
    return pieces


def _split(pieces: list[bytes], count: int) -> list[bytes]:
    """Cut the longest pieces (by average part length) into more parts."""
    parts = [1] * len(pieces)
    heap: list[tuple[float, int]] = [(-len(p), i) for i, p in enumerate(pieces)]
    heapq.heapify(heap)
    for _ in range(count - len(pieces)):
        while True:
            _, i = heapq.heappop(heap)
            if parts[i] < len(pieces[i]):
                break
        parts[i] += 1
        heapq.heappush(heap, (-len(pieces[i]) / parts[i], i))
    out: list[bytes] = []
    for piece, n in zip(pieces, parts, strict=False):
        out.extend(_cut(piece, n))
    return out


def _cut(piece: bytes, n: int) -> list[bytes]:
    """`piece` in `n` near-equal parts, at character boundaries when it has
    enough characters (`n` is at most its byte length)."""
    if n == 1:
        return [piece]
    boundaries = [i for i in range(1, len(piece)) if piece[i] & 0xC0 != 0x80]
    if len(boundaries) < n - 1:
        boundaries = list(range(1, len(piece)))
    step = (len(boundaries) + 1) / n  # >= 1, so the cuts below are distinct and increasing
    edges = [0, *(boundaries[math.floor(j * step) - 1] for j in range(1, n)), len(piece)]
    return [piece[a:b] for a, b in itertools.pairwise(edges)]


def _merge(pieces: list[bytes], count: int) -> list[bytes]:
    """Join neighbours, spread evenly over the text, preferring joins that
    keep a word and the whitespace after it apart (so a token never spans
    two streamed chunks, which always start at whitespace)."""
    strict = True
    while len(pieces) > count:
        excess = len(pieces) - count
        candidates = [i for i in range(len(pieces) - 1) if not strict or _joinable(pieces[i], pieces[i + 1])]
        chosen: list[int] = []
        step = max(1.0, len(candidates) / excess)
        for k in range(len(candidates)):
            i = candidates[min(len(candidates) - 1, int(k * step))]
            if not chosen or i > chosen[-1] + 1:
                chosen.append(i)
            if len(chosen) == excess or int((k + 1) * step) >= len(candidates):
                break
        if not chosen:
            strict = False
            continue
        joined = set(chosen)
        merged: list[bytes] = []
        i = 0
        while i < len(pieces):
            if i in joined:
                merged.append(pieces[i] + pieces[i + 1])
                i += 2
            else:
                merged.append(pieces[i])
                i += 1
        pieces = merged
    return pieces


def _joinable(left: bytes, right: bytes) -> bool:
    """False where a streamed chunk could begin: after a non-space, before a space."""
    return left[-1:].isspace() or not right[:1].isspace()


def _token_name(piece: bytes) -> str:
    """The token as the API shows it; a piece that is not valid UTF-8 on
    its own (part of a character) is shown as its bytes, as OpenAI does."""
    try:
        return piece.decode()
    except UnicodeDecodeError:
        return "bytes:" + "".join(f"\\x{b:02x}" for b in piece)


_ALTERNATIVE_SHARES = tuple(math.log((1 - DECAY) * DECAY**j) for j in range(MAX_TOP_LOGPROBS))


def _top(
    name: str, piece: bytes, logprob: float, k: int, pool: list[str], rng: random.Random
) -> tuple[TopLogprob, ...]:
    """The sampled token among `k` alternatives from `pool` (a run of it
    from a random start, so they are distinct), most likely first."""
    if k == 0:
        return ()
    left = math.log(max(1e-12, -math.expm1(logprob)))
    start = rng.randrange(len(pool))
    names = [pool[(start + i) % len(pool)] for i in range(k + 1)]
    names = [n for n in names if n != name][:k]
    entries = [TopLogprob(other, other.encode(), max(MIN_LOGPROB, left + share))
               for other, share in zip(names, _ALTERNATIVE_SHARES, strict=False)]
    rank = sum(1 for e in entries if e.logprob > logprob)
    entries.insert(rank, TopLogprob(name, piece, logprob))
    return tuple(entries[:k])
