"""`Engine.stream` runs the engine in the caller's task (engine/inline.py):
events arrive as they happen, ensemble members' events too, the engine's own
timeouts still work there, and leaving early or being cancelled lets the run
record what it spent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import aclosing

import pytest

from playground.core.catalog import default_catalog
from playground.core.errors import ErrorKind
from playground.core.events import (
    AttemptFailed,
    Event,
    FallbackStarted,
    RequestFinished,
    TextDelta,
)
from playground.core.messages import ChatRequest
from playground.engine.inline import inline_events
from playground.engine.runner import Engine, ResilienceConfig
from playground.engine.timeouts import Timeouts
from playground.providers.endpoints import simulated_endpoints
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RoutingContext
from playground.strategies.registry import make_strategy

CATALOG = default_catalog()
PROMPT = "Explain how a bloom filter works and when to use one."


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(port=0, speed=10) as sim:
        yield sim


def make_engine(base_url: str, timeouts: Timeouts | None = None, **resilience: object) -> Engine:
    return Engine(CATALOG, ProviderPool(simulated_endpoints(CATALOG, base_url)), RoutingContext.for_all(CATALOG),
                  simulated=True, timeouts=timeouts, resilience=ResilienceConfig(**resilience), seed=4)  # type: ignore[arg-type]


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


async def cancel_once_streaming(engine: Engine, task: asyncio.Task[None], streaming: asyncio.Task[object]) -> None:
    """Cancel `task` once `streaming` is done; then the run must have given its permits back."""
    try:
        async with asyncio.timeout(30):
            await streaming
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await engine.pool.aclose()
    assert engine.health.in_flight("gpt-4o") == 0


async def test_events_arrive_while_the_answer_streams(server: SimServer) -> None:
    engine = make_engine(server.base_url)
    arrivals: list[tuple[float, Event]] = []
    try:
        async for event in engine.stream(make_strategy("fixed", CATALOG, {"model": "gpt-5-mini"}),
                                         ChatRequest.from_prompt(PROMPT, max_output_tokens=120)):
            arrivals.append((time.perf_counter(), event))
    finally:
        await engine.pool.aclose()
    deltas = [t for t, e in arrivals if isinstance(e, TextDelta)]
    finished = arrivals[-1][1]
    assert len(deltas) > 10 and isinstance(finished, RequestFinished)
    final = finished.result.final
    assert final is not None and final.ttft_ms is not None
    # Streamed, not handed over at the end: deltas reached us over most of
    # the time the model took to stream them.
    assert deltas[-1] - deltas[0] > 0.5 * (final.latency_ms - final.ttft_ms) / 1000


async def test_ensemble_members_events_arrive_as_they_are_made(server: SimServer) -> None:
    """The members run in tasks of their own: their events must reach the
    caller while they stream, not all at once when the ensemble completes."""
    engine = make_engine(server.base_url)
    arrivals: list[tuple[float, Event]] = []
    try:
        async for event in engine.stream(make_strategy("ensemble", CATALOG, {
                "mode": "vote", "members": "gpt-5-mini,claude-haiku-4-5"}),
                ChatRequest.from_prompt(PROMPT, max_output_tokens=80)):
            arrivals.append((time.perf_counter(), event))
    finally:
        await engine.pool.aclose()
    finished = arrivals[-1][1]
    assert isinstance(finished, RequestFinished) and finished.result.error is None
    deltas = {n: [t for t, e in arrivals if isinstance(e, TextDelta) and e.attempt == n] for n in (1, 2)}
    assert deltas[1] and deltas[2]
    for n, times in deltas.items():
        record = next(a for a in finished.result.attempts if a.attempt == n)
        assert record.ttft_ms is not None
        # Spread over most of the time this member streamed, as it streamed.
        assert times[-1] - times[0] > 0.5 * (record.latency_ms - record.ttft_ms) / 1000, n
    assert engine.health.in_flight("gpt-5-mini") == engine.health.in_flight("claude-haiku-4-5") == 0


async def test_leaving_early_cancels_the_run_and_gives_the_permits_back(server: SimServer) -> None:
    engine = make_engine(server.base_url)
    strategy = make_strategy("fixed", CATALOG, {"model": "gpt-4o"})
    try:
        async with aclosing(engine.stream(strategy, ChatRequest.from_prompt(PROMPT, max_output_tokens=200))) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    break
    finally:
        await engine.pool.aclose()
    assert engine.health.in_flight("gpt-4o") == 0


async def test_a_cancelled_caller_gets_cancelled_and_the_run_records_it(server: SimServer) -> None:
    engine = make_engine(server.base_url)
    seen: list[Event] = []

    async def consume() -> None:
        async for event in engine.stream(make_strategy("fixed", CATALOG, {"model": "gpt-4o"}),
                                         ChatRequest.from_prompt(PROMPT, max_output_tokens=300)):
            seen.append(event)

    streaming = asyncio.create_task(until(lambda: any(isinstance(e, TextDelta) for e in seen)))
    await cancel_once_streaming(engine, asyncio.create_task(consume()), streaming)


@pytest.mark.parametrize("streamed", [False, True])
async def test_a_stall_after_the_first_tokens_is_caught_after_the_idle_gap(streamed: bool) -> None:
    """The idle timeout applies from the first chunk on (not from the
    first-token deadline), in the caller's task as in `run`."""
    with SimServer(port=0, speed=10, faults="sim-gpt-4o:stall=1") as faulty:
        timeouts = Timeouts(first_token_s=20, idle_s=0.4, total_s=60)
        engine = make_engine(faulty.base_url, timeouts, fallbacks_enabled=False)
        strategy = make_strategy("fixed", CATALOG, {"model": "gpt-4o"})
        request = ChatRequest.from_prompt(PROMPT, max_output_tokens=200)
        started = time.perf_counter()
        try:
            if streamed:
                events = [e async for e in engine.stream(strategy, request)]
                finished = events[-1]
                assert isinstance(finished, RequestFinished)
                result = finished.result
            else:
                result = await engine.run(strategy, request)
        finally:
            await engine.pool.aclose()
    elapsed = time.perf_counter() - started
    failed = [a for a in result.attempts if a.outcome == "failed"]
    assert failed and all(a.error is not None and a.error.kind is ErrorKind.TIMEOUT for a in failed)
    assert failed[0].error is not None and "stream stalled (no data) within 0.4s" in failed[0].error.message
    assert elapsed < 10, "caught after the 0.4 s gap, not the 20 s first-token deadline"


async def test_a_cut_stream_falls_back_in_the_callers_task() -> None:
    with SimServer(port=0, speed=40, faults="sim-gpt-4o:cut=1") as faulty:
        engine = make_engine(faulty.base_url)
        try:
            strategy = make_strategy("fallback", CATALOG, {"primary": "gpt-4o", "chain": ["claude-sonnet-4-5"]})
            events = [e async for e in engine.stream(strategy, ChatRequest.from_prompt(PROMPT, max_output_tokens=80))]
        finally:
            await engine.pool.aclose()
    assert any(isinstance(e, AttemptFailed) for e in events) and any(isinstance(e, FallbackStarted) for e in events)
    last = events[-1]
    assert isinstance(last, RequestFinished) and last.result.error is None and last.result.model == "claude-sonnet-4-5"


async def test_a_caller_cancelled_in_its_own_code_still_lets_the_run_finish(server: SimServer) -> None:
    engine = make_engine(server.base_url)
    streaming = asyncio.Event()

    async def consume() -> None:
        request = ChatRequest.from_prompt(PROMPT, max_output_tokens=300)
        async with aclosing(engine.stream(make_strategy("fixed", CATALOG, {"model": "gpt-4o"}), request)) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    streaming.set()
                    await asyncio.sleep(30)  # cancelled here, in the caller's own code

    await cancel_once_streaming(engine, asyncio.create_task(consume()), asyncio.create_task(streaming.wait()))


async def test_a_cancellation_at_the_engines_bare_yield_goes_to_the_engine() -> None:
    """anyio's cancel scopes (httpx's timeouts inside the SDK) cancel the
    task while it sits at a bare yield (`await sleep(0)`) and catch their own
    cancellation there. The engine runs in the caller's task, so that
    cancellation must be thrown into the engine at its yield, as a Task
    would, not escape to the caller as if the caller had been cancelled."""

    async def scoped(emit: Callable[[str], None]) -> None:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().call_soon(task.cancel, "deadline exceeded")  # due at the next yield
        try:
            await asyncio.sleep(0)
            await asyncio.sleep(1)
        except asyncio.CancelledError as exc:
            task.uncancel()  # as a cancel scope does with its own cancellation
            emit(f"caught {exc.args[0]}")
            return
        emit("never cancelled")

    events = [event async for event in inline_events(scoped)]
    assert events == ["caught deadline exceeded"]
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
