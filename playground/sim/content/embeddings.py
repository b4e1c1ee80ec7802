"""Deterministic text embeddings for the simulator's `/v1/embeddings`, also
usable offline (semantic cache, learned router) without any server.

Feature hashing: the normalized text's word stems (stopwords weigh little),
bigrams of its content words and character trigrams of its content words
are each hashed (blake2b, stable across processes) to one signed bucket per
"row", with sublinear term frequency, and the vector is L2-normalized.
Texts that share words or word fragments come out close, unrelated texts
near 0; there is no notion of synonyms.

Rows double in width (128, 128, 256, 512, ...), so a shorter vector is the
prefix of a longer one, renormalized, exactly as the `dimensions` parameter
of OpenAI's text-embedding-3 models behaves (Matryoshka embeddings): every
prefix is a complete hashed embedding on its own, and longer ones are just
less noisy. The model name seeds the hash, so two models' vectors are not
comparable, as with real models.

Pure Python: a 1000-token text embeds in a few milliseconds (feature slots
are cached, so repeated vocabulary is cheaper still).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from playground.sim.content.embedding_models import DEFAULT_EMBEDDING_MODEL
from playground.sim.content.prompt import STOPWORDS

MAX_DIMENSIONS = 8192
_ROW_STARTS = (0, 128, 256, 512, 1024, 2048, 4096)
_ROW_WIDTHS = (128, 128, 256, 512, 1024, 2048, 4096)
_BITS_PER_ROW = 24  # 1 sign bit + 23 bits reduced modulo the row width
# One digest size whatever the length asked for: blake2b's output depends on
# it, and a shorter vector must hash its features exactly as a longer one.
_DIGEST_BYTES = len(_ROW_STARTS) * _BITS_PER_ROW // 8

WORD_WEIGHT = 1.0
STOPWORD_WEIGHT = 0.15
BIGRAM_WEIGHT = 0.5
TRIGRAM_WEIGHT = 0.2
_KIND_WEIGHTS = {"w": WORD_WEIGHT, "s": STOPWORD_WEIGHT, "b": BIGRAM_WEIGHT, "c": TRIGRAM_WEIGHT, "r": WORD_WEIGHT}

_WORD_RE = re.compile(r"[^\W_]+")
# Tried in order; the first that leaves a stem of 3+ characters is stripped.
_SUFFIXES = ("ing", "ed", "es", "s", "ly")


def embed_text(text: str, dimensions: int = 1536, *, model: str = DEFAULT_EMBEDDING_MODEL) -> list[float]:
    """The unit-length embedding of `text`, `dimensions` long (1..8192).
    `model` is the provider's name (e.g. "text-embedding-3-small"): the same
    (text, dimensions, model) always gives the same vector."""
    if not 1 <= dimensions <= MAX_DIMENSIONS:
        raise ValueError(f"dimensions must be 1..{MAX_DIMENSIONS}, got {dimensions}")
    vector = [0.0] * dimensions
    for feature, weight in features(text).items():
        for index, sign in _slots(model, feature, dimensions):
            vector[index] += sign * weight
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0.0:  # every feature fell beyond a tiny `dimensions`
        vector[0] = 1.0
        return vector
    return [v / norm for v in vector]


def embed_tokens(tokens: Sequence[int], dimensions: int = 1536, *, model: str = DEFAULT_EMBEDDING_MODEL) -> list[float]:
    """An input given as token ids (the API allows it): the ids stand in for
    words, so arrays sharing tokens come out close."""
    return embed_text(" ".join(f"t{token}" for token in tokens), dimensions, model=model)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity; for unit vectors (as returned here) the dot product."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norms if norms else 0.0


def normalize(text: str) -> str:
    """Case-folded, compatibility-normalized, accents stripped."""
    text = unicodedata.normalize("NFKD", text.casefold())
    if text.isascii():
        return text
    return "".join(c for c in text if not unicodedata.combining(c))


def stem(word: str) -> str:
    """A crude suffix stripper, enough for plurals and verb forms to meet
    ("caches", "cached", "caching" -> "cach"); trigrams cover the rest."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            if suffix in ("ing", "ed") and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]  # running -> run
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def features(text: str) -> dict[str, float]:
    """Each hashed feature of `text` and its weight (kind weight times
    1 + ln(count)). Kinds are tagged so a word never collides with a
    trigram spelled the same."""
    counts: Counter[str] = Counter()
    content: list[str] = []
    for word in _WORD_RE.findall(normalize(text)):
        stemmed, word_features = _word_features(word)
        counts.update(word_features)
        if stemmed:
            content.append(stemmed)
    counts.update([f"b:{a} {b}" for a, b in itertools.pairwise(content)])
    if not counts:
        counts["r:" + text.strip()] = 1  # no words at all: the raw text is the only feature
    return {f: _KIND_WEIGHTS[f[0]] * (1.0 + math.log(n)) for f, n in counts.items()}


@lru_cache(maxsize=1 << 14)
def _word_features(word: str) -> tuple[str, tuple[str, ...]]:
    """A word's stem ("" for a stopword) and its own features: a stopword
    is one light feature; a content word its stem and character trigrams."""
    if word in STOPWORDS:
        return "", ("s:" + word,)
    stemmed = stem(word)
    padded = f"#{word}#"
    return stemmed, ("w:" + stemmed, *("c:" + padded[i : i + 3] for i in range(len(padded) - 2)))


@lru_cache(maxsize=1 << 15)
def _slots(model: str, feature: str, dimensions: int) -> tuple[tuple[int, int], ...]:
    """Where `feature` lands: one (index, sign) per row that starts below
    `dimensions`; a slot past the end of a partial last row is dropped, so a
    shorter vector is the prefix of a longer one."""
    digest = hashlib.blake2b(f"{model}\x00{feature}".encode(), digest_size=_DIGEST_BYTES).digest()
    bits = int.from_bytes(digest, "little")
    slots = []
    for start, width in zip(_ROW_STARTS, _ROW_WIDTHS, strict=False):
        if start >= dimensions:
            break
        index = start + ((bits >> 1) & 0x7FFFFF) % width
        if index < dimensions:
            slots.append((index, 1 if bits & 1 else -1))
        bits >>= _BITS_PER_ROW
    return tuple(slots)
