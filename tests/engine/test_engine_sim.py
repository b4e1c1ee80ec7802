"""The engine against the real simulator over loopback, through both SDKs."""

from __future__ import annotations

import asyncio
import socket

import pytest

from playground.core.catalog import default_catalog
from playground.core.errors import ErrorKind
from playground.core.events import (
    AttemptFailed,
    AttemptFinished,
    AttemptStarted,
    Decided,
    FirstToken,
    RequestFinished,
    RetryScheduled,
    TextDelta,
    UsageReported,
)
from playground.core.messages import ChatRequest
from playground.core.pricing import cost_usd
from playground.engine.retry import RetryPolicy
from playground.engine.runner import Engine, ResilienceConfig
from playground.engine.session import Session, SessionOptions
from playground.engine.timeouts import Timeouts
from playground.launch import open_session
from playground.providers.base import Endpoint
from playground.providers.endpoints import simulated_endpoints
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RoutingContext
from playground.strategies.registry import DEFAULT_STRATEGIES, make_strategy

CATALOG = default_catalog()
PROMPT = "Explain in detail how a hash map handles collisions, with an example."


def engine_for(endpoints: dict[str, Endpoint], timeouts: Timeouts | None = None,
               resilience: ResilienceConfig | None = None) -> Engine:
    return Engine(CATALOG, ProviderPool(endpoints), RoutingContext.for_all(CATALOG), simulated=True, timeouts=timeouts,
                  resilience=resilience)


SINGLE_ATTEMPT = ResilienceConfig(retry=RetryPolicy(max_attempts=1), fallbacks_enabled=False)


async def run_collect(engine: Engine, strategy_name: str, prompt: str = PROMPT, **values: object):
    events: list[object] = []
    strategy = make_strategy(strategy_name, CATALOG, values)
    result = await engine.run(strategy, ChatRequest.from_prompt(prompt), events.append)
    return result, events


@pytest.mark.parametrize("model", ["claude-opus-4-5", "gpt-4o"])  # Anthropic and OpenAI protocols
async def test_streamed_answer_with_provider_usage_and_true_figures(sim_server: SimServer, model: str) -> None:
    engine = engine_for(simulated_endpoints(CATALOG, sim_server.base_url))
    try:
        result, events = await run_collect(engine, "fixed", model=model)
    finally:
        await engine.pool.aclose()
    assert result.error is None, result.error
    kinds = [type(e) for e in events]
    assert kinds[0] is Decided and kinds[1] is AttemptStarted and kinds[2] is FirstToken
    assert kinds[-1] is RequestFinished and kinds[-2] is AttemptFinished
    assert kinds.count(TextDelta) > 5  # streamed, not one blob
    usage = [e for e in events if isinstance(e, UsageReported)]
    assert len(usage) == 1 and usage[0].source == "provider"
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == result.text and len(text) > 50
    assert result.model == model
    assert result.provider == CATALOG.get(model).provider
    assert result.input_tokens == usage[0].input_tokens > 0
    assert result.output_tokens == usage[0].output_tokens > 0
    assert result.cost_usd == pytest.approx(cost_usd(CATALOG.get(model), usage[0].input_tokens, usage[0].output_tokens))
    assert not result.usage_estimated
    assert result.ttft_ms is not None and 0 < result.ttft_ms < result.latency_ms
    assert result.tokens_per_s and result.tokens_per_s > 0


async def test_every_default_strategy_answers(sim_server: SimServer) -> None:
    engine = engine_for(simulated_endpoints(CATALOG, sim_server.base_url))
    try:
        results = await asyncio.gather(*(run_collect(engine, name) for name in DEFAULT_STRATEGIES))
    finally:
        await engine.pool.aclose()
    for (result, _), name in zip(results, DEFAULT_STRATEGIES, strict=True):
        assert result.strategy == name
        assert result.error is None, (name, result.error)
        assert result.decision is not None and result.decision.reason
        assert result.cost_usd > 0 and result.text


async def test_cancel_keeps_partial_text_and_cost(sim_server: SimServer) -> None:
    engine = engine_for(simulated_endpoints(CATALOG, sim_server.base_url))
    events: list[object] = []
    running: list[asyncio.Task[object]] = []

    def emit(event: object) -> None:
        # Cancelled from inside the run, at its third delta: on a busy machine the simulator may
        # already have sent the rest (frames that are due go out together), and a cancel from
        # another task could come after the answer ended.
        events.append(event)
        if isinstance(event, TextDelta) and sum(isinstance(e, TextDelta) for e in events) == 3:
            running[0].cancel()

    strategy = make_strategy("fixed", CATALOG, {"model": "gpt-4o"})
    task = asyncio.create_task(engine.run(strategy, ChatRequest.from_prompt(PROMPT), emit))
    running.append(task)
    with pytest.raises(asyncio.CancelledError):
        await task
    await engine.pool.aclose()
    failed = [e for e in events if isinstance(e, AttemptFailed)]
    assert len(failed) == 1 and failed[0].record.outcome == "cancelled"
    finished = events[-1]
    assert isinstance(finished, RequestFinished)
    result = finished.result
    assert result.error is not None and result.error.kind is ErrorKind.CANCELLED
    assert result.attempts[0].text  # the partial answer is kept
    assert result.output_tokens > 0 and result.cost_usd > 0  # and paid for
    assert result.usage_estimated


async def test_invalid_api_key_is_an_auth_error_without_retry() -> None:
    """401 is never retried and never trips a breaker; other providers (other
    keys) may still be tried, but never another model of the rejecting provider."""
    with SimServer(port=0, speed=40, require_api_key="right-key") as server:
        endpoints = {
            name: Endpoint(e.name, e.kind, e.base_url, "wrong-key", "X_API_KEY", True)
            for name, e in simulated_endpoints(CATALOG, server.base_url).items()
        }
        engine = engine_for(endpoints)
        try:
            for model in ("claude-haiku-4-5", "gpt-5-mini"):
                result, events = await run_collect(engine, "fixed", model=model)
                assert result.error is not None and result.error.kind is ErrorKind.AUTH, result.error
                assert result.error.status == 401
                assert "check the API key" in result.error.message
                assert result.attempts[0].model == model
                providers = [a.provider for a in result.attempts]
                assert len(providers) == len(set(providers))  # one attempt per provider at most
                assert result.retries == 0 and result.cost_usd == 0
                assert not any(isinstance(e, RetryScheduled) for e in events)
            assert all(s.failures == 0 and s.state == "CLOSED" for s in engine.health.snapshots())
        finally:
            await engine.pool.aclose()


async def test_unreachable_base_url_is_a_connection_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoints = {
        name: Endpoint(e.name, e.kind, e.base_url, "k", "", True)
        for name, e in simulated_endpoints(CATALOG, f"http://127.0.0.1:{port}").items()
    }
    engine = engine_for(endpoints, resilience=SINGLE_ATTEMPT)
    try:
        result, _ = await run_collect(engine, "fixed", model="gpt-4o")
    finally:
        await engine.pool.aclose()
    assert result.error is not None and result.error.kind is ErrorKind.CONNECTION
    assert f"127.0.0.1:{port}" in result.error.message and "cannot connect" in result.error.message


async def test_first_token_timeout_is_typed() -> None:
    with SimServer(port=0, speed=0.5) as server:  # claude-opus TTFT ~1.8 s at half speed
        engine = engine_for(simulated_endpoints(CATALOG, server.base_url), Timeouts(first_token_s=0.2), SINGLE_ATTEMPT)
        try:
            result, _ = await run_collect(engine, "fixed", model="claude-opus-4-5")
        finally:
            await engine.pool.aclose()
    assert result.error is not None and result.error.kind is ErrorKind.TIMEOUT
    assert "no first token within 0.2s" in result.error.message
    assert result.latency_ms < 1500


def test_session_uses_real_providers_when_a_key_is_set() -> None:
    session = Session.open(SessionOptions(), env={"OPENAI_API_KEY": "sk-test"})
    try:
        assert not session.simulated and session.sim_server is None
        assert set(session.endpoints) == {"openai"}
        assert {m.provider for m in session.context.available} == {"openai"}
        assert "LIVE" in session.mode_label and "sk-test" not in repr(session.endpoints)
    finally:
        session.close()


def test_session_falls_back_to_the_simulator_without_keys() -> None:
    with open_session(SessionOptions(), env={}) as session:
        assert session.simulated and session.sim_server is not None
        assert len(session.context.available) == len(CATALOG.models)
        assert session.mode_label.startswith("SIMULATED")


async def test_a_request_no_window_can_hold_ends_context_too_long_from_its_type(sim_server: SimServer) -> None:
    """The kind comes from the strategy's `NoModelFits`, not from its wording."""
    engine = Engine(CATALOG, ProviderPool(simulated_endpoints(CATALOG, sim_server.base_url)),
                    RoutingContext.for_all(CATALOG), simulated=True)
    try:
        result = await engine.run(make_strategy("cost", CATALOG),
                                  ChatRequest.from_prompt("hi", max_output_tokens=50_000_000))
    finally:
        await engine.pool.aclose()
    assert result.error is not None and result.error.kind is ErrorKind.CONTEXT_TOO_LONG
    assert result.attempts == () and "more than any available model's context window" in result.error.message
