"""Drive the engine hard, with faults injected, and measure that every
request ends: answered, or failed with a typed error, within its budget.

`hung` and `lost` are measured, not assumed: each request is watched with a
deadline of its total timeout plus a grace period (hung if it outlives it),
and requests started are reconciled against `RequestFinished` events
recorded (lost if one never reported).

While the event loop is stalled (something ran without yielding: a
first SDK import, a simulator thread holding the GIL on a busy machine) no
request can move and no deadline can be enforced; that time is measured
(`LoopStalls`) and added to the hang limit of the requests in flight, and
reported, so `hung` counts requests the engine let overrun, not seconds the
machine took from the whole process.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass
from typing import Any

from playground.core.events import AttemptFailed, AttemptFinished, Event, RequestFinished, RequestResult
from playground.core.messages import ChatRequest
from playground.engine.breaker import BreakerState, BreakerTransition
from playground.engine.runner import Engine
from playground.engine.timeouts import LATE_S
from playground.eval.prompts import prompt_stream
from playground.strategies.base import Strategy

# How long past its own total timeout a request may run before it counts as hung.
HANG_GRACE_S = 5.0
# The loop is sampled this often.
TICK_S = 0.05


class LoopStalls:
    """The seconds the running event loop could not run anything: how much
    later than due a ticker woke up, summed over the wake-ups late by more
    than `LATE_S` (the engine's own threshold for a loop too busy to read a
    stream; ordinary scheduling jitter is not a stall). Reading it counts
    the stall under way too, even one the ticker has not woken up from."""

    def __init__(self, tick_s: float = TICK_S) -> None:
        self._loop = asyncio.get_running_loop()
        self._tick_s = tick_s
        self._last = self._loop.time()
        self._total = 0.0
        self._longest = 0.0
        self._task = asyncio.ensure_future(self._tick())

    def _observe(self) -> None:
        now = self._loop.time()
        late = now - self._last - self._tick_s
        if late > LATE_S:
            self._total += late
            self._longest = max(self._longest, late)
        self._last = now

    def total_s(self) -> float:
        self._observe()
        return self._total

    def longest_s(self) -> float:
        self._observe()
        return self._longest

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._tick_s)
            self._observe()

    def stop(self) -> None:
        self._observe()
        self._task.cancel()


async def run_watched(run: Coroutine[Any, Any, object], limit_s: float, stalls: LoopStalls) -> bool:
    """Run `run` as a task; True (and cancelled) when it outlived `limit_s`
    plus the loop stalls that happened while it ran."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(run)
    started, stalled_before = loop.time(), stalls.total_s()
    try:
        while True:
            left = started + limit_s + (stalls.total_s() - stalled_before) - loop.time()
            if left <= 0:
                break
            done, _ = await asyncio.wait({task}, timeout=left)
            if done:
                task.result()
                return False
    except asyncio.CancelledError:
        task.cancel()
        raise
    task.cancel()
    await asyncio.wait({task})
    return True


@dataclass(frozen=True, slots=True)
class SoakProgress:
    """Counts so far, reported as each request ends (for a progress bar)."""

    total: int
    answered: int
    failed: int
    hung: int

    @property
    def done(self) -> int:
        return self.answered + self.failed + self.hung


@dataclass(frozen=True, slots=True)
class SoakReport:
    requests: int
    completed: int
    failed: int
    hung: int
    lost: int
    attempts: int
    retries: int
    fallbacks: int
    breaker_opened: int
    breaker_closed: int
    p50_ms: float
    p99_ms: float
    cost_usd: float
    wasted_cost_usd: float
    duration_s: float
    errors: dict[str, int]
    # Seconds the event loop could run nothing (see `LoopStalls`): in total, and the longest.
    loop_stalled_s: float = 0.0
    longest_stall_s: float = 0.0

    @property
    def answered_share(self) -> float:
        return self.completed / self.requests if self.requests else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cost_usd"] = round(self.cost_usd, 6)
        data["wasted_cost_usd"] = round(self.wasted_cost_usd, 6)
        data["answered_share"] = round(self.answered_share, 4)
        return data


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def soak(engine: Engine, strategy: Strategy, *, requests: int, concurrency: int, seed: int = 0,
               max_output_tokens: int = 256, on_progress: Callable[[SoakProgress], None] | None = None,
               hang_grace_s: float = HANG_GRACE_S) -> SoakReport:
    """`on_progress` is called after each request ends, answered, failed or
    hung. A request is hung when it runs `hang_grace_s` past its total
    timeout, not counting the time the event loop was stalled."""
    if requests < 1 or concurrency < 1:
        raise ValueError("requests and concurrency must be at least 1")
    # A soak measures requests, not the process warming up: the SDKs load
    # first (tens of seconds on a busy machine, all within the first wave's
    # deadlines otherwise).
    await engine.prepare_all()
    prompts = prompt_stream(requests, seed)
    finished: dict[int, RequestResult] = {}
    attempts = 0
    hung: set[int] = set()
    transitions: list[BreakerTransition] = []
    engine.health.add_listener(transitions.append)
    gate = asyncio.Semaphore(concurrency)
    hang_limit = engine.timeouts.total_s + hang_grace_s
    started_at = time.perf_counter()
    counts = {"answered": 0, "failed": 0, "hung": 0}

    def ended(index: int) -> None:
        result = finished.get(index)
        outcome = "hung" if index in hung else "answered" if result is not None and result.error is None else "failed"
        counts[outcome] += 1
        if on_progress is not None:
            on_progress(SoakProgress(total=requests, **counts))

    async def one(index: int, prompt: str) -> None:
        nonlocal attempts

        def emit(event: Event) -> None:
            nonlocal attempts
            if isinstance(event, (AttemptFinished, AttemptFailed)):
                attempts += 1
            elif isinstance(event, RequestFinished):
                finished[index] = event.result

        async with gate:
            request = ChatRequest.from_prompt(prompt, max_output_tokens=max_output_tokens)
            if await run_watched(engine.run(strategy, request, emit), hang_limit, stalls):
                hung.add(index)
            ended(index)

    stalls = LoopStalls()
    try:
        await asyncio.gather(*(one(i, p) for i, p in enumerate(prompts)))
    finally:
        stalls.stop()
        engine.health.remove_listener(transitions.append)
    # A hung request was cancelled by the watchdog, which still records it:
    # it counts as hung only, not also as failed.
    results = [r for i, r in finished.items() if i not in hung]
    completed = sum(1 for r in results if r.error is None)
    failed = len(results) - completed
    lost = requests - len(results) - len(hung)
    errors: dict[str, int] = {}
    for result in results:
        if result.error is not None:
            errors[str(result.error.kind)] = errors.get(str(result.error.kind), 0) + 1
    latencies = sorted(r.latency_ms for r in results)
    return SoakReport(
        requests=requests,
        completed=completed,
        failed=failed,
        hung=len(hung),
        lost=lost,
        attempts=attempts,
        retries=sum(r.retries for r in results),
        fallbacks=sum(r.fallbacks for r in results),
        breaker_opened=sum(1 for t in transitions if t.new is BreakerState.OPEN),
        breaker_closed=sum(1 for t in transitions if t.new is BreakerState.CLOSED),
        p50_ms=round(_percentile(latencies, 50), 1),
        p99_ms=round(_percentile(latencies, 99), 1),
        cost_usd=sum(r.cost_usd for r in results),
        wasted_cost_usd=sum(r.wasted_cost_usd for r in results),
        duration_s=round(time.perf_counter() - started_at, 2),
        errors=errors,
        loop_stalled_s=round(stalls.total_s(), 2),
        longest_stall_s=round(stalls.longest_s(), 2),
    )
