"""The built-in simulator: a loopback OpenAI + Anthropic compatible server
with simulated counterparts of every catalog model.

Grouped by job:
- `runner`: `SimServer` (a thread serving the app with Uvicorn) and
  `serve_forever` (`playground sim`).
- `wire/`: the HTTP side: the Starlette app and request path, the OpenAI
  Chat Completions and Anthropic Messages parsers and dialects, embeddings,
  model names, the `/_sim` control API, safe body reading.
- `faults/`: the fault syntax, the plans it drives, the swappable active
  plan and the counters of what was injected.
- `content/`: what simulated models say (answers, facts, judges,
  classifiers, logprobs, embeddings) and the paced generation plan.
- `features/`: images, tools, JSON mode, and what each model accepts.
- `data/`: the tables behind them, each citing its sources.
- `errors`: protocol-neutral errors rendered in each API's shape.

`SimServer` and `serve_forever` are imported lazily so that the pure parts
(`playground.sim.content.*`, used by evaluation and offline by the app) do
not pull in Uvicorn. Old import paths kept for other layers:
`playground.sim.fault_spec` and `playground.sim.embeddings`.
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
