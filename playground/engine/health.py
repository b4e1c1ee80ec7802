"""Live health of every model endpoint: its circuit breaker, calls in flight
and latency/success averages. Load balancing and the circuit panel read it.

A call takes a `CallPermit` (breaker leave plus an in-flight count) and
ends it exactly once, in a `finally`: whatever happens in between (an
exception, a cancellation) the in-flight count comes down and a half-open
probe slot goes back. Safe across threads: the Router shares one board
between the engines of several threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from playground.core.errors import NON_RETRYABLE, ErrorKind, ProviderError
from playground.engine.breaker import BreakerConfig, BreakerSnapshot, BreakerTransition, CircuitBreaker, Permit

logger = logging.getLogger(__name__)

# Weight of the newest sample in the moving averages.
EWMA_ALPHA = 0.3

Listener = Callable[[BreakerTransition], None]


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
            previous = self.ewma_ttft_ms
            self.ewma_ttft_ms = ttft_ms if previous is None else EWMA_ALPHA * ttft_ms + (1 - EWMA_ALPHA) * previous


class CallPermit:
    """One call's leave: the breaker's permit and an in-flight count. End it
    with `finish` (the outcome) or `release` (no outcome); only the first
    of them counts."""

    __slots__ = ("_board", "_done", "endpoint", "permit")

    def __init__(self, board: HealthBoard, endpoint: str, permit: Permit) -> None:
        self._board = board
        self.endpoint = endpoint
        self.permit = permit
        self._done = False

    @property
    def forced(self) -> bool:
        return self.permit.forced

    def finish(self, error: ProviderError | None, duration_s: float, ttft_ms: float | None) -> None:
        if self._done:
            return
        self._done = True
        self._board._finish(self, error, duration_s, ttft_ms)

    def release(self) -> None:
        """End without an outcome (the call never happened, or was cancelled)."""
        if self._done:
            return
        self._done = True
        self._board._finish(self, None, 0.0, None, counted=False)


class HealthBoard:
    def __init__(self, config: BreakerConfig | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config or BreakerConfig()
        self.clock = clock
        self._lock = threading.Lock()
        self._breakers: dict[str, CircuitBreaker] = {}
        self._stats: dict[str, EndpointStats] = {}
        # A dict keeps insertion order and removes in O(1) with hundreds of runs listening.
        self._listeners: dict[Listener, None] = {}

    def add_listener(self, listener: Listener) -> None:
        with self._lock:
            self._listeners[listener] = None

    def remove_listener(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.pop(listener, None)

    def _notify(self, transition: BreakerTransition) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(transition)
            except Exception:  # a display must never break a request
                logger.exception("breaker listener failed on %s → %s", transition.name, transition.new)

    def breaker(self, endpoint: str) -> CircuitBreaker:
        with self._lock:
            breaker = self._breakers.get(endpoint)
            if breaker is None:
                breaker = self._breakers[endpoint] = CircuitBreaker(endpoint, self.config, self.clock, self._notify)
            return breaker

    def stats(self, endpoint: str) -> EndpointStats:
        with self._lock:
            return self._stats.setdefault(endpoint, EndpointStats())

    # --- permits --------------------------------------------------------------------

    def acquire(self, endpoint: str) -> CallPermit | None:
        """Leave to call `endpoint` now, or None when its circuit says skip it."""
        permit = self.breaker(endpoint).acquire()
        return None if permit is None else self._issue(endpoint, permit)

    def force(self, endpoint: str) -> CallPermit:
        """Leave to call through an open circuit (the panic rule)."""
        return self._issue(endpoint, self.breaker(endpoint).force())

    def admits(self, endpoint: str) -> bool:
        return self.breaker(endpoint).admits()

    def _issue(self, endpoint: str, permit: Permit) -> CallPermit:
        with self._lock:
            self._stats.setdefault(endpoint, EndpointStats()).in_flight += 1
        return CallPermit(self, endpoint, permit)

    def _finish(self, call: CallPermit, error: ProviderError | None, duration_s: float, ttft_ms: float | None,
                counted: bool = True) -> None:
        permit = call.permit
        ignored = not counted or (error is not None and (
            error.kind in NON_RETRYABLE or error.kind is ErrorKind.CANCELLED
            or (error.kind is ErrorKind.RATE_LIMITED and not self.config.count_rate_limits)))
        with self._lock:
            stats = self._stats.setdefault(call.endpoint, EndpointStats())
            stats.in_flight = max(0, stats.in_flight - 1)
            if not ignored:
                stats.observe(error is None, ttft_ms)
        if ignored:
            permit.ignore()
        elif error is None:
            permit.success(duration_s)
        else:
            permit.failure(duration_s)

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
        with self._lock:
            breakers = [self._breakers[name] for name in sorted(self._breakers)]
        return [breaker.snapshot() for breaker in breakers]

    def reconfigure(self, config: BreakerConfig) -> None:
        """New settings apply to breakers from now on; existing ones restart CLOSED."""
        with self._lock:
            self.config = config
            self._breakers.clear()
