"""Retries, fallbacks (mid-stream too), breakers and soak against the real
simulator with injected faults, over loopback."""

from __future__ import annotations

import asyncio
import time

import httpx2
import pytest

from playground.core.catalog import default_catalog
from playground.core.errors import ErrorKind
from playground.core.events import (
    AttemptFailed,
    AttemptStarted,
    BreakerChanged,
    FallbackStarted,
    ModelSkipped,
    RetryScheduled,
    TextDelta,
)
from playground.core.messages import ChatRequest
from playground.core.pricing import cost_usd
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
PROMPT = "Explain how a bloom filter works and when to use one."


def make_engine(server: SimServer, *, resilience: ResilienceConfig | None = None,
                timeouts: Timeouts | None = None) -> Engine:
    return Engine(CATALOG, ProviderPool(simulated_endpoints(CATALOG, server.base_url)), RoutingContext.for_all(CATALOG),
                  simulated=True, resilience=resilience, timeouts=timeouts, seed=1)


async def run(engine: Engine, strategy: str, prompt: str = PROMPT, max_tokens: int = 300, **values: object):
    events: list[tuple[float, object]] = []
    request = ChatRequest.from_prompt(prompt, max_output_tokens=max_tokens)
    result = await engine.run(make_strategy(strategy, CATALOG, values), request,
                              lambda e: events.append((time.perf_counter(), e)))
    return result, events


async def test_retry_after_from_the_simulator_is_honoured() -> None:
    spec, seed = "sim-gpt-4o:rate_limit=1", 11
    # Read the header the simulator sends for its first request with this seed...
    with SimServer(port=0, speed=40, faults=spec, seed=seed) as probe:
        async with httpx2.AsyncClient() as http:
            response = await http.post(probe.base_url + "/v1/chat/completions", headers={"authorization": "Bearer k"},
                                       json={"model": "sim-gpt-4o", "messages": [{"role": "user", "content": PROMPT}],
                                             "max_tokens": 50, "stream": True})
    assert response.status_code == 429
    header_s = float(response.headers["retry-after-ms"]) / 1000
    assert response.headers["retry-after"]
    # ...then let the engine meet the same first request on a fresh simulator.
    with SimServer(port=0, speed=40, faults=spec, seed=seed) as server:
        retry = RetryPolicy(max_attempts=3, retries_per_model=1)
        engine = make_engine(server, resilience=ResilienceConfig(retry=retry))
        try:
            result, events = await run(engine, "fixed", model="gpt-4o")
        finally:
            await engine.pool.aclose()
    retry = next(e for _, e in events if isinstance(e, RetryScheduled))
    assert retry.retry_after_s == pytest.approx(header_s)
    assert retry.delay_s == pytest.approx(header_s)  # the header, not our own backoff
    failed_at = next(t for t, e in events if isinstance(e, AttemptFailed))
    second_at = [t for t, e in events if isinstance(e, AttemptStarted)][1]
    assert second_at - failed_at >= header_s * 0.95
    first_error = result.attempts[0].error
    assert first_error is not None and first_error.kind is ErrorKind.RATE_LIMITED
    assert result.retries == 1


async def test_mid_stream_cut_falls_back_keeping_partial_text_and_both_costs() -> None:
    with SimServer(port=0, speed=40, faults="sim-claude-opus-4-5:cut=1", seed=3) as server:
        engine = make_engine(server)
        try:
            result, events = await run(engine, "fallback", primary="claude-opus-4-5", chain="gpt-5-4")
        finally:
            await engine.pool.aclose()
    assert result.error is None, result.error
    broken = [a for a in result.attempts if a.outcome == "failed"]
    assert broken and all(a.model == "claude-opus-4-5" for a in broken)
    partial = broken[0]
    assert partial.text and partial.output_tokens > 0  # tokens had arrived before the cut
    opus = CATALOG.get("claude-opus-4-5")
    assert partial.cost_usd == pytest.approx(cost_usd(opus, partial.input_tokens, partial.output_tokens))
    assert partial.cost_usd > 0 and partial.usage_source == "estimate"
    assert partial.error is not None and partial.error.kind is ErrorKind.CONNECTION
    final = result.final
    assert final is not None
    assert final.model == "gpt-5-4" and final.outcome == "ok" and final.usage_source == "provider"
    assert result.text == final.text and partial.text not in result.text
    assert result.cost_usd == pytest.approx(sum(a.cost_usd for a in result.attempts))
    assert result.wasted_cost_usd == pytest.approx(sum(a.cost_usd for a in broken))
    assert result.fallbacks == 1
    fallback = next(e for _, e in events if isinstance(e, FallbackStarted))
    assert (fallback.from_model, fallback.to_model) == ("claude-opus-4-5", "gpt-5-4")
    # The partial deltas were streamed to the consumer before the fallback's.
    streamed = [e.attempt for _, e in events if isinstance(e, TextDelta)]
    assert streamed[0] == 1 and streamed[-1] == final.attempt


async def test_breaker_opens_on_a_down_model_and_closes_through_half_open() -> None:
    config = ResilienceConfig(
        retry=RetryPolicy(max_attempts=3, retries_per_model=0),
        breaker=BreakerConfig(window_size=10, minimum_calls=4, failure_rate_threshold=50, wait_in_open_s=1.0,
                              half_open_calls=2),
    )
    with SimServer(port=0, speed=40, faults="sim-gpt-4o:down=1") as server:
        engine = make_engine(server, resilience=config)
        transitions: list[BreakerChanged] = []
        try:
            for _ in range(4):
                result, events = await run(engine, "fallback", primary="gpt-4o", chain="claude-sonnet-4-5",
                                           max_tokens=60)
                assert result.error is None and result.final is not None and result.final.model == "claude-sonnet-4-5"
                transitions += [e for _, e in events if isinstance(e, BreakerChanged)]
            assert [(t.endpoint, t.new) for t in transitions] == [("gpt-4o", "OPEN")]
            # While OPEN, gpt-4o is skipped at once: no attempt, no waiting for it to fail.
            result, events = await run(engine, "fallback", primary="gpt-4o", chain="claude-sonnet-4-5", max_tokens=60)
            skipped = [e for _, e in events if isinstance(e, ModelSkipped)]
            assert skipped and "circuit OPEN for gpt-4o" in skipped[0].reason
            assert [a.model for a in result.attempts] == ["claude-sonnet-4-5"]
            server.set_faults("")  # the outage ends
            await asyncio.sleep(1.1)
            for _ in range(2):
                result, events = await run(engine, "fallback", primary="gpt-4o", chain="claude-sonnet-4-5",
                                           max_tokens=60)
                assert result.final is not None and result.final.model == "gpt-4o"
                transitions += [e for _, e in events if isinstance(e, BreakerChanged)]
        finally:
            await engine.pool.aclose()
    assert [t.new for t in transitions] == ["OPEN", "HALF_OPEN", "CLOSED"]
    assert engine.health.circuit_state("gpt-4o") == "CLOSED"


async def test_soak_with_mixed_faults_has_no_hung_or_lost_requests() -> None:
    faults = "server_error=0.2,rate_limit=0.1,cut=0.05,stall=0.05,overloaded=0.02"
    with SimServer(port=0, speed=40, faults=faults, seed=5) as server:
        engine = make_engine(server, timeouts=Timeouts(first_token_s=5, idle_s=0.5, total_s=20))
        try:
            report = await soak(engine, make_strategy("fallback", CATALOG), requests=300, concurrency=30, seed=5,
                                max_output_tokens=80)
        finally:
            await engine.pool.aclose()
    assert report.requests == 300
    assert report.hung == 0 and report.lost == 0
    assert report.completed + report.failed == 300
    # The hard requirement is 0 hung and 0 lost. The answered share at this
    # small scale depends on breakers opening by chance when ~44% of calls
    # fail on purpose (CI load shifts which requests get which fault); the
    # 99% target is checked at full scale by the documented 2,000-request soak.
    assert report.completed >= 0.90 * 300, report
    assert report.retries > 0 and report.fallbacks > 0 and report.attempts > 300
    assert report.wasted_cost_usd > 0  # cut streams were paid for
    assert report.cost_usd > report.wasted_cost_usd
    assert report.p99_ms >= report.p50_ms > 0
