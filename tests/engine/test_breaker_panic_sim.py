"""Breakers under concurrency: Envoy's panic rule keeps a fault-heavy but
working fleet answering (every candidate open → the call goes through, and
says so), while Resilience4j's states and countdowns stay as they were."""

from __future__ import annotations

from playground.core.catalog import default_catalog
from playground.core.errors import ErrorKind, ProviderError
from playground.core.events import (
    AttemptStarted,
    BreakerBypassed,
    BreakerState,
    Event,
    ModelSkipped,
    RequestFinished,
    RequestResult,
)
from playground.core.messages import ChatRequest
from playground.engine.breaker import BreakerConfig
from playground.engine.retry import RetryPolicy
from playground.engine.runner import Engine, ResilienceConfig
from playground.engine.timeouts import Timeouts
from playground.eval.soak import soak
from playground.providers.endpoints import simulated_endpoints
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RoutingContext
from playground.strategies.registry import make_strategy

CATALOG = default_catalog()
HEAVY = "server_error=0.3,rate_limit=0.2,cut=0.1,stall=0.1"
PAIR = {"primary": "gpt-4o", "chain": ["claude-sonnet-4-5"]}
DOWN = ProviderError(ErrorKind.SERVER_ERROR, "down")


def engine_for(server: SimServer, breaker: BreakerConfig | None = None, **retry: float) -> Engine:
    resilience = ResilienceConfig(retry=RetryPolicy(**retry), breaker=breaker or BreakerConfig())  # type: ignore[arg-type]
    return Engine(CATALOG, ProviderPool(simulated_endpoints(CATALOG, server.base_url)), RoutingContext.for_all(CATALOG),
                  simulated=True, resilience=resilience, timeouts=Timeouts(first_token_s=5, idle_s=0.3, total_s=20),
                  seed=2)


def trip(engine: Engine, *models: str) -> None:
    """Open the circuits of `models` (one failure is enough with minimum_calls=1)."""
    for model in models:
        permit = engine.health.acquire(model)
        assert permit is not None
        permit.finish(DOWN, 0.1, None)
        assert engine.health.breaker(model).state is BreakerState.OPEN


QUICK_TRIP = BreakerConfig(minimum_calls=1, window_size=1, wait_in_open_s=60)


async def ask_pair(engine: Engine) -> tuple[RequestResult, list[Event]]:
    """gpt-4o, falling back to claude-sonnet-4-5; closes the engine's pool."""
    events: list[Event] = []
    try:
        result = await engine.run(make_strategy("fallback", CATALOG, PAIR),
                                  ChatRequest.from_prompt("What is a B-tree?", max_output_tokens=40), events.append)
    finally:
        await engine.pool.aclose()
    return result, events


async def test_every_candidate_open_calls_the_first_anyway_and_says_so() -> None:
    with SimServer(port=0, speed=40) as server:
        engine = engine_for(server, QUICK_TRIP)
        trip(engine, "gpt-4o", "claude-sonnet-4-5")
        result, events = await ask_pair(engine)
    assert result.error is None and result.model == "gpt-4o"
    bypass = next(e for e in events if isinstance(e, BreakerBypassed))
    assert bypass.endpoint == "gpt-4o" and bypass.state is BreakerState.OPEN
    assert "every candidate left (gpt-4o, claude-sonnet-4-5) has an open circuit" in bypass.reason
    assert not any(isinstance(e, ModelSkipped) for e in events)
    assert events.index(bypass) < next(i for i, e in enumerate(events) if isinstance(e, AttemptStarted))
    # The forced call changed nothing: still OPEN, still counting down.
    snap = engine.health.breaker("gpt-4o").snapshot()
    assert snap.state is BreakerState.OPEN and snap.open_remaining_s is not None and snap.open_remaining_s > 50
    assert engine.health.in_flight("gpt-4o") == 0


async def test_an_open_model_is_skipped_while_another_answers_and_tried_last_when_none_does() -> None:
    # claude-sonnet-4-5 is down: the open gpt-4o is spared first, then tried when the rest of the plan failed.
    with SimServer(port=0, speed=40, faults="sim-claude-sonnet-4-5:down=1") as server:
        engine = engine_for(server, QUICK_TRIP, retries_per_model=0)
        trip(engine, "gpt-4o")
        result, events = await ask_pair(engine)
    assert [a.model for a in result.attempts] == ["claude-sonnet-4-5", "gpt-4o"]
    assert result.error is None and result.model == "gpt-4o"
    kinds = [type(e) for e in events if isinstance(e, (ModelSkipped, AttemptStarted, BreakerBypassed))]
    assert kinds == [ModelSkipped, AttemptStarted, BreakerBypassed, AttemptStarted]


async def test_without_the_panic_rule_an_all_open_request_fails_at_once() -> None:
    with SimServer(port=0, speed=40) as server:
        engine = engine_for(server, BreakerConfig(minimum_calls=1, window_size=1, wait_in_open_s=60,
                                                  panic_when_all_open=False))
        trip(engine, "gpt-4o", "claude-sonnet-4-5")
        result, _ = await ask_pair(engine)
    assert result.error is not None and result.error.kind is ErrorKind.NO_MODEL and result.attempts == ()


async def run_soak(concurrency: int, requests: int) -> dict[str, float]:
    with SimServer(port=0, speed=40, faults=HEAVY, seed=7) as server:
        # Short waits between retries (the simulator's Retry-After is up to
        # 1.2 s) keep this CI-sized; the breakers see the same outcomes.
        engine = engine_for(server, honor_retry_after=False, base_delay_s=0.01, max_delay_s=0.05)
        try:
            report = await soak(engine, make_strategy("fallback", CATALOG), requests=requests, concurrency=concurrency,
                                seed=7, max_output_tokens=60)
        finally:
            await engine.pool.aclose()
    assert report.hung == 0 and report.lost == 0, report
    assert report.errors.get("no_model", 0) == 0, report  # never "no model" while models answer
    return {"share": report.answered_share, "opened": report.breaker_opened}


async def test_the_heavy_fault_mix_answers_as_much_at_concurrency_50_as_at_1() -> None:
    """CI-sized `playground soak` of the heavy mix (30% 5xx, 20% 429, 10%
    cuts, 10% stalls). Before the panic rule, concurrency 50 answered 4%
    against 83% at concurrency 1 (every breaker opened within 2 s)."""
    alone = await run_soak(1, 30)
    crowd = await run_soak(50, 150)
    assert alone["share"] >= 0.6, alone
    assert crowd["share"] >= 0.7, crowd
    assert crowd["share"] >= alone["share"] - 0.15, (alone, crowd)


def test_request_finished_is_the_last_event_even_with_transitions_from_other_threads() -> None:
    """A transition announced from another thread is handed to the run's loop
    and dropped once the run ended, so `RequestFinished` stays last."""
    import asyncio
    import threading

    async def main() -> list[Event]:
        with SimServer(port=0, speed=40) as server:
            engine = engine_for(server, QUICK_TRIP)
            events: list[Event] = []
            try:
                request = ChatRequest.from_prompt("hi", max_output_tokens=20)
                task = asyncio.create_task(engine.run(make_strategy("fixed", CATALOG, {"model": "gpt-5-mini"}),
                                                      request, events.append))
                await asyncio.sleep(0)
                other = threading.Thread(target=trip, args=(engine, "gpt-4o"))
                other.start()
                other.join()
                await task
                await asyncio.sleep(0.05)  # let any late hand-off run
            finally:
                await engine.pool.aclose()
            return events

    events = asyncio.run(main())
    assert isinstance(events[-1], RequestFinished)
