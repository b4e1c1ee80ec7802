"""Side calls (the learned router's embedding, the cache's embedding, judges,
the router model) get the same retries, fallbacks and honest errors as
answers; when the embedding is impossible the strategy's default model
answers and the trace says why."""

from __future__ import annotations

from playground.core import roles
from playground.core.catalog import default_catalog
from playground.core.errors import ErrorKind
from playground.core.events import Event, RequestResult, RetryScheduled, Verdict
from playground.core.messages import ChatRequest
from playground.engine.cache import CacheConfig
from playground.engine.runner import Engine
from playground.providers.endpoints import simulated_endpoints
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RoutingContext
from playground.strategies.registry import make_strategy

CATALOG = default_catalog()
EMBEDDER = "sim-text-embedding-3-small"
PROMPT = "Write a Python function that merges two sorted lists."


async def run(faults: str, strategy: str, cache: CacheConfig | None = None, seed: int = 3,
              **values: object) -> tuple[RequestResult, list[Event]]:
    with SimServer(port=0, speed=40, faults=faults, seed=seed) as server:
        engine = Engine(CATALOG, ProviderPool(simulated_endpoints(CATALOG, server.base_url)),
                        RoutingContext.for_all(CATALOG), simulated=True, cache=cache, seed=seed)
        events: list[Event] = []
        try:
            result = await engine.run(make_strategy(strategy, CATALOG, values),
                                      ChatRequest.from_prompt(PROMPT, max_output_tokens=60), events.append)
        finally:
            await engine.pool.aclose()
    return result, events


async def test_a_rate_limited_embedding_is_retried_then_the_default_model_answers() -> None:
    # Every embedding call is refused with a 429: retried once, then given up.
    result, events = await run(f"{EMBEDDER}:rate_limit=1", "learned")
    embeddings = [a for a in result.attempts if a.role == roles.EMBEDDING]
    assert len(embeddings) == 2 and all(a.error and a.error.kind is ErrorKind.RATE_LIMITED for a in embeddings)
    assert any(isinstance(e, RetryScheduled) and e.model == "text-embedding-3-small" for e in events)
    # The default model answers, and the trace says why (it used to end as
    # `no_model`, "no embeddings endpoint is configured").
    assert result.error is None and result.decision is not None
    assert result.decision.reason.startswith("the prompt's embedding failed (rate_limited")
    assert "learned cannot decide: its default model" in result.decision.reason
    assert result.model == CATALOG.flagship
    assert result.decision.details["embedding_error"]["type"] == "rate_limited"


async def test_an_embedding_that_fails_once_is_retried_then_the_router_decides() -> None:
    for seed in range(1, 40):  # a seed whose first embedding call fails and second succeeds
        result, _ = await run(f"{EMBEDDER}:server_error=0.5", "learned", seed=seed)
        outcomes = [a.outcome for a in result.attempts if a.role == roles.EMBEDDING]
        if outcomes == ["failed", "ok"]:
            break
    else:
        raise AssertionError("no seed gave a failed then a successful embedding call")
    assert result.error is None and result.decision is not None and "nearest examples vote" in result.decision.reason
    assert result.retries == 1


async def test_the_cache_says_why_it_matched_exactly_only() -> None:
    result, events = await run(f"{EMBEDDER}:server_error=1", "fixed", cache=CacheConfig(enabled=True),
                               model="gpt-5-mini")
    verdict = next(e for e in events if isinstance(e, Verdict) and e.stage == "cache")
    assert not verdict.passed and "exact match only: the prompt's embedding failed, server_error" in verdict.summary
    assert result.error is None and result.model == "gpt-5-mini"  # the answer itself is not affected
    assert result.cache is not None and not result.cache.hit


async def test_a_failing_judge_falls_back_to_another_model() -> None:
    result, events = await run("sim-gpt-5-1:down=1", "ensemble", mode="best_of",
                               members="gpt-5-mini,claude-haiku-4-5", judge="gpt-5-1")
    judges = [a for a in result.attempts if a.role == roles.JUDGE]
    assert judges[0].model == "gpt-5-1" and judges[0].outcome == "failed"
    assert judges[-1].model != "gpt-5-1" and judges[-1].outcome == "ok"
    verdict = next(e for e in events if isinstance(e, Verdict) and e.stage == "judge")
    assert verdict.passed and f"{judges[-1].model} picked" in verdict.summary
    assert result.error is None


async def test_a_failing_router_model_falls_back_to_another_model() -> None:
    result, events = await run("sim-gpt-5-nano:down=1", "llmrouter")
    routers = [a for a in result.attempts if a.role == roles.ROUTER]
    assert routers[0].model == "gpt-5-nano" and routers[0].outcome == "failed" and routers[-1].outcome == "ok"
    verdict = next(e for e in events if isinstance(e, Verdict) and e.stage == "router")
    assert verdict.passed and routers[-1].model in verdict.summary
    assert result.error is None and result.final is not None and result.final.role == roles.ROUTED
