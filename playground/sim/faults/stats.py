"""Counters of what the simulator served and injected, per model, so tests
and the soak command can check what was actually injected rather than what
was configured. Written on the server's loop thread, read from any thread."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from playground.sim.faults.spec import KINDS

# Every kind of the fault syntax appears in a snapshot, zero or not, so
# readers can index without guarding. "latency_ms" counts delayed requests.
FAULT_NAMES = KINDS


@dataclass(slots=True)
class _ModelStats:
    requests: int = 0
    mid_stream: int = 0  # faults that arrived after the response had started
    faults: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        faults = {name: self.faults.get(name, 0) for name in FAULT_NAMES}
        faults.update({name: n for name, n in self.faults.items() if name not in faults})
        return {"requests": self.requests, "faults": faults, "mid_stream": self.mid_stream}


class SimStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[str, _ModelStats] = {}

    def request(self, model: str) -> None:
        with self._lock:
            self._model(model).requests += 1

    def fault(self, model: str, name: str, *, mid_stream: bool = False) -> None:
        with self._lock:
            stats = self._model(model)
            stats.faults[name] += 1
            stats.mid_stream += mid_stream

    def reset(self) -> None:
        with self._lock:
            self._models.clear()

    def snapshot(self) -> dict[str, Any]:
        """`{"requests": n, "faults": {kind: n}, "models": {served_name: {"requests", "faults", "mid_stream"}}}`"""
        with self._lock:
            models = {name: stats.as_dict() for name, stats in sorted(self._models.items())}
        totals: Counter[str] = Counter({name: 0 for name in FAULT_NAMES})
        for stats in models.values():
            totals.update(stats["faults"])
        return {
            "requests": sum(m["requests"] for m in models.values()),
            "faults": dict(totals),
            "models": models,
        }

    def _model(self, name: str) -> _ModelStats:
        stats = self._models.get(name)
        if stats is None:
            stats = self._models[name] = _ModelStats()
        return stats
