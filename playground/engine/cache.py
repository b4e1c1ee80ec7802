"""Semantic cache: exact match first, then embedding similarity above a
threshold; entries expire after a TTL and the oldest go first past a size
bound. Entries are kept per strategy so side-by-side columns never serve
each other's answers.

The similarity search is one matrix-vector product per lookup over a
strategy's unit-length rows (a numpy matrix, float32), so a lookup never
runs Python per entry. The work per lookup is bounded by `max_entries`
(at most `MAX_ENTRIES`) times the vectors' width: the cache asks the
embeddings endpoint for `dimensions` (256 by default) instead of the
model's full width. OpenAI's text-embedding-3 models are trained so that
a shortened embedding keeps its meaning ("Matryoshka" embeddings; the
`dimensions` parameter, https://openai.com/index/new-embedding-models-and-api-updates/),
and the simulator's embeddings behave the same way.

Safe across threads (one lock): a Router shares its cache between the
engines of several threads.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from playground.core.errors import UserError
from playground.core.lazy_numpy import np

# Upper bound for `max_entries`: with 256-wide vectors a full cache is a
# 50 MB matrix per strategy and a lookup stays in single-digit milliseconds.
MAX_ENTRIES = 50_000
DEFAULT_DIMENSIONS = 256


@dataclass(frozen=True, slots=True)
class CacheConfig:
    enabled: bool = False
    similarity_threshold: float = 0.92
    ttl_s: float = 3600.0
    max_entries: int = 1000
    embedding_model: str = "text-embedding-3-small"
    # Width asked of the embeddings endpoint (None: the model's full width).
    dimensions: int | None = DEFAULT_DIMENSIONS

    def __post_init__(self) -> None:
        if not 0 < self.similarity_threshold <= 1:
            raise ValueError("similarity_threshold must be in (0, 1]")
        if not (self.ttl_s > 0 and math.isfinite(self.ttl_s)):
            raise ValueError("ttl_s must be a positive number of seconds")
        if not 1 <= self.max_entries <= MAX_ENTRIES:
            raise UserError(f"cache.max_entries must be within 1..{MAX_ENTRIES:,} (each lookup compares against "
                            f"every entry)")
        if self.dimensions is not None and not 1 <= self.dimensions <= 8192:
            raise ValueError("dimensions must be within 1..8192")


@dataclass(frozen=True, slots=True)
class CacheEntry:
    strategy: str
    prompt: str
    text: str
    model: str
    stored_at: float


@dataclass(frozen=True, slots=True)
class CacheHit:
    kind: Literal["exact", "semantic"]
    similarity: float
    entry: CacheEntry

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "similarity": round(self.similarity, 4), "cached_prompt": self.entry.prompt,
                "model": self.entry.model}


def normalize_prompt(text: str) -> str:
    return " ".join(text.lower().split())


def unit_vector(vector: Sequence[float] | np.ndarray) -> np.ndarray | None:
    """`vector` as a unit-length float32 row, or None if it has no direction."""
    row = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.sqrt(np.einsum("i,i->", row, row)))
    if not math.isfinite(norm) or norm == 0.0:
        return None
    return row / norm


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    ua, ub = unit_vector(a), unit_vector(b)
    return float(ua.dot(ub)) if ua is not None and ub is not None and ua.shape == ub.shape else 0.0


class _Index:
    """One strategy's vectors: unit rows in a matrix that grows by doubling
    up to the cache's bound; freed rows are zeroed and reused."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.rows = np.zeros((16, width), dtype=np.float32)
        self.live = np.zeros(16, dtype=bool)
        self.keys: list[tuple[str, str] | None] = [None] * 16
        self.used = 0  # rows ever filled: the search covers rows[:used]
        self.free: list[int] = []

    def add(self, key: tuple[str, str], row: np.ndarray) -> int:
        if self.free:
            slot = self.free.pop()
        else:
            if self.used == len(self.rows):
                grown = len(self.rows) * 2
                self.rows = np.vstack([self.rows, np.zeros_like(self.rows)])
                self.live = np.concatenate([self.live, np.zeros_like(self.live)])
                self.keys += [None] * (grown - len(self.keys))
            slot = self.used
            self.used += 1
        self.rows[slot] = row
        self.live[slot] = True
        self.keys[slot] = key
        return slot

    def remove(self, slot: int) -> None:
        self.rows[slot] = 0.0
        self.live[slot] = False
        self.keys[slot] = None
        self.free.append(slot)

    def nearest(self, query: np.ndarray) -> tuple[int, float] | None:
        if self.used == 0:
            return None
        # einsum's own SIMD loop: one pass, on this thread (a BLAS call may
        # spin up threads, which costs more than it saves at this size).
        similarities = np.einsum("ij,j->i", self.rows[: self.used], query)
        similarities[~self.live[: self.used]] = -np.inf
        slot = int(similarities.argmax())
        best = float(similarities[slot])
        return (slot, best) if best > -np.inf else None


class SemanticCache:
    def __init__(self, config: CacheConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        # Oldest first: stores only ever append, so expiry pops from the front.
        self._entries: OrderedDict[tuple[str, str], tuple[CacheEntry, int | None]] = OrderedDict()
        self._indexes: dict[str, _Index] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _expire(self) -> None:
        horizon = self.clock() - self.config.ttl_s
        while self._entries:
            key, (entry, _) = next(iter(self._entries.items()))
            if entry.stored_at > horizon:
                break
            self._drop(key)

    def _drop(self, key: tuple[str, str]) -> None:
        _, slot = self._entries.pop(key)
        if slot is not None:
            self._indexes[key[0]].remove(slot)

    def exact(self, strategy: str, prompt: str) -> CacheHit | None:
        with self._lock:
            self._expire()
            held = self._entries.get((strategy, normalize_prompt(prompt)))
        return CacheHit("exact", 1.0, held[0]) if held else None

    def similar(self, strategy: str, vector: Sequence[float] | np.ndarray) -> tuple[CacheHit | None, float]:
        """The closest entry above the threshold, and the best similarity seen
        (for the trace, even on a miss)."""
        query = unit_vector(vector)
        with self._lock:
            self._expire()
            index = self._indexes.get(strategy)
            if query is None or index is None or index.width != query.shape[0]:
                return None, 0.0
            found = index.nearest(query)
            if found is None:
                return None, 0.0
            slot, best = found
            key = index.keys[slot]
            entry = self._entries[key][0] if key is not None else None
        if entry is not None and best >= self.config.similarity_threshold:
            return CacheHit("semantic", best, entry), best
        return None, best

    def store(self, strategy: str, prompt: str, vector: Sequence[float] | np.ndarray | None, text: str,
              model: str) -> None:
        key = (strategy, normalize_prompt(prompt))
        row = None if vector is None else unit_vector(vector)
        with self._lock:
            if key in self._entries:
                self._drop(key)
            slot = None
            if row is not None:
                index = self._indexes.get(strategy)
                if index is None:
                    index = self._indexes[strategy] = _Index(row.shape[0])
                if index.width == row.shape[0]:  # another width (the model changed): exact matches only
                    slot = index.add(key, row)
            self._entries[key] = (CacheEntry(strategy, prompt, text, model, self.clock()), slot)
            while len(self._entries) > self.config.max_entries:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._indexes.clear()
