"""What the session has spent, run by run, without keeping the runs.

Columns hand every run to the ledger once it ended; the ledger keeps sums,
not the runs, so memory stays flat however long the session (the history
store, not the screen, keeps past runs)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from weakref import WeakSet

from playground.runview.run_state import RunState


@dataclass
class SpendLedger:
    """Sums over ended runs; `record` is idempotent per run."""

    total_usd: float = 0.0
    runs: int = 0
    cancelled_runs: int = 0
    cancelled_usd: float = 0.0
    _seen: WeakSet[RunState] = field(default_factory=WeakSet, repr=False)

    def record(self, run: RunState) -> bool:
        """Count an ended run once; returns whether it was new."""
        if run.running or run in self._seen:
            return False
        self._seen.add(run)
        self.runs += 1
        self.total_usd += run.cost_usd
        if run.status == "cancelled":
            self.cancelled_runs += 1
            self.cancelled_usd += run.cost_usd
        return True

    def record_all(self, runs: Iterable[RunState]) -> None:
        for run in runs:
            self.record(run)

    def counted(self, run: RunState) -> bool:
        return run in self._seen
