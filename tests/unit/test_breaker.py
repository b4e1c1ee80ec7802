"""The circuit breaker state machine, transition by transition, on a fake clock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from playground.core.errors import ErrorKind, ProviderError
from playground.engine.breaker import BreakerConfig, BreakerState, BreakerTransition, CircuitBreaker
from playground.engine.health import HealthBoard


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make(**config: object) -> tuple[CircuitBreaker, FakeClock, list[BreakerTransition]]:
    clock = FakeClock()
    seen: list[BreakerTransition] = []
    defaults: dict[str, object] = {"window_size": 10, "minimum_calls": 4, "failure_rate_threshold": 50.0,
                                   "wait_in_open_s": 5.0, "half_open_calls": 2}
    defaults.update(config)
    breaker = CircuitBreaker("sim/gpt-4o", BreakerConfig(**defaults), clock, seen.append)  # type: ignore[arg-type]
    return breaker, clock, seen


def call(breaker: CircuitBreaker, ok: bool, duration: float = 0.1) -> bool:
    permit = breaker.acquire()
    if permit is not None:
        (permit.success if ok else permit.failure)(duration)
    return permit is not None


def test_stays_closed_below_minimum_calls_even_if_all_fail() -> None:
    breaker, _, seen = make()
    for _ in range(3):
        assert call(breaker, ok=False)
    assert breaker.state is BreakerState.CLOSED and not seen
    snap = breaker.snapshot()
    assert (snap.calls, snap.failures, snap.failure_rate) == (3, 3, None)


def test_opens_at_failure_rate_threshold_and_rejects_calls() -> None:
    breaker, _, seen = make()
    for ok in (True, True, False):
        call(breaker, ok)
    assert breaker.state is BreakerState.CLOSED
    call(breaker, ok=False)  # 2 of 4 failed = 50%
    assert breaker.state is BreakerState.OPEN
    assert [(t.old, t.new) for t in seen] == [(BreakerState.CLOSED, BreakerState.OPEN)]
    assert "failure rate 50% ≥ 50% over 4 calls" in seen[0].reason
    assert breaker.acquire() is None  # skipped immediately, no call made


def test_open_counts_down_then_half_open_admits_limited_probes() -> None:
    breaker, clock, seen = make()
    for _ in range(4):
        call(breaker, ok=False)
    clock.advance(2)
    assert breaker.snapshot().open_remaining_s == pytest.approx(3.0)
    clock.advance(2.9)
    assert breaker.state is BreakerState.OPEN
    clock.advance(0.1)
    assert breaker.state is BreakerState.HALF_OPEN
    assert seen[-1].reason == "waited 5s in OPEN"
    assert breaker.acquire() and breaker.acquire()
    assert breaker.acquire() is None  # only half_open_calls permitted
    assert breaker.snapshot().half_open_permits_left == 0


def test_healthy_probes_close_the_circuit_with_a_fresh_window() -> None:
    breaker, clock, seen = make()
    for _ in range(4):
        call(breaker, ok=False)
    clock.advance(5)
    assert call(breaker, ok=True) and breaker.state is BreakerState.HALF_OPEN
    assert call(breaker, ok=True)
    assert breaker.state is BreakerState.CLOSED
    assert [t.new for t in seen] == [BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.CLOSED]
    assert breaker.snapshot().calls == 0  # old failures do not linger


def test_failed_probe_reopens_and_restarts_the_wait() -> None:
    breaker, clock, seen = make()
    for _ in range(4):
        call(breaker, ok=False)
    clock.advance(5)
    call(breaker, ok=True)
    call(breaker, ok=False)  # 1 of 2 probes failed = 50%
    assert breaker.state is BreakerState.OPEN
    assert seen[-1].reason.startswith("half-open probes: failure rate 50%")
    assert breaker.snapshot().open_remaining_s == pytest.approx(5.0)


def test_count_window_forgets_old_calls() -> None:
    breaker, _, _ = make(window_size=4, minimum_calls=4, failure_rate_threshold=75)
    for ok in (False, False, True, True, True, True):
        call(breaker, ok)
    snap = breaker.snapshot()
    assert (snap.calls, snap.failures) == (4, 0)
    call(breaker, ok=False)
    call(breaker, ok=False)
    assert breaker.state is BreakerState.CLOSED  # 2 of last 4 = 50% < 75%
    call(breaker, ok=False)
    assert breaker.state is BreakerState.OPEN  # 3 of last 4 = 75%


def test_time_window_forgets_calls_older_than_the_window() -> None:
    breaker, clock, _ = make(window_type="time", window_size=10, minimum_calls=3)
    call(breaker, ok=False)
    call(breaker, ok=False)
    clock.advance(11)
    call(breaker, ok=True)
    snap = breaker.snapshot()
    assert (snap.calls, snap.failures) == (1, 0)
    call(breaker, ok=False)
    call(breaker, ok=False)
    assert breaker.state is BreakerState.OPEN  # 2 of 3 within the last 10 s


def test_slow_calls_open_the_circuit() -> None:
    breaker, _, seen = make(slow_call_duration_s=2.0, slow_call_rate_threshold=75)
    for duration in (0.5, 3.0, 3.0):
        call(breaker, ok=True, duration=duration)
    assert breaker.state is BreakerState.CLOSED
    call(breaker, ok=True, duration=2.0)  # 3 of 4 slow = 75%
    assert breaker.state is BreakerState.OPEN
    assert "slow-call rate 75%" in seen[0].reason


def test_ignored_errors_neither_count_nor_use_up_probes() -> None:
    breaker, clock, _ = make()
    for _ in range(10):
        permit = breaker.acquire()
        assert permit is not None
        permit.ignore()  # e.g. 401 or 400
    assert breaker.state is BreakerState.CLOSED and breaker.snapshot().calls == 0
    for _ in range(4):
        call(breaker, ok=False)
    clock.advance(5)
    probe = breaker.acquire()
    assert probe is not None and probe.probe
    probe.ignore()
    probe.failure(1.0)  # a permit ends once: this is a no-op
    assert breaker.snapshot().half_open_permits_left == 2  # the permission came back
    assert breaker.state is BreakerState.HALF_OPEN


def test_invalid_config_is_rejected() -> None:
    with pytest.raises(ValueError, match="failure_rate_threshold must be in"):
        BreakerConfig(failure_rate_threshold=0)
    with pytest.raises(ValueError, match="window_type"):
        BreakerConfig(window_type="sliding")  # type: ignore[arg-type]


def test_a_call_permitted_before_a_transition_says_nothing_about_the_new_state() -> None:
    breaker, clock, _ = make()
    early = breaker.acquire()  # CLOSED
    for _ in range(4):
        call(breaker, ok=False)
    assert breaker.state is BreakerState.OPEN
    clock.advance(5)
    probe = breaker.acquire()
    assert early is not None and probe is not None and probe.probe
    early.success(0.1)  # finishes during HALF_OPEN: not a probe result
    assert breaker.snapshot().calls == 0 and breaker.snapshot().half_open_permits_left == 1
    probe.success(0.1)
    assert breaker.state is BreakerState.HALF_OPEN  # still one probe to go (half_open_calls = 2)


def test_a_forced_permit_goes_through_an_open_circuit_without_changing_it() -> None:
    breaker, clock, seen = make()
    for _ in range(4):
        call(breaker, ok=False)
    clock.advance(1)
    forced = breaker.force()
    assert forced.forced and breaker.acquire() is None
    forced.success(0.1)
    snap = breaker.snapshot()
    assert snap.state is BreakerState.OPEN and snap.open_remaining_s == pytest.approx(4.0)
    assert [t.new for t in seen] == [BreakerState.OPEN]
    clock.advance(4)
    assert breaker.admits() and breaker.state is BreakerState.HALF_OPEN


def test_eight_threads_share_one_board_and_every_count_comes_back() -> None:
    """Permits taken and ended from 8 threads at once: no lost update, no
    error, in-flight back to 0 and the probe slots all returned."""
    board = HealthBoard(BreakerConfig(minimum_calls=5, window_size=20, wait_in_open_s=0.0, half_open_calls=2))
    transitions: list[BreakerTransition] = []
    board.add_listener(transitions.append)
    errors = [ProviderError(ErrorKind.SERVER_ERROR, "boom"), None, ProviderError(ErrorKind.AUTH, "no"), None]
    start = threading.Barrier(8)

    def hammer(seed: int) -> None:
        start.wait()
        for i in range(2_000):
            endpoint = f"m{(seed + i) % 3}"
            call = board.acquire(endpoint) or board.force(endpoint)
            assert board.in_flight(endpoint) >= 1
            if i % 7 == 0:
                call.release()
            else:
                call.finish(errors[(seed * i) % 4], 0.01, 5.0)
            board.snapshots()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(hammer, range(8)))
    assert [board.in_flight(f"m{i}") for i in range(3)] == [0, 0, 0]
    assert transitions  # they opened and closed while threads raced
    for snap in board.snapshots():  # no probe slot is still held: issued == probes answered
        assert snap.half_open_permits_left is None or snap.half_open_permits_left + snap.calls == 2
