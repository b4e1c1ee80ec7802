"""Hand-made and synthetic datasets for the evaluation tests."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from playground.core.catalog import Catalog, default_catalog
from playground.eval.dataset import ReplayDataset

STRONG, WEAK = "claude-opus-4-5", "gpt-5-mini"
_EASY = ("hello", "capital", "weather", "thanks", "name", "colour", "time", "list", "quick", "short")
_HARD = (
    "prove",
    "invariant",
    "distributed",
    "concurrency",
    "derive",
    "theorem",
    "deadlock",
    "optimize",
    "architecture",
    "rigorous",
)
_FILLER = ("the", "a", "of", "about", "for", "my", "this", "with", "and", "please")


@pytest.fixture
def catalog() -> Catalog:
    return default_catalog()


def synthetic_prompts(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Prompts of which about a third are 'hard' (hard vocabulary, longer)."""
    rng = random.Random(seed)
    prompts, hard = [], []
    for i in range(n):
        is_hard = rng.random() < 0.35
        vocab = _HARD if is_hard else _EASY
        words = [
            rng.choice(vocab if rng.random() < 0.4 else _FILLER)
            for _ in range(rng.randint(6, 14) + (10 if is_hard else 0))
        ]
        prompts.append(" ".join(words) + f" #{i}")
        hard.append(is_hard)
    return prompts, np.array(hard)


def pair_dataset(n: int = 600, seed: int = 0, learnable: bool = True, costs: bool = True) -> ReplayDataset:
    """A strong/weak dataset: where `learnable`, the weak model fails mostly on
    the hard prompts; otherwise outcomes are noise independent of the prompt."""
    prompts, hard = synthetic_prompts(n, seed)
    rng = np.random.default_rng(seed + 1)
    strong = rng.random(n) < 0.92
    weak_p = np.where(hard, 0.25, 0.85) if learnable else np.full(n, 0.65)
    weak = rng.random(n) < weak_p
    scores = np.column_stack([strong, weak]).astype(np.float64)
    cost = np.column_stack([np.full(n, 0.01), np.full(n, 0.001)]) if costs else np.full((n, 2), np.nan)
    return ReplayDataset(
        "synthetic",
        tuple(prompts),
        tuple(str(i) for i in range(n)),
        (STRONG, WEAK),
        scores,
        cost,
        np.zeros((n, 2), dtype=bool),
    )


@pytest.fixture
def write_wide(tmp_path: Path) -> Callable[..., Path]:
    def write(rows: list[dict[str, object]], name: str = "data.csv") -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    def write(rows: list[dict[str, object]], name: str = "data.jsonl") -> Path:
        path = tmp_path / name
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        return path

    return write


@pytest.fixture
def pair_csv(write_wide: Callable[..., Path]) -> Path:
    data = pair_dataset(300, seed=3)
    rows = [
        {"prompt": p, STRONG: bool(s), WEAK: bool(w), f"{STRONG}|total_cost": 0.01, f"{WEAK}|total_cost": 0.001}
        for p, (s, w) in zip(data.prompts, data.scores.tolist(), strict=False)
    ]
    return write_wide(rows, "pair.csv")


@pytest.fixture
def make_pair() -> Callable[..., ReplayDataset]:
    return pair_dataset


@pytest.fixture
def make_prompts() -> Callable[[int, int], tuple[list[str], np.ndarray]]:
    return synthetic_prompts
