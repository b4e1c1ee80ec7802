"""What a strategy decided and why; the engine executes it, the UI shows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Candidate:
    """One model a strategy looked at, with the verdict on it."""

    model: str
    score: float | None = None
    accepted: bool = True
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "score": self.score, "accepted": self.accepted, "note": self.note}


@dataclass(frozen=True, slots=True)
class Decision:
    model: str
    reason: str
    candidates: tuple[Candidate, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    # Models to try, in order, when the chosen one fails. Empty means the
    # engine's configured chain for the chosen model.
    fallbacks: tuple[str, ...] = ()

    def trace(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "reason": self.reason,
            "candidates": [c.to_dict() for c in self.candidates],
            "details": dict(self.details),
            "fallbacks": list(self.fallbacks),
        }
