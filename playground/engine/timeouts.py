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


class StreamWatch:
    """Cancels the watched task when its stream goes quiet: no first chunk
    within `first_token_s`, a gap of `idle_s` between chunks, or the total
    deadline. One timer, re-armed only when it fires: a chunk merely stores
    the time (rescheduling a timer per chunk costs a heap push each time).

    After cancelling, `expired` names the phase; the watched code turns its
    `CancelledError` into a timeout with `claim()`, which also tells a
    cancellation of our own from one the caller asked for."""

    def __init__(self, timeouts: Timeouts, deadline: float | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("StreamWatch must run inside a task")
        self._task = task
        now = self._loop.time()
        self.total_deadline = now + timeouts.total_s if deadline is None else min(now + timeouts.total_s, deadline)
        self._first_deadline = min(now + timeouts.first_token_s, self.total_deadline)
        self._idle_s = timeouts.idle_s
        self.last = now
        self.started = False  # a first chunk arrived
        self.expired: Phase | None = None
        self._handle: asyncio.TimerHandle | None = self._loop.call_at(self._first_deadline, self._fire)

    def touch(self) -> None:
        """A chunk arrived."""
        self.last = now = self._loop.time()
        if not self.started:
            # From now on the idle gap is watched: the timer moves from the
            # first-token deadline to the first possible stall, once.
            self.started = True
            if self._handle is not None:
                self._handle.cancel()
                self._handle = self._loop.call_at(min(now + self._idle_s, self.total_deadline), self._fire)

    def _fire(self) -> None:
        self._handle = None
        now = self._loop.time()
        if now >= self.total_deadline:
            self._expire("total")
        elif not self.started:
            self._expire("first token")
        else:
            due = min(self.last + self._idle_s, self.total_deadline)
            if now >= due:
                self._expire("idle")
            else:
                self._handle = self._loop.call_at(due, self._fire)

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
