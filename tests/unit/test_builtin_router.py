"""The learned strategy's built-in router is plain data
(`playground/strategies/data/builtin_router.json`): the shipped examples
embedded with the simulator's deterministic embedding function, so the
strategy never imports the simulator. This test keeps the file in step with
the examples; regenerate it with `python -m tests.unit.test_builtin_router`."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np

from playground.sim.embeddings import embed_text
from playground.strategies.learned import (
    BUILTIN_EXAMPLES,
    DEFAULT_DIMENSIONS,
    TrainedRouter,
    builtin_router,
    load_examples,
    train,
)

DATA = Path(str(resources.files("playground.strategies").joinpath("data/builtin_router.json")))


def expected() -> TrainedRouter:
    return train(load_examples(BUILTIN_EXAMPLES), lambda texts: [embed_text(t, DEFAULT_DIMENSIONS) for t in texts],
                 embedding_model="text-embedding-3-small", dimensions=DEFAULT_DIMENSIONS, simulated=True)


def write(router: TrainedRouter, path: Path) -> None:
    """Vectors as the shortest text that reads back as the same float32 (the
    strategy computes in float32), so the file stays small and exact."""
    data = router.model_dump(mode="json")
    data["vectors"] = [[float(np.format_float_positional(np.float32(v), unique=True, trim="-")) for v in row]
                       for row in router.vectors]
    path.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")


def test_the_shipped_router_matches_the_examples_and_the_simulator_embeddings() -> None:
    shipped, fresh = builtin_router(), expected()
    assert shipped.examples == fresh.examples, "examples changed: run `python -m tests.unit.test_builtin_router`"
    assert (shipped.embedding_model, shipped.dimensions, shipped.simulated_embeddings) == (
        fresh.embedding_model, fresh.dimensions, fresh.simulated_embeddings)
    same = np.array_equal(np.asarray(shipped.vectors, dtype=np.float32), np.asarray(fresh.vectors, dtype=np.float32))
    assert same, "embeddings changed: run `python -m tests.unit.test_builtin_router`"


if __name__ == "__main__":
    write(expected(), DATA)
    print(f"wrote {DATA}")
