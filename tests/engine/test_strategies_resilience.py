"""`fallback` and `loadbalance`: plans for the engine, with live health read
from a fake board."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest

from playground.core.catalog import default_catalog
from playground.core.errors import UserError
from playground.core.messages import ChatRequest
from playground.core.tokens import TokenCounter
from playground.strategies.base import RouteInput, RoutingContext
from playground.strategies.registry import make_strategy

CATALOG = default_catalog()
COUNTER = TokenCounter()


@dataclass
class FakeHealth:
    in_flight_by: dict[str, int] = field(default_factory=dict)
    ttft_by: dict[str, float] = field(default_factory=dict)
    success_by: dict[str, float] = field(default_factory=dict)
    open_: set[str] = field(default_factory=set)

    def in_flight(self, model_id: str) -> int:
        return self.in_flight_by.get(model_id, 0)

    def ewma_ttft_ms(self, model_id: str) -> float | None:
        return self.ttft_by.get(model_id)

    def success_rate(self, model_id: str) -> float:
        return self.success_by.get(model_id, 1.0)

    def circuit_state(self, model_id: str) -> str:
        return "OPEN" if model_id in self.open_ else "CLOSED"


def ctx(health: FakeHealth | None = None) -> RoutingContext:
    return RoutingContext(CATALOG, tuple(CATALOG.models.values()), health=health)


def route(prompt: str = "hello", max_tokens: int = 512) -> RouteInput:
    return RouteInput.measure(ChatRequest.from_prompt(prompt, max_output_tokens=max_tokens), COUNTER)


def test_fallback_plans_primary_then_chain() -> None:
    decision = make_strategy("fallback", CATALOG).decide(route(), ctx())
    assert decision.model == "claude-opus-4-5"
    assert decision.fallbacks == ("gpt-5-4", "claude-sonnet-4-5", "gpt-4o")
    assert "then gpt-5-4 → claude-sonnet-4-5 → gpt-4o" in decision.reason


def test_fallback_chain_never_includes_a_model_too_small_for_the_request() -> None:
    strategy = make_strategy("fallback", CATALOG, {"primary": "gpt-5-1", "chain": "gpt-4o,claude-sonnet-4-5"})
    big = RouteInput(route().request, 150_000, "test")  # fits 200k/400k windows, not gpt-4o's 128k
    decision = strategy.decide(big, ctx())
    assert decision.fallbacks == ("claude-sonnet-4-5",)
    note = {c.model: c.note for c in decision.candidates}["gpt-4o"]
    assert "window 128,000 < 150,512 needed" in note


def test_fallback_param_errors() -> None:
    with pytest.raises(UserError, match="fallback.chain: unknown model\\(s\\) nope"):
        make_strategy("fallback", CATALOG, {"chain": "gpt-4o,nope"})
    with pytest.raises(UserError, match="contains the primary model 'gpt-4o'"):
        make_strategy("fallback", CATALOG, {"primary": "gpt-4o", "chain": "gpt-4o"})


def test_loadbalance_weighted_follows_weights() -> None:
    values = {"policy": "weighted", "weights": "gpt-4o=3,openrouter-gpt-4o=1", "seed": 3}
    strategy = make_strategy("loadbalance", CATALOG, values)
    picks = Counter(strategy.decide(route(), ctx(FakeHealth())).model for _ in range(2000))
    share = picks["gpt-4o"] / 2000
    assert 0.70 < share < 0.80


def test_loadbalance_least_busy_and_latency() -> None:
    health = FakeHealth(in_flight_by={"gpt-4o": 5, "openrouter-gpt-4o": 1},
                        ttft_by={"gpt-4o": 200, "openrouter-gpt-4o": 900})
    busy = make_strategy("loadbalance", CATALOG, {"policy": "least-busy"}).decide(route(), ctx(health))
    assert busy.model == "openrouter-gpt-4o" and busy.fallbacks == ("gpt-4o",)
    fast = make_strategy("loadbalance", CATALOG, {"policy": "latency"}).decide(route(), ctx(health))
    assert fast.model == "gpt-4o"
    assert "TTFT 200 ms" in fast.reason


def test_loadbalance_health_prefers_the_healthy_deployment() -> None:
    health = FakeHealth(success_by={"gpt-4o": 0.2, "openrouter-gpt-4o": 1.0},
                        ttft_by={"gpt-4o": 400, "openrouter-gpt-4o": 400})
    strategy = make_strategy("loadbalance", CATALOG, {"policy": "health"})
    picks = Counter(strategy.decide(route(), ctx(health)).model for _ in range(1000))
    assert picks["openrouter-gpt-4o"] > 900  # 1.0² vs 0.2² → ~96%


def test_loadbalance_skips_open_circuits() -> None:
    health = FakeHealth(open_={"gpt-4o"})
    strategy = make_strategy("loadbalance", CATALOG, {"policy": "weighted", "weights": "gpt-4o=100"})
    decision = strategy.decide(route(), ctx(health))
    assert decision.model == "openrouter-gpt-4o"
    assert "skipped gpt-4o (circuit OPEN)" in decision.reason
    health.open_.add("openrouter-gpt-4o")
    with pytest.raises(UserError, match="no deployment of group 'gpt-4o' can take the request"):
        strategy.decide(route(), ctx(health))


def test_loadbalance_param_errors() -> None:
    groups = "gpt-4o, claude-sonnet-4-5, small-pool"
    with pytest.raises(UserError, match=f"loadbalance.group: unknown group 'x'; groups: {groups}"):
        make_strategy("loadbalance", CATALOG, {"group": "x"})
    with pytest.raises(UserError, match="loadbalance.weights: claude-haiku-4-5 not in group 'gpt-4o'"):
        make_strategy("loadbalance", CATALOG, {"weights": "claude-haiku-4-5=2"})
    policies = "weighted, least-busy, latency, health"
    with pytest.raises(UserError, match=f"loadbalance.policy: 'random' is not one of {policies}"):
        make_strategy("loadbalance", CATALOG, {"policy": "random"})
