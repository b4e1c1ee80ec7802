"""The learned router's shipped file is exactly the built-in examples embedded
by the simulator's deterministic embedding function (what its endpoint
returns), so the strategy never imports the simulator.

Rebuild it after changing the examples or the embedding function:
    python -m tests.unit.test_learned_builtin --write
"""

from __future__ import annotations

import sys
from importlib import resources

from playground.sim.embeddings import embed_text
from playground.strategies.learned import (
    BUILTIN_EXAMPLES,
    BUILTIN_ROUTER_FILE,
    DEFAULT_DIMENSIONS,
    TrainedRouter,
    builtin_router,
    load_examples,
    train,
)


def rebuilt() -> TrainedRouter:
    return train(load_examples(BUILTIN_EXAMPLES), lambda texts: [embed_text(t, DEFAULT_DIMENSIONS) for t in texts],
                 embedding_model="text-embedding-3-small", dimensions=DEFAULT_DIMENSIONS, simulated=True)


def test_the_shipped_router_is_the_builtin_examples_embedded_by_the_simulator() -> None:
    shipped = builtin_router()
    assert shipped == rebuilt()
    assert shipped.simulated_embeddings and shipped.dimensions == DEFAULT_DIMENSIONS


if __name__ == "__main__" and "--write" in sys.argv:
    target = resources.files("playground.strategies").joinpath(BUILTIN_ROUTER_FILE)
    with resources.as_file(target) as path:
        path.write_text(rebuilt().model_dump_json() + "\n", encoding="utf-8")
        print(f"wrote {path}")
