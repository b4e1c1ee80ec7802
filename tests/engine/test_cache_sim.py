"""The semantic cache as a layer over any strategy, against the simulator's
real embeddings endpoint."""

from __future__ import annotations

import pytest

from playground.core import roles
from playground.core.catalog import default_catalog
from playground.core.events import Verdict
from playground.core.messages import ChatRequest
from playground.engine.cache import CacheConfig
from playground.engine.runner import Engine
from playground.providers.endpoints import simulated_endpoints
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RoutingContext
from playground.strategies.registry import make_strategy

CATALOG = default_catalog()


async def test_miss_then_exact_then_semantic_hit_then_unrelated_miss() -> None:
    with SimServer(port=0, speed=40) as server:
        pool = ProviderPool(simulated_endpoints(CATALOG, server.base_url))
        engine = Engine(CATALOG, pool, RoutingContext.for_all(CATALOG),
                        simulated=True, cache=CacheConfig(enabled=True, similarity_threshold=0.85))
        strategy = make_strategy("complexity", CATALOG)

        async def ask(prompt: str):
            events: list[object] = []
            result = await engine.run(strategy, ChatRequest.from_prompt(prompt, max_output_tokens=120), events.append)
            return result, next(e for e in events if isinstance(e, Verdict) and e.stage == "cache")

        try:
            first, verdict = await ask("How do I reset my password on the website?")
            assert not verdict.passed and first.error is None
            assert [a.role for a in first.attempts] == [roles.EMBEDDING, roles.ANSWER]
            embedding = first.attempts[0]
            assert embedding.model == "text-embedding-3-small" and embedding.input_tokens > 0
            assert embedding.cost_usd == pytest.approx(embedding.input_tokens * 0.02 / 1_000_000)

            exact, verdict = await ask("how do I reset my  password on the website?")
            assert verdict.passed and verdict.details["kind"] == "exact"
            assert exact.attempts == () and exact.cost_usd == 0  # no call at all
            assert exact.text == first.text and exact.model == first.model

            similar, verdict = await ask("How can I reset my password on this website?")
            assert verdict.passed and verdict.details["kind"] == "semantic"
            assert verdict.details["similarity"] >= 0.85
            assert verdict.details["cached_prompt"] == "How do I reset my password on the website?"
            assert [a.role for a in similar.attempts] == [roles.EMBEDDING]  # costs only the embedding
            assert similar.cost_usd == pytest.approx(similar.attempts[0].cost_usd) and similar.text == first.text
            assert similar.to_dict()["cache"]["hit"] is True

            other, verdict = await ask("Write a haiku about autumn leaves.")
            assert not verdict.passed and "best similarity" in verdict.summary
            assert other.text != first.text

            # Entries are per strategy: another column never gets this column's answers.
            events: list[object] = []
            request = ChatRequest.from_prompt("How do I reset my password on the website?", max_output_tokens=60)
            await engine.run(make_strategy("fixed", CATALOG), request, events.append)
            assert not next(e for e in events if isinstance(e, Verdict) and e.stage == "cache").passed
            # Per strategy: another column does not get this column's answers.
        finally:
            await engine.pool.aclose()
