"""Semantic cache: exact match first, then embedding similarity above a
threshold; entries expire after a TTL and the oldest go first past a size
bound. Entries are kept per strategy so side-by-side columns never serve
each other's answers."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class CacheConfig:
    enabled: bool = False
    similarity_threshold: float = 0.92
    ttl_s: float = 3600.0
    max_entries: int = 1000
    embedding_model: str = "text-embedding-3-small"

    def __post_init__(self) -> None:
        if not 0 < self.similarity_threshold <= 1:
            raise ValueError("similarity_threshold must be in (0, 1]")
        if self.ttl_s <= 0 or self.max_entries < 1:
            raise ValueError("ttl_s must be positive and max_entries at least 1")


@dataclass(frozen=True, slots=True)
class CacheEntry:
    strategy: str
    prompt: str
    vector: tuple[float, ...] | None
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


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


class SemanticCache:
    def __init__(self, config: CacheConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.clock = clock
        self._entries: OrderedDict[tuple[str, str], CacheEntry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def _expire(self) -> None:
        horizon = self.clock() - self.config.ttl_s
        for key in [k for k, e in self._entries.items() if e.stored_at <= horizon]:
            del self._entries[key]

    def exact(self, strategy: str, prompt: str) -> CacheHit | None:
        self._expire()
        entry = self._entries.get((strategy, normalize_prompt(prompt)))
        return CacheHit("exact", 1.0, entry) if entry else None

    def similar(self, strategy: str, vector: Sequence[float]) -> tuple[CacheHit | None, float]:
        """The closest entry above the threshold, and the best similarity seen
        (for the trace, even on a miss)."""
        self._expire()
        best: tuple[float, CacheEntry] | None = None
        for (owner, _), entry in self._entries.items():
            if owner != strategy or entry.vector is None:
                continue
            similarity = cosine(vector, entry.vector)
            if best is None or similarity > best[0]:
                best = (similarity, entry)
        if best is None:
            return None, 0.0
        if best[0] >= self.config.similarity_threshold:
            return CacheHit("semantic", best[0], best[1]), best[0]
        return None, best[0]

    def store(self, strategy: str, prompt: str, vector: Sequence[float] | None, text: str, model: str) -> None:
        key = (strategy, normalize_prompt(prompt))
        self._entries.pop(key, None)
        self._entries[key] = CacheEntry(strategy, prompt, tuple(vector) if vector is not None else None, text, model, self.clock())
        while len(self._entries) > self.config.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
