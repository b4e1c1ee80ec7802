"""The built-in simulator: a loopback OpenAI + Anthropic compatible server
with simulated counterparts of every catalog model.

`SimServer` and `serve_forever` are imported lazily so that the pure parts
(`playground.sim.content.answers`, `.embeddings` and `.logprobs`, used by evaluation
and offline by the app) do not pull in Uvicorn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playground.sim.runner import SimServer, serve_forever

__all__ = ["SimServer", "serve_forever"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from playground.sim import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
