"""Request time budgets the engine enforces on every attempt."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect_s: float = 5.0
    first_token_s: float = 30.0
    # A stream that stops sending for this long is treated as stalled.
    idle_s: float = 20.0
    total_s: float = 180.0
