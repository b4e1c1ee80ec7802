"""Request time budgets the engine enforces on every attempt, and the
watchdog that enforces them on a stream."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Literal

from playground.core.errors import UserError

Phase = Literal["first token", "idle", "total"]


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect_s: float = 5.0
    first_token_s: float = 30.0
    # A stream that stops sending for this long is treated as stalled.
    idle_s: float = 20.0
    total_s: float = 180.0

    def __post_init__(self) -> None:
        for name in ("connect_s", "first_token_s", "idle_s", "total_s"):
            value = getattr(self, name)
            if not (value > 0 and math.isfinite(value)):
                raise UserError(f"timeouts.{name} must be a positive, finite number of seconds, not {value!r}")


# A timer that runs later than this tells that the loop itself was too busy
# to read the stream: the silence may be ours, not the server's.
LATE_S = 0.1


class StreamWatch:
    """Cancels the watched task when its stream goes quiet: no first chunk
    within `first_token_s`, a gap of `idle_s` between chunks, or the total
    deadline. One timer per stream, re-armed only when it fires: a chunk
    merely stores the time (rescheduling a timer per chunk costs a heap push
    each time). It first fires at the earliest moment either limit could be
    reached (`min(first_token_s, idle_s)` after the start), so a stream
    that ends sooner, as most do, schedules exactly one timer whether or not
    its first chunk came; when it fires it moves itself to the deadline that
    applies by then.

    A busy event loop must not turn into stalled streams (and a retry storm
    that makes it busier): when the timer itself ran late, the gap is
    forgiven once more for as long as it was late (up to the limit again),
    and before expiring, the loop gets one more turn to deliver data it has
    already received. The total deadline is never extended.

    After cancelling, `expired` names the phase; the watched code turns its
    `CancelledError` into a timeout with `claim()`, which also tells a
    cancellation of our own from one the caller asked for."""

    def __init__(self, timeouts: Timeouts, deadline: float | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._time = self._loop.time  # bound once: `touch` runs for every chunk
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("StreamWatch must run inside a task")
        self._task = task
        now = self._loop.time()
        self.total_deadline = now + timeouts.total_s if deadline is None else min(now + timeouts.total_s, deadline)
        self._first_deadline = min(now + timeouts.first_token_s, self.total_deadline)
        self._first_token_s = timeouts.first_token_s
        self._idle_s = timeouts.idle_s
        self.last = now
        self.started = False  # a first chunk arrived
        self.expired: Phase | None = None
        self._excused = 0.0  # silence forgiven because the loop ran late
        self._due = min(now + timeouts.idle_s, self._first_deadline)
        self._handle: asyncio.Handle | None = self._loop.call_at(self._due, self._fire)

    def touch(self) -> None:
        """A chunk arrived."""
        self.last = now = self._time()
        if not self.started:
            self.started = True
            self._excused = 0.0
            # From now on the idle gap is watched. The timer is due no later
            # than the first possible stall unless it already fired and moved
            # to the first-token deadline (first_token_s > idle_s): bring it back.
            handle = self._handle
            stall = min(now + self._idle_s, self.total_deadline)
            if isinstance(handle, asyncio.TimerHandle) and self._due > stall:
                handle.cancel()
                self._arm(stall)

    def _arm(self, when: float) -> None:
        self._due = when
        self._handle = self._loop.call_at(when, self._fire)

    def _deadline(self) -> float:
        if not self.started:
            return self._first_deadline + self._excused
        return min(self.last + self._idle_s + self._excused, self.total_deadline)

    def _fire(self) -> None:
        self._handle = None
        now = self._loop.time()
        if now >= self.total_deadline:
            self._expire("total")
            return
        due = self._deadline()
        if now < due:
            self._arm(due)
            return
        late = now - self._due
        limit = self._idle_s if self.started else self._first_token_s
        if late > LATE_S and self._excused < limit:
            excuse = min(late, limit - self._excused)
            self._excused += excuse
            self._arm(min(now + excuse, self.total_deadline))
            return
        self._handle = self._loop.call_soon(self._judge)

    def _judge(self) -> None:
        """One loop turn after the timer: data already received has been read."""
        self._handle = None
        now = self._loop.time()
        if now >= self.total_deadline:
            self._expire("total")
        elif now < self._deadline():
            self._arm(self._deadline())
        else:
            self._expire("idle" if self.started else "first token")

    def _expire(self, phase: Phase) -> None:
        self.expired = phase
        self._task.cancel()

    def claim(self) -> bool:
        """In an `except CancelledError`: True when the watchdog cancelled
        and nobody else did (then the cancellation is consumed)."""
        return self.expired is not None and self._task.uncancel() == 0

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
