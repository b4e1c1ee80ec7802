"""A circuit breaker per model endpoint, with Resilience4j's semantics.

CLOSED records outcomes in a count- or time-based sliding window; once at
least `minimum_calls` are recorded and the failure rate or the slow-call rate
reaches its threshold, it opens. OPEN rejects calls until
`wait_in_open_s` has passed, then lets `half_open_calls` probes through
(HALF_OPEN); their outcome closes it again or re-opens it. Errors that say
nothing about the endpoint's health (auth, bad request, context too long,
cancellation) are ignored: neither success nor failure.

A call holds a `Permit` from `acquire` and ends it exactly once (success,
failure or ignored). A permit issued before a transition says nothing about
the new state, so its outcome is dropped (each state has a generation).
When every candidate of a request is open, the engine may `force` a permit
(the panic rule, see `health.py`): the call goes through without changing
the state or its countdown.

Safe across threads: one lock per breaker; transitions are announced after
it is released, so a listener may read any breaker.

The clock is injected so the state machine is tested transition by
transition without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from playground.core.events import BreakerState

__all__ = ["BreakerConfig", "BreakerSnapshot", "BreakerState", "BreakerTransition", "CircuitBreaker", "Permit"]


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
    # Envoy's panic rule: when every model a request may use has an open
    # circuit, let the call through the first of them instead of failing at
    # once (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/panic_threshold).
    # Breakers then still spare the healthy-looking candidates, but can never
    # turn a fault-heavy but working fleet into no answers at all.
    panic_when_all_open: bool = True

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


class Permit:
    """Leave to make one call. End it once: `success`, `failure` or
    `ignore` (auth, bad request, cancelled, or never called); later calls
    are no-ops, so a `finally` may always `ignore`."""

    __slots__ = ("_done", "breaker", "forced", "generation", "probe")

    def __init__(self, breaker: CircuitBreaker, generation: int, *, probe: bool = False, forced: bool = False) -> None:
        self.breaker = breaker
        self.generation = generation
        self.probe = probe  # holds one of HALF_OPEN's probe slots
        self.forced = forced  # let through an open circuit by the panic rule
        self._done = False

    @property
    def done(self) -> bool:
        return self._done

    def success(self, duration_s: float) -> None:
        self._end(False, duration_s)

    def failure(self, duration_s: float) -> None:
        self._end(True, duration_s)

    def ignore(self) -> None:
        self._end(None, 0.0)

    def _end(self, failed: bool | None, duration_s: float) -> None:
        if self._done:
            return
        self._done = True
        self.breaker._finish(self, failed, duration_s)


@dataclass
class CircuitBreaker:
    name: str
    config: BreakerConfig = field(default_factory=BreakerConfig)
    clock: Callable[[], float] = time.monotonic
    on_transition: Callable[[BreakerTransition], None] | None = None

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._state = BreakerState.CLOSED
        self._generation = 0
        self._window: deque[_Outcome] = deque()
        # Failures and slow calls in the window, kept as it changes: a
        # verdict is then O(1), not a pass over up to `window_size` calls.
        self._failures = 0
        self._slow = 0
        self._opened_at = 0.0
        self._half_open_issued = 0
        self._half_open_results: list[_Outcome] = []
        self._announce: list[BreakerTransition] = []

    # --- state -----------------------------------------------------------------

    @property
    def state(self) -> BreakerState:
        with self._lock:
            self._advance()
            state = self._state
        self._flush()
        return state

    def _advance(self) -> None:
        if self._state is BreakerState.OPEN and self.clock() - self._opened_at >= self.config.wait_in_open_s:
            self._transition(BreakerState.HALF_OPEN, f"waited {self.config.wait_in_open_s:g}s in OPEN")

    def _transition(self, new: BreakerState, reason: str) -> None:
        old = self._state
        self._state = new
        self._generation += 1
        if new is BreakerState.OPEN:
            self._opened_at = self.clock()
        if new is BreakerState.HALF_OPEN:
            self._half_open_issued = 0
            self._half_open_results = []
        if new is BreakerState.CLOSED:
            self._window.clear()
            self._failures = self._slow = 0
        if self.on_transition is not None and old is not new:
            self._announce.append(BreakerTransition(self.name, old, new, reason, self._snapshot_now()))

    def _flush(self) -> None:
        """Announce transitions outside the lock (listeners may read breakers)."""
        if not self._announce or self.on_transition is None:
            return
        with self._lock:
            pending, self._announce = self._announce, []
        for transition in pending:
            self.on_transition(transition)

    # --- calls -----------------------------------------------------------------

    def acquire(self) -> Permit | None:
        """Leave to call now, or None: skip this endpoint (open circuit, or
        every half-open probe slot taken)."""
        with self._lock:
            self._advance()
            permit = None
            if self._state is BreakerState.CLOSED:
                permit = Permit(self, self._generation)
            elif self._state is BreakerState.HALF_OPEN and self._half_open_issued < self.config.half_open_calls:
                self._half_open_issued += 1
                permit = Permit(self, self._generation, probe=True)
        self._flush()
        return permit

    def admits(self) -> bool:
        """Whether `acquire` would give a permit now (without taking one)."""
        with self._lock:
            self._advance()
            admits = self._state is BreakerState.CLOSED or (
                self._state is BreakerState.HALF_OPEN and self._half_open_issued < self.config.half_open_calls)
        self._flush()
        return admits

    def force(self) -> Permit:
        """A permit whatever the state (the panic rule). Its outcome changes
        nothing: the circuit keeps its state, window and countdown."""
        with self._lock:
            self._advance()
            permit = Permit(self, self._generation, forced=True)
        self._flush()
        return permit

    def _finish(self, permit: Permit, failed: bool | None, duration_s: float) -> None:
        with self._lock:
            self._advance()
            if not permit.forced and permit.generation == self._generation:
                if failed is None:
                    if permit.probe:
                        self._half_open_issued -= 1  # the slot goes back
                else:
                    self._record(_Outcome(self.clock(), failed, duration_s >= self.config.slow_call_duration_s))
        self._flush()

    def _record(self, outcome: _Outcome) -> None:
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
            return
        self._window.append(outcome)
        self._failures += outcome.failed
        self._slow += outcome.slow
        self._prune()
        verdict = self._rates_verdict(len(self._window), self._failures, self._slow, self.config.minimum_calls)
        if verdict:
            self._transition(BreakerState.OPEN, verdict)

    def _prune(self) -> None:
        window = self._window
        if self.config.window_type == "count":
            while len(window) > self.config.window_size:
                self._forget(window.popleft())
        else:
            horizon = self.clock() - self.config.window_size
            while window and window[0].at <= horizon:
                self._forget(window.popleft())

    def _forget(self, outcome: _Outcome) -> None:
        self._failures -= outcome.failed
        self._slow -= outcome.slow

    def _verdict(self, outcomes: list[_Outcome], minimum: int) -> str:
        failures, slow = sum(o.failed for o in outcomes), sum(o.slow for o in outcomes)
        return self._rates_verdict(len(outcomes), failures, slow, minimum)

    def _rates_verdict(self, calls: int, failures: int, slow: int, minimum: int) -> str:
        if calls < minimum:
            return ""
        failure_rate = 100 * failures / calls
        slow_rate = 100 * slow / calls
        if failure_rate >= self.config.failure_rate_threshold:
            return f"failure rate {failure_rate:.0f}% ≥ {self.config.failure_rate_threshold:g}% over {calls} calls"
        if slow_rate >= self.config.slow_call_rate_threshold:
            return f"slow-call rate {slow_rate:.0f}% ≥ {self.config.slow_call_rate_threshold:g}% over {calls} calls"
        return ""

    # --- view ------------------------------------------------------------------

    def snapshot(self) -> BreakerSnapshot:
        # Looking moves OPEN to HALF_OPEN once the wait is over (Resilience4j's
        # automatic transition), so a watcher never sees a countdown stuck at 0.
        with self._lock:
            self._advance()
            snapshot = self._snapshot_now()
        self._flush()
        return snapshot

    def _snapshot_now(self) -> BreakerSnapshot:
        if self.config.window_type == "time":
            self._prune()
        if self._state is BreakerState.HALF_OPEN:
            outcomes = self._half_open_results
            calls, failures, slow = len(outcomes), sum(o.failed for o in outcomes), sum(o.slow for o in outcomes)
            minimum = self.config.half_open_calls
        else:
            calls, failures, slow = len(self._window), self._failures, self._slow
            minimum = self.config.minimum_calls
        enough = calls >= minimum and calls > 0
        remaining = None
        if self._state is BreakerState.OPEN:
            remaining = max(0.0, self.config.wait_in_open_s - (self.clock() - self._opened_at))
        half_open = self._state is BreakerState.HALF_OPEN
        permits = self.config.half_open_calls - self._half_open_issued if half_open else None
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
