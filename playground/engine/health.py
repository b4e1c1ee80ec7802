"""Live health of every model endpoint: its circuit breaker, calls in flight
and latency/success averages. Load balancing and the circuit panel read it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from playground.core.errors import NON_RETRYABLE, ErrorKind, ProviderError
from playground.engine.breaker import BreakerConfig, BreakerSnapshot, BreakerTransition, CircuitBreaker

logger = logging.getLogger(__name__)

# Weight of the newest sample in the moving averages.
EWMA_ALPHA = 0.3


@dataclass(slots=True)
class EndpointStats:
    in_flight: int = 0
    calls: int = 0
    ewma_ttft_ms: float | None = None
    ewma_success: float = 1.0

    def observe(self, ok: bool, ttft_ms: float | None) -> None:
        self.calls += 1
        self.ewma_success = EWMA_ALPHA * (1.0 if ok else 0.0) + (1 - EWMA_ALPHA) * self.ewma_success
        if ttft_ms is not None:
            self.ewma_ttft_ms = ttft_ms if self.ewma_ttft_ms is None else EWMA_ALPHA * ttft_ms + (1 - EWMA_ALPHA) * self.ewma_ttft_ms


class HealthBoard:
    def __init__(self, config: BreakerConfig | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config or BreakerConfig()
        self.clock = clock
        self._breakers: dict[str, CircuitBreaker] = {}
        self._stats: dict[str, EndpointStats] = {}
        self._listeners: list[Callable[[BreakerTransition], None]] = []

    def add_listener(self, listener: Callable[[BreakerTransition], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[BreakerTransition], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self, transition: BreakerTransition) -> None:
        for listener in list(self._listeners):
            try:
                listener(transition)
            except Exception:  # a display must never break a request
                logger.exception("breaker listener failed on %s → %s", transition.name, transition.new)

    def breaker(self, endpoint: str) -> CircuitBreaker:
        breaker = self._breakers.get(endpoint)
        if breaker is None:
            breaker = CircuitBreaker(endpoint, self.config, self.clock, self._notify)
            self._breakers[endpoint] = breaker
        return breaker

    def stats(self, endpoint: str) -> EndpointStats:
        return self._stats.setdefault(endpoint, EndpointStats())

    def started(self, endpoint: str) -> None:
        self.stats(endpoint).in_flight += 1

    def finished(self, endpoint: str, error: ProviderError | None, duration_s: float, ttft_ms: float | None) -> None:
        stats = self.stats(endpoint)
        stats.in_flight = max(0, stats.in_flight - 1)
        breaker = self.breaker(endpoint)
        if error is None:
            stats.observe(True, ttft_ms)
            breaker.record_success(duration_s)
        elif error.kind in NON_RETRYABLE or error.kind is ErrorKind.CANCELLED or (
            error.kind is ErrorKind.RATE_LIMITED and not breaker.config.count_rate_limits
        ):
            breaker.record_ignored()
        else:
            stats.observe(False, ttft_ms)
            breaker.record_failure(duration_s)

    # --- HealthView, read by strategies -------------------------------------------

    def in_flight(self, model_id: str) -> int:
        stats = self._stats.get(model_id)
        return stats.in_flight if stats else 0

    def ewma_ttft_ms(self, model_id: str) -> float | None:
        stats = self._stats.get(model_id)
        return stats.ewma_ttft_ms if stats else None

    def success_rate(self, model_id: str) -> float:
        stats = self._stats.get(model_id)
        return stats.ewma_success if stats else 1.0

    def circuit_state(self, model_id: str) -> str:
        breaker = self._breakers.get(model_id)
        return str(breaker.state) if breaker else "CLOSED"

    def snapshots(self) -> list[BreakerSnapshot]:
        return [self._breakers[name].snapshot() for name in sorted(self._breakers)]

    def reconfigure(self, config: BreakerConfig) -> None:
        """New settings apply to breakers from now on; existing ones restart CLOSED."""
        self.config = config
        self._breakers.clear()
