"""`Router.stream` hands out the engine's own event generator (one generator
per event on the way to the caller), and `Engine.run` without a listener
builds no per-chunk events: what each still guarantees, against the
built-in simulator over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from playground import Router
from playground.core.catalog import default_catalog
from playground.core.errors import ErrorKind
from playground.core.events import AttemptFailed, Event, FirstToken, RequestFinished, TextDelta
from playground.core.messages import ChatRequest
from playground.core.tokens import default_counter
from playground.engine.runner import Engine
from playground.engine.timeouts import Timeouts
from playground.providers.endpoints import simulated_endpoints
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RoutingContext
from playground.strategies.registry import make_strategy

CATALOG = default_catalog()
PROMPT = "Explain how a bloom filter works and when to use one."
POLICY = '[router]\nstrategy = "fixed"\n\n[strategies.fixed]\nmodel = "gpt-4o"\n'


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(port=0, speed=10) as sim:
        yield sim


def make_engine(base_url: str) -> Engine:
    return Engine(CATALOG, ProviderPool(simulated_endpoints(CATALOG, base_url)), RoutingContext.for_all(CATALOG),
                  simulated=True, timeouts=Timeouts(first_token_s=20, idle_s=20), seed=3)


async def test_a_run_nobody_listens_to_records_the_same_answer(server: SimServer) -> None:
    """Without `emit` the attempt builds no deltas, yet its record (text,
    time to first token, provider usage, cost) is complete."""
    engine = make_engine(server.base_url)
    strategy = make_strategy("fixed", CATALOG, {"model": "gpt-5-mini"})
    request = ChatRequest.from_prompt(PROMPT, max_output_tokens=60)
    try:
        silent = await engine.run(strategy, request)
        heard: list[Event] = []
        loud = await engine.run(strategy, request, heard.append)
    finally:
        await engine.pool.aclose()
    for result in (silent, loud):
        final = result.final
        assert result.error is None and final is not None
        assert final.text and final.usage_source == "provider" and final.output_tokens > 0
        assert final.ttft_ms is not None and 0 < final.ttft_ms <= final.latency_ms
        assert result.cost_usd > 0
    # The simulator answers a prompt the same way each time: same text, same usage.
    assert silent.text == loud.text
    assert silent.final is not None and loud.final is not None
    assert silent.final.output_tokens == loud.final.output_tokens
    assert "".join(e.text for e in heard if isinstance(e, TextDelta)) == loud.text
    assert sum(isinstance(e, FirstToken) for e in heard) == 1


def test_the_encoding_is_loaded_when_the_engine_is_built(server: SimServer) -> None:
    make_engine(server.base_url)
    assert default_counter()._loaded  # not inside the first request


async def test_a_bad_request_raises_when_iterated_not_when_called() -> None:
    async with Router.from_text(POLICY, simulate=True) as router:
        events = router.stream("hi", max_tokens=0)  # nothing raised yet: a generator, as before
        with pytest.raises(ValueError, match="max_tokens must be a positive integer"):
            async for _ in events:
                pass


async def test_leaving_the_stream_early_cancels_the_run_and_frees_the_model() -> None:
    async with Router.from_text(POLICY, simulate=True, sim_speed=0.2) as router:
        events = router.stream(PROMPT, max_tokens=400)
        async for event in events:
            if isinstance(event, TextDelta):
                break
        assert router.health.in_flight("gpt-4o") == 1  # still streaming until closed
        await events.aclose()
        assert router.health.in_flight("gpt-4o") == 0
        # The router keeps serving.
        done = await router.complete("hi", max_tokens=10)
        assert done.model == "gpt-4o"


async def test_a_stalled_stream_through_the_router_is_an_idle_timeout_not_a_cancellation() -> None:
    """The engine runs in the caller's task: its watchdog cancels that task,
    and the attempt claims that cancellation as its idle timeout; the
    caller's loop goes on to the end of the request."""
    policy = POLICY + "\n[timeouts]\nidle_s = 0.5\n"
    async with Router.from_text(policy, simulate=True, sim_faults="sim-gpt-4o:stall=1") as router:
        async with asyncio.timeout(60):
            events = [e async for e in router.stream(PROMPT, max_tokens=200)]
    failed = [e for e in events if isinstance(e, AttemptFailed) and e.record.model == "gpt-4o"]
    error = failed[0].record.error if failed else None
    assert error is not None and error.kind is ErrorKind.TIMEOUT and "stalled" in error.message
    assert isinstance(events[-1], RequestFinished)


def test_the_http_read_timeout_is_a_backstop_behind_the_watchdog() -> None:
    """Never ahead of the engine's own limits (each excused once more for a late loop): else a slow
    first token was cut at `idle_s` and a stall on a busy loop was reported as a request timeout."""
    from playground.engine.session import http_timeouts
    from playground.engine.timeouts import Timeouts

    http = http_timeouts(Timeouts(connect_s=3.0, first_token_s=30.0, idle_s=0.5, total_s=180.0))
    assert http.connect_s == 3.0 and http.read_s > 2 * 30.0
    assert http_timeouts(Timeouts(first_token_s=30.0, idle_s=20.0, total_s=10.0)).read_s <= 11.0  # never past total
