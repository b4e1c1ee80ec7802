"""Ensembles, cascade and LLM-as-router executed against the simulator,
including failing members."""

from __future__ import annotations

import pytest

from playground.core import roles
from playground.core.catalog import default_catalog
from playground.core.errors import UserError
from playground.core.events import AttemptStarted, Verdict
from playground.core.messages import ChatRequest
from playground.core.roles import CallKind
from playground.engine.runner import Engine
from playground.providers.endpoints import simulated_endpoints
from playground.providers.pool import ProviderPool
from playground.sim.runner import SimServer
from playground.strategies.base import RoutingContext
from playground.strategies.registry import make_strategy

CATALOG = default_catalog()
PROMPT = "Explain the difference between a process and a thread."


async def run(server: SimServer, name: str, prompt: str = PROMPT, **values: object):
    pool = ProviderPool(simulated_endpoints(CATALOG, server.base_url))
    engine = Engine(CATALOG, pool, RoutingContext.for_all(CATALOG), simulated=True)
    events: list[object] = []
    try:
        request = ChatRequest.from_prompt(prompt, max_output_tokens=200)
        result = await engine.run(make_strategy(name, CATALOG, values), request, events.append)
    finally:
        await engine.pool.aclose()
    return result, events


async def test_race_first_answer_wins_and_losers_partial_cost_counts() -> None:
    # gpt-5-nano starts fastest; the slow flagship is cancelled mid-way.
    with SimServer(port=0, speed=10) as server:
        result, events = await run(server, "ensemble", mode="race", members="gpt-5-nano,claude-opus-4-5")
    final = result.final
    assert result.error is None and final is not None
    assert final.model == "gpt-5-nano" and final.outcome == "ok"
    loser = next(a for a in result.attempts if a.model == "claude-opus-4-5")
    assert loser.outcome == "cancelled"
    verdict = next(e for e in events if isinstance(e, Verdict))
    assert verdict.stage == "race" and "cancelled claude-opus-4-5" in verdict.summary
    assert result.cost_usd == pytest.approx(sum(a.cost_usd for a in result.attempts))
    assert result.text == final.text


async def test_vote_survives_a_failing_member() -> None:
    with SimServer(port=0, speed=40, faults="sim-gpt-4o-mini:server_error=1") as server:
        result, events = await run(server, "ensemble", mode="vote", members="gpt-5-mini,claude-haiku-4-5,gpt-4o-mini")
    assert result.error is None
    started = {(e.role, e.model) for e in events if isinstance(e, AttemptStarted)}
    expected = {(roles.member(1), "gpt-5-mini"), (roles.member(2), "claude-haiku-4-5"),
                (roles.member(3), "gpt-4o-mini")}
    assert expected <= started
    failed = [a for a in result.attempts if a.outcome == "failed"]
    assert failed and all(a.model == "gpt-4o-mini" and a.role == roles.member(3) for a in failed)
    verdict = next(e for e in events if isinstance(e, Verdict))
    assert verdict.stage == "vote" and verdict.details["failed_members"] == 1
    assert sum(verdict.details["votes"].values()) == 2


async def test_every_member_failing_is_a_typed_error() -> None:
    with SimServer(port=0, speed=40, faults="server_error=1") as server:
        result, _ = await run(server, "ensemble", mode="vote", members="gpt-5-mini,claude-haiku-4-5")
    assert result.error is not None and "every ensemble member failed" in result.error.message


async def test_best_of_calls_a_costed_judge() -> None:
    with SimServer(port=0, speed=40) as server:
        result, events = await run(server, "ensemble", mode="best_of", members="gpt-5-mini,claude-haiku-4-5",
                                   judge="gpt-5-1")
    judge = [a for a in result.attempts if a.role == roles.JUDGE]
    assert len(judge) == 1 and judge[0].model == "gpt-5-1" and judge[0].cost_usd > 0
    assert any(isinstance(e, Verdict) and e.stage == "judge" for e in events)
    assert result.final is not None and result.final.role.kind is CallKind.MEMBER


async def test_cascade_escalates_when_checks_fail_and_shows_each_tier() -> None:
    with SimServer(port=0, speed=40) as server:
        # No answer is 100k characters long: every tier fails the check, the last is kept.
        result, events = await run(server, "cascade", tiers="gpt-5-nano,gpt-5-mini", min_length=100_000,
                                   confidence=False)
    verdicts = [e for e in events if isinstance(e, Verdict)]
    assert [v.stage for v in verdicts] == ["tier 1", "tier 2"]
    assert verdicts[0].passed is False and "rejected (min_length)" in verdicts[0].summary
    assert "last tier, answer kept" in verdicts[1].summary
    assert [a.model for a in result.attempts] == ["gpt-5-nano", "gpt-5-mini"]
    assert result.final is not None and result.final.model == "gpt-5-mini" and result.error is None
    assert result.cost_usd == pytest.approx(sum(a.cost_usd for a in result.attempts))


async def test_cascade_accepts_the_cheap_tier_when_checks_pass() -> None:
    with SimServer(port=0, speed=40) as server:
        result, events = await run(server, "cascade", prompt="What is the capital of Australia?",
                                   tiers="gpt-5-mini,claude-opus-4-5",
                                   min_length=5, no_hedging=False, confidence=False)
    assert [a.model for a in result.attempts] == ["gpt-5-mini"]
    assert next(e for e in events if isinstance(e, Verdict)).passed


async def test_cascade_confidence_uses_logprobs_when_available() -> None:
    with SimServer(port=0, speed=40) as server:
        _, events = await run(server, "cascade", tiers="gpt-5-nano,claude-sonnet-4-5", min_length=0, no_hedging=False,
                                   min_mean_logprob=0.0)
    tier1 = next(e for e in events if isinstance(e, Verdict))
    confidence = next(c for c in tier1.details["checks"] if c["check"] == "confidence")
    assert confidence["passed"] is False and "mean logprob" in confidence["detail"]  # OpenAI protocol returns logprobs
    tier2 = [e for e in events if isinstance(e, Verdict)][1]
    confidence2 = next(c for c in tier2.details["checks"] if c["check"] == "confidence")
    assert confidence2["passed"] is None and "no logprobs" in confidence2["detail"]  # Anthropic has none


async def test_llm_router_costs_the_router_call_and_routes() -> None:
    with SimServer(port=0, speed=40) as server:
        result, events = await run(server, "llmrouter")
    router = [a for a in result.attempts if a.role == roles.ROUTER]
    assert len(router) == 1 and router[0].model == "gpt-5-nano" and router[0].cost_usd > 0
    verdict = next(e for e in events if isinstance(e, Verdict))
    assert result.final is not None and result.final.role == roles.ROUTED
    assert verdict.stage == "router" and verdict.model == result.final.model
    assert result.to_dict()["attempts"][-1]["role"] == "answer"  # the JSON label is unchanged


def test_plan_strategy_param_errors() -> None:
    with pytest.raises(UserError, match="ensemble.members: needs at least two models"):
        make_strategy("ensemble", CATALOG, {"members": "gpt-4o"})
    with pytest.raises(UserError, match="cascade.json_schema: not valid JSON"):
        make_strategy("cascade", CATALOG, {"json_schema": "{oops"})
    with pytest.raises(UserError, match="llmrouter.prompt: must contain \\{prompt\\}"):
        make_strategy("llmrouter", CATALOG, {"prompt": "classify it"})
    with pytest.raises(UserError, match="llmrouter.routes: unknown model"):
        make_strategy("llmrouter", CATALOG, {"routes": "easy=gpt-9"})
    with pytest.raises(UserError, match="cascade.judge: unknown model 'x'"):
        make_strategy("cascade", CATALOG, {"judge": "x"})


def test_race_members_finishing_together_are_ordered_by_finish_time() -> None:
    from playground.core.errors import ErrorKind, ProviderError
    from playground.core.events import AttemptRecord
    from playground.engine.plans import by_finish_time
    from playground.engine.runner import Answer

    def ok(model: str) -> Answer:
        return Answer(AttemptRecord(1, model, "openai", "ok", 10, 5, "provider", 0.0, 100.0, 200.0, "x"), None)

    failed = Answer(None, ProviderError(ErrorKind.SERVER_ERROR, "boom"))
    # The set order asyncio hands back is arbitrary: the later finisher first here.
    winners, failures = by_finish_time([(ok("late"), 5.0), (failed, 1.0), (ok("early"), 2.0)])
    assert [w.record.model for w in winners if w.record] == ["early", "late"]
    assert failures == [failed]
