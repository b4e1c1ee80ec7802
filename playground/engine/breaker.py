"""A circuit breaker per model endpoint, with Resilience4j's semantics.

CLOSED records outcomes in a count- or time-based sliding window; once at
least `minimum_calls` are recorded and the failure rate or the slow-call rate
reaches its threshold, it opens. OPEN rejects calls until
`wait_in_open_s` has passed, then lets `half_open_calls` probes through
(HALF_OPEN); their outcome closes it again or re-opens it. Errors that say
nothing about the endpoint's health (auth, bad request, context too long,
cancellation) are ignored: neither success nor failure.

The clock is injected so the state machine is tested transition by
transition without sleeping.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class BreakerState(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    window_type: Literal["count", "time"] = "count"
    # Calls (count window) or seconds (time window). Resilience4j's default
    # window is 100 calls; so is ours.
    window_size: int = 100
    # Lower than Resilience4j's 100 so a dead endpoint opens after 20 calls,
    # while you watch. With so few calls a 50% threshold opens on noise when
    # a third of calls fail (measured in soak runs), hence 60%.
    minimum_calls: int = 20
    failure_rate_threshold: float = 60.0  # percent
    slow_call_rate_threshold: float = 100.0  # percent; 100 = only when every call is slow
    slow_call_duration_s: float = 30.0
    wait_in_open_s: float = 10.0
    half_open_calls: int = 3
    # A 429 is backpressure that honouring Retry-After already handles; it
    # says the endpoint is busy, not broken. Set True to count it anyway.
    count_rate_limits: bool = False

    def __post_init__(self) -> None:
        if self.window_type not in ("count", "time"):
            raise ValueError(f"window_type must be 'count' or 'time', not {self.window_type!r}")
        if self.window_size < 1 or self.minimum_calls < 1 or self.half_open_calls < 1:
            raise ValueError("window_size, minimum_calls and half_open_calls must be at least 1")
        for name in ("failure_rate_threshold", "slow_call_rate_threshold"):
            value = getattr(self, name)
            if not 0 < value <= 100:
                raise ValueError(f"{name} must be in (0, 100], not {value}")
        if self.slow_call_duration_s <= 0 or self.wait_in_open_s < 0:
            raise ValueError("slow_call_duration_s must be positive and wait_in_open_s not negative")


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    """What the circuit panel shows."""

    name: str
    state: BreakerState
    calls: int
    failures: int
    slow_calls: int
    failure_rate: float | None  # percent, None below minimum_calls
    slow_call_rate: float | None
    open_remaining_s: float | None
    half_open_permits_left: int | None


@dataclass(frozen=True, slots=True)
class BreakerTransition:
    name: str
    old: BreakerState
    new: BreakerState
    reason: str
    snapshot: BreakerSnapshot


@dataclass(slots=True)
class _Outcome:
    at: float
    failed: bool
    slow: bool


@dataclass
class CircuitBreaker:
    name: str
    config: BreakerConfig = field(default_factory=BreakerConfig)
    clock: Callable[[], float] = time.monotonic
    on_transition: Callable[[BreakerTransition], None] | None = None

    def __post_init__(self) -> None:
        self._state = BreakerState.CLOSED
        self._window: deque[_Outcome] = deque()
        self._opened_at = 0.0
        self._half_open_issued = 0
        self._half_open_results: list[_Outcome] = []

    # --- state -----------------------------------------------------------------

    @property
    def state(self) -> BreakerState:
        self._advance()
        return self._state

    def _advance(self) -> None:
        if self._state is BreakerState.OPEN and self.clock() - self._opened_at >= self.config.wait_in_open_s:
            self._transition(BreakerState.HALF_OPEN, f"waited {self.config.wait_in_open_s:g}s in OPEN")

    def _transition(self, new: BreakerState, reason: str) -> None:
        old = self._state
        self._state = new
        if new is BreakerState.OPEN:
            self._opened_at = self.clock()
        if new is BreakerState.HALF_OPEN:
            self._half_open_issued = 0
            self._half_open_results = []
        if new is BreakerState.CLOSED:
            self._window.clear()
        if self.on_transition is not None and old is not new:
            self.on_transition(BreakerTransition(self.name, old, new, reason, self._snapshot_now()))

    # --- calls -----------------------------------------------------------------

    def try_acquire(self) -> bool:
        """Ask to make a call. False means skip this endpoint now."""
        self._advance()
        if self._state is BreakerState.CLOSED:
            return True
        if self._state is BreakerState.HALF_OPEN and self._half_open_issued < self.config.half_open_calls:
            self._half_open_issued += 1
            return True
        return False

    def record_success(self, duration_s: float) -> None:
        self._record(failed=False, duration_s=duration_s)

    def record_failure(self, duration_s: float) -> None:
        self._record(failed=True, duration_s=duration_s)

    def record_ignored(self) -> None:
        """Release a permission without counting the call (auth, bad request...)."""
        if self._state is BreakerState.HALF_OPEN and self._half_open_issued > len(self._half_open_results):
            self._half_open_issued -= 1

    def _record(self, *, failed: bool, duration_s: float) -> None:
        self._advance()
        outcome = _Outcome(self.clock(), failed, duration_s >= self.config.slow_call_duration_s)
        if self._state is BreakerState.HALF_OPEN:
            self._half_open_results.append(outcome)
            if len(self._half_open_results) >= self.config.half_open_calls:
                verdict = self._verdict(self._half_open_results, self.config.half_open_calls)
                if verdict:
                    self._transition(BreakerState.OPEN, f"half-open probes: {verdict}")
                else:
                    self._transition(BreakerState.CLOSED, f"{len(self._half_open_results)} half-open probes healthy")
            return
        if self._state is BreakerState.OPEN:
            return  # a call that started before the circuit opened
        self._window.append(outcome)
        self._prune()
        verdict = self._verdict(list(self._window), self.config.minimum_calls)
        if verdict:
            self._transition(BreakerState.OPEN, verdict)

    def _prune(self) -> None:
        if self.config.window_type == "count":
            while len(self._window) > self.config.window_size:
                self._window.popleft()
        else:
            horizon = self.clock() - self.config.window_size
            while self._window and self._window[0].at <= horizon:
                self._window.popleft()

    def _verdict(self, outcomes: list[_Outcome], minimum: int) -> str:
        if len(outcomes) < minimum:
            return ""
        failure_rate = 100 * sum(o.failed for o in outcomes) / len(outcomes)
        slow_rate = 100 * sum(o.slow for o in outcomes) / len(outcomes)
        if failure_rate >= self.config.failure_rate_threshold:
            return f"failure rate {failure_rate:.0f}% ≥ {self.config.failure_rate_threshold:g}% over {len(outcomes)} calls"
        if slow_rate >= self.config.slow_call_rate_threshold:
            return f"slow-call rate {slow_rate:.0f}% ≥ {self.config.slow_call_rate_threshold:g}% over {len(outcomes)} calls"
        return ""

    # --- view ------------------------------------------------------------------

    def snapshot(self) -> BreakerSnapshot:
        # Looking moves OPEN to HALF_OPEN once the wait is over (Resilience4j's
        # automatic transition), so a watcher never sees a countdown stuck at 0.
        self._advance()
        return self._snapshot_now()

    def _snapshot_now(self) -> BreakerSnapshot:
        if self.config.window_type == "time":
            self._prune()
        outcomes = self._half_open_results if self._state is BreakerState.HALF_OPEN else list(self._window)
        minimum = self.config.half_open_calls if self._state is BreakerState.HALF_OPEN else self.config.minimum_calls
        calls = len(outcomes)
        failures = sum(o.failed for o in outcomes)
        slow = sum(o.slow for o in outcomes)
        enough = calls >= minimum and calls > 0
        remaining = None
        if self._state is BreakerState.OPEN:
            remaining = max(0.0, self.config.wait_in_open_s - (self.clock() - self._opened_at))
        permits = self.config.half_open_calls - self._half_open_issued if self._state is BreakerState.HALF_OPEN else None
        return BreakerSnapshot(
            name=self.name,
            state=self._state,
            calls=calls,
            failures=failures,
            slow_calls=slow,
            failure_rate=100 * failures / calls if enough else None,
            slow_call_rate=100 * slow / calls if enough else None,
            open_remaining_s=remaining,
            half_open_permits_left=permits,
        )
