"""What asking for one answer gives: the successful attempt, or the last
error once retries and fallbacks ran out. Shared by the request runner and
the plan executors."""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.errors import ProviderError
from playground.core.events import AttemptRecord


@dataclass(slots=True)
class Answer:
    record: AttemptRecord | None
    error: ProviderError | None
