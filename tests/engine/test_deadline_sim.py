"""A request never outlives its total deadline by more than the event loop
was stalled, and the engine itself does not stall the loop: against the
real simulator over loopback."""

from __future__ import annotations

import subprocess
import sys
import time

from playground.core.catalog import default_catalog
from playground.core.decision import Decision
from playground.core.errors import ErrorKind
from playground.core.messages import ChatRequest
from playground.engine.runner import Engine
from playground.engine.timeouts import Timeouts
from playground.eval.soak import soak
from playground.providers.endpoints import simulated_endpoints
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RouteInput, RoutingContext
from playground.strategies.fixed import FixedStrategy
from playground.strategies.registry import make_strategy

CATALOG = default_catalog()


def make_engine(server: SimServer, timeouts: Timeouts) -> Engine:
    return Engine(CATALOG, ProviderPool(simulated_endpoints(CATALOG, server.base_url)), RoutingContext.for_all(CATALOG),
                  simulated=True, timeouts=timeouts, seed=1)


async def test_the_total_deadline_ends_a_request_whose_stream_never_starts() -> None:
    # Every stream stalls; the first-token and idle limits are far longer
    # than the total: only the total deadline can end the request.
    with SimServer(port=0, speed=40, faults="stall=1", seed=2) as server:
        engine = make_engine(server, Timeouts(first_token_s=60, idle_s=60, total_s=1))
        try:
            await engine.prepare_all()
            result = await engine.run(make_strategy("fixed", CATALOG, {"model": "gpt-4o"}),
                                      ChatRequest.from_prompt("Say hello.", max_output_tokens=20))
        finally:
            await engine.pool.aclose()
    assert result.error is not None and result.error.kind is ErrorKind.TIMEOUT
    # Ended by the total, long before the first-token limit.
    assert result.latency_ms < 60_000
    assert all(a.error is not None for a in result.attempts)


class SlowFirstDecision(FixedStrategy):
    """Its first decision blocks the event loop, as a first SDK import or
    loading a learned router's weights on a busy machine does."""

    stall_s = 2.5

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        if self.stall_s:
            time.sleep(self.stall_s)
            self.stall_s = 0.0
        return super().decide(route, ctx)


async def test_a_stalled_event_loop_is_measured_and_not_counted_as_hung_requests() -> None:
    # The first request blocks the loop past every request's total timeout
    # plus grace before the others of its wave could even start. Once the
    # loop runs again each request ends within its own deadline: the stall
    # is the machine's, not a hang of ours (it was counted as 2 hung).
    with SimServer(port=0, speed=40, seed=3) as server:
        engine = make_engine(server, Timeouts(first_token_s=60, idle_s=60, total_s=1))
        try:
            report = await soak(engine, SlowFirstDecision(CATALOG, {"model": "gpt-4o"}), requests=6, concurrency=3,
                                max_output_tokens=10, hang_grace_s=0.5)
        finally:
            await engine.pool.aclose()
    assert report.hung == 0 and report.lost == 0, report
    assert report.completed + report.failed == 6
    # The first request's deadline passed during the stall: a timeout, not "no model".
    assert set(report.errors) <= {"timeout"}, report.errors
    assert report.longest_stall_s >= 2
    assert report.loop_stalled_s >= report.longest_stall_s


async def test_a_request_that_really_hangs_is_still_counted_hung() -> None:
    # The loop runs freely, but each request is allowed less than the
    # engine's own deadline: the watch must call them hung.
    with SimServer(port=0, speed=40, faults="stall=1", seed=4) as server:
        engine = make_engine(server, Timeouts(first_token_s=60, idle_s=60, total_s=30))
        try:
            report = await soak(engine, make_strategy("fixed", CATALOG, {"model": "gpt-4o"}), requests=2,
                                concurrency=2, max_output_tokens=20, hang_grace_s=-29.5)
        finally:
            await engine.pool.aclose()
    assert report.hung == 2 and report.lost == 0, report


FIRST_REQUEST = """
import asyncio, time
from playground.core.catalog import default_catalog
from playground.core.decision import Decision
from playground.core.messages import ChatRequest
from playground.engine.runner import Engine
from playground.eval.soak import LoopStalls
from playground.providers.endpoints import simulated_endpoints
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RouteInput, RoutingContext
from playground.strategies.fixed import FixedStrategy
from playground.strategies.registry import make_strategy

catalog = default_catalog()

async def main(server):
    engine = Engine(catalog, ProviderPool(simulated_endpoints(catalog, server.base_url)),
                    RoutingContext.for_all(catalog), simulated=True, seed=1)
    stalls = LoopStalls()
    started = time.perf_counter()
    result = await engine.run(make_strategy("fixed", catalog, {"model": "claude-haiku-4-5"}),
                              ChatRequest.from_prompt("Say hello.", max_output_tokens=20))
    took = time.perf_counter() - started
    stalls.stop()
    await engine.pool.aclose()
    assert result.error is None, result.error
    import anthropic  # loaded by that first request
    print(took, stalls.longest_s())

with SimServer(port=0, speed=40) as server:
    asyncio.run(main(server))
"""


def test_the_first_request_imports_its_sdk_without_stalling_the_event_loop() -> None:
    # In a fresh process the first request of a kind imports its SDK
    # (~1 s of CPU, a minute on a loaded machine). The loop must keep
    # running meanwhile: before, that import was one stall as long as the
    # whole first request, and every request in flight outlived its deadline.
    out = subprocess.run([sys.executable, "-c", FIRST_REQUEST], capture_output=True, text=True, check=True)
    took, longest_stall = map(float, out.stdout.split())
    assert longest_stall < took / 2, (took, longest_stall)
