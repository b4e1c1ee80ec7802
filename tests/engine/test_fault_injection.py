"""Every exception raised while an attempt runs ends as a failed attempt with
a typed error, the request still ends with one `RequestFinished`, and every
permit comes back: the in-flight count and a HALF_OPEN breaker's probe slot.

Faults are injected at each await point of an attempt around the real
provider (the SDK talking to the simulator over loopback): before the first
chunk (the request), between chunks, after the last one and on close; and
at the retry wait, the embedding call and the SDK's own header encoding.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterator

import pytest

from playground.core import roles
from playground.core.catalog import ModelSpec, default_catalog
from playground.core.errors import ErrorKind, ProviderError
from playground.core.events import (
    AttemptFailed,
    AttemptStarted,
    BreakerState,
    Event,
    RequestFinished,
    RequestResult,
)
from playground.core.messages import ChatRequest, Message
from playground.engine.breaker import BreakerConfig
from playground.engine.retry import RetryPolicy
from playground.engine.runner import Engine, ResilienceConfig
from playground.providers.base import ChatProvider, Chunk, Endpoint
from playground.providers.endpoints import simulated_endpoints
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RoutingContext
from playground.strategies.registry import make_strategy

CATALOG = default_catalog()
MODEL = "gpt-4o"
REQUEST = ChatRequest.from_prompt("Explain TCP slow start.", max_output_tokens=80)
# One probe slot, opened by one failure, half-open at once: a leaked slot shows as 0 permits left.
BREAKER = BreakerConfig(minimum_calls=1, window_size=1, failure_rate_threshold=100, wait_in_open_s=0, half_open_calls=1)
ONE_MODEL = ResilienceConfig(retry=RetryPolicy(max_attempts=2, retries_per_model=0), breaker=BREAKER,
                             fallbacks_enabled=False)


@pytest.fixture(scope="module")
def server() -> Iterator[SimServer]:
    with SimServer(port=0, speed=40) as sim:
        yield sim


class FaultAt:
    """The real provider's stream, with `exc` raised at await point `at`:
    0 before the first chunk, n after the n-th chunk, "close" when it is closed."""

    def __init__(self, real: ChatProvider, at: int | str, exc: BaseException) -> None:
        self.real = real
        self.endpoint = real.endpoint
        self.at = at
        self.exc = exc

    async def list_models(self) -> list[str]:
        return await self.real.list_models()

    async def stream(self, api_model: str, request: ChatRequest) -> AsyncGenerator[Chunk, None]:
        inner = self.real.stream(api_model, request)
        count = 0
        try:
            if self.at == 0:
                raise self.exc
            async for chunk in inner:
                yield chunk
                count += 1
                if count == self.at:
                    raise self.exc
        finally:
            await inner.aclose()
            if self.at == "close":
                raise self.exc


def sim_engine(server: SimServer, resilience: ResilienceConfig | None = None) -> Engine:
    return Engine(CATALOG, ProviderPool(simulated_endpoints(CATALOG, server.base_url)), RoutingContext.for_all(CATALOG),
                  simulated=True, resilience=resilience, seed=3)


def half_open_engine(server: SimServer) -> Engine:
    engine = sim_engine(server, ONE_MODEL)
    permit = engine.health.acquire(MODEL)
    assert permit is not None
    permit.finish(ProviderError(ErrorKind.SERVER_ERROR, "down"), 0.1, None)  # opens: HALF_OPEN at once, one slot
    assert engine.health.breaker(MODEL).snapshot().state is BreakerState.HALF_OPEN
    return engine


def inject(engine: Engine, monkeypatch: pytest.MonkeyPatch, at: int | str, exc: BaseException) -> None:
    real = engine.pool.provider_for

    def faulty(model: ModelSpec) -> ChatProvider:
        return FaultAt(real(model), at, exc)

    monkeypatch.setattr(engine.pool, "provider_for", faulty)


def assert_permits_back(engine: Engine) -> None:
    snap = engine.health.breaker(MODEL).snapshot()
    assert engine.health.in_flight(MODEL) == 0
    assert snap.state is BreakerState.HALF_OPEN and snap.half_open_permits_left == 1, snap


def assert_ends_once(events: list[Event], result: RequestResult) -> None:
    finished = [e for e in events if isinstance(e, RequestFinished)]
    assert len(finished) == 1 and events[-1] is finished[0] and finished[0].result is result


FAULTS = [
    (RuntimeError("boom"), ErrorKind.INTERNAL),
    (KeyError("missing"), ErrorKind.INTERNAL),
    (UnicodeEncodeError("ascii", "sk-clé", 5, 6, "ordinal not in range(128)"), ErrorKind.AUTH),
]


@pytest.mark.parametrize("at", [0, 1, 3, "close"])
@pytest.mark.parametrize(("exc", "kind"), FAULTS, ids=["runtime", "keyerror", "unicode"])
async def test_an_exception_at_any_await_point_is_a_failed_attempt(server: SimServer, monkeypatch: pytest.MonkeyPatch,
                                                                    at: int | str, exc: BaseException,
                                                                    kind: ErrorKind) -> None:
    engine = half_open_engine(server)
    inject(engine, monkeypatch, at, exc)
    events: list[Event] = []
    try:
        result = await engine.run(make_strategy("fixed", CATALOG, {"model": MODEL}), REQUEST, events.append)
    finally:
        await engine.pool.aclose()
    assert result.error is not None and result.error.kind is kind
    assert [a.outcome for a in result.attempts] == ["failed"]
    failed = result.attempts[0]
    assert failed.error is not None and failed.error.kind is kind
    assert (type(exc).__name__ if kind is ErrorKind.INTERNAL else "cannot be sent") in failed.error.message
    assert any(isinstance(e, AttemptFailed) for e in events)
    assert_ends_once(events, result)
    assert_permits_back(engine)


@pytest.mark.parametrize("at", [0, 2])
async def test_stream_always_ends_with_request_finished(server: SimServer, monkeypatch: pytest.MonkeyPatch,
                                                        at: int) -> None:
    engine = half_open_engine(server)
    inject(engine, monkeypatch, at, RuntimeError("boom"))
    try:
        events = [e async for e in engine.stream(make_strategy("fixed", CATALOG, {"model": MODEL}), REQUEST)]
    finally:
        await engine.pool.aclose()
    assert isinstance(events[-1], RequestFinished)
    assert events[-1].result.error is not None and events[-1].result.error.kind is ErrorKind.INTERNAL
    assert_permits_back(engine)


@pytest.mark.parametrize("where", ["prompt", "system"])
async def test_a_lone_surrogate_is_a_bad_request_before_any_call(server: SimServer, where: str) -> None:
    text = "broken \udcff text"
    request = ChatRequest.from_prompt(text if where == "prompt" else "hello",
                                      system=text if where == "system" else None, max_output_tokens=50)
    engine = half_open_engine(server)
    events: list[Event] = []
    try:
        result = await engine.run(make_strategy("complexity", CATALOG), request, events.append)
    finally:
        await engine.pool.aclose()
    assert result.error is not None and result.error.kind is ErrorKind.BAD_REQUEST
    assert "not valid Unicode" in result.error.message and result.attempts == ()
    assert_ends_once(events, result)
    assert_permits_back(engine)


async def test_a_header_the_sdk_cannot_encode_fails_the_attempt_and_falls_back(server: SimServer) -> None:
    """A non-ASCII key (refused when read from the environment, but an
    Endpoint can be built by hand) makes the SDK raise while encoding the
    request headers: a typed failure, and another provider answers."""
    endpoints = simulated_endpoints(CATALOG, server.base_url)
    bad = endpoints["openai"]
    endpoints["openai"] = Endpoint(bad.name, bad.kind, bad.base_url, "sk-clé", bad.api_key_env, bad.simulated)
    engine = Engine(CATALOG, ProviderPool(endpoints), RoutingContext.for_all(CATALOG), simulated=True, seed=3)
    events: list[Event] = []
    try:
        strategy = make_strategy("fallback", CATALOG, {"primary": MODEL, "chain": ["claude-sonnet-4-5"]})
        result = await engine.run(strategy, REQUEST, events.append)
    finally:
        await engine.pool.aclose()
    first = result.attempts[0]
    assert first.model == MODEL and first.outcome == "failed" and first.error is not None
    assert first.error.kind is ErrorKind.AUTH and "API key plain ASCII" in first.error.message
    assert "clé" not in first.error.message
    assert result.error is None and result.model == "claude-sonnet-4-5"
    assert engine.health.in_flight(MODEL) == 0 and engine.health.in_flight("claude-sonnet-4-5") == 0
    assert_ends_once(events, result)


async def test_cancelled_while_waiting_to_retry_gives_everything_back(server: SimServer) -> None:
    faults = f"sim-{MODEL}:server_error=1"
    with SimServer(port=0, speed=40, faults=faults, seed=1) as faulty:
        resilience = ResilienceConfig(retry=RetryPolicy(max_attempts=3, retries_per_model=2, base_delay_s=30, jitter=0),
                                      fallbacks_enabled=False)
        engine = Engine(CATALOG, ProviderPool(simulated_endpoints(CATALOG, faulty.base_url)),
                        RoutingContext.for_all(CATALOG), simulated=True, resilience=resilience, seed=3)
        events: list[Event] = []
        task = asyncio.create_task(engine.run(make_strategy("fixed", CATALOG, {"model": MODEL}),
                                              ChatRequest.from_prompt("hi", max_output_tokens=20), events.append))
        try:
            async with asyncio.timeout(30):
                while not any(isinstance(e, AttemptFailed) for e in events):
                    await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            await engine.pool.aclose()
    finished = [e for e in events if isinstance(e, RequestFinished)]
    assert len(finished) == 1 and finished[0].result.error is not None
    assert finished[0].result.error.kind is ErrorKind.CANCELLED
    assert engine.health.in_flight(MODEL) == 0


async def test_an_exception_in_the_embedding_call_falls_back_to_the_default_model(
        server: SimServer, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = sim_engine(server)
    real = engine.pool.embedder_for

    class Broken:
        def __init__(self, endpoint: Endpoint) -> None:
            self.endpoint = endpoint

        async def embed(self, api_model: str, texts: list[str], dimensions: int | None = None
                        ) -> tuple[list[list[float]], int]:
            await asyncio.sleep(0)
            raise ValueError("no vector today")

    monkeypatch.setattr(engine.pool, "embedder_for", lambda endpoint: Broken(endpoint) if real(endpoint) else None)
    events: list[Event] = []
    try:
        result = await engine.run(make_strategy("learned", CATALOG), ChatRequest(
            (Message("user", "Write a Python function that reverses a string."),), max_output_tokens=60), events.append)
    finally:
        await engine.pool.aclose()
    embedding = [a for a in result.attempts if a.role == roles.EMBEDDING]
    assert embedding and all(a.error is not None and a.error.kind is ErrorKind.INTERNAL for a in embedding)
    assert result.error is None and result.decision is not None
    assert "embedding failed" in result.decision.reason and result.model == CATALOG.flagship
    assert engine.health.in_flight("text-embedding-3-small") == 0
    assert [e.role for e in events if isinstance(e, AttemptStarted)][-1] == roles.ANSWER
    assert_ends_once(events, result)
