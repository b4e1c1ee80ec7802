"""Drive the engine hard, with faults injected, and measure that every
request ends: answered, or failed with a typed error, within its budget.

`hung` and `lost` are measured, not assumed: each request is watched with a
deadline of its total timeout plus a grace period (hung if it outlives it),
and requests started are reconciled against `RequestFinished` events
recorded (lost if one never reported).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from playground.core.events import AttemptFailed, AttemptFinished, Event, RequestFinished, RequestResult
from playground.core.messages import ChatRequest
from playground.engine.breaker import BreakerState, BreakerTransition
from playground.engine.runner import Engine
from playground.eval.prompts import prompt_stream
from playground.strategies.base import Strategy

# How long past its own total timeout a request may run before it counts as hung.
HANG_GRACE_S = 5.0


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
               max_output_tokens: int = 256, on_progress: Callable[[SoakProgress], None] | None = None) -> SoakReport:
    """`on_progress` is called after each request ends, answered, failed or hung."""
    if requests < 1 or concurrency < 1:
        raise ValueError("requests and concurrency must be at least 1")
    prompts = prompt_stream(requests, seed)
    finished: dict[int, RequestResult] = {}
    attempts = 0
    hung: set[int] = set()
    transitions: list[BreakerTransition] = []
    engine.health.add_listener(transitions.append)
    gate = asyncio.Semaphore(concurrency)
    hang_limit = engine.timeouts.total_s + HANG_GRACE_S
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
            try:
                await asyncio.wait_for(engine.run(strategy, request, emit), hang_limit)
            except TimeoutError:
                hung.add(index)
            ended(index)

    try:
        await asyncio.gather(*(one(i, p) for i, p in enumerate(prompts)))
    finally:
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
    )
