"""The library API (`from playground import Router`) against the built-in
simulator over loopback: no keys, no network."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from playground import Completion, ConfigError, Router, RouterClosed, RoutingError, UserError
from playground.core.events import (
    AttemptFailed,
    Decided,
    FallbackStarted,
    ModelSkipped,
    RequestFinished,
    TextDelta,
)
from playground.core.messages import ChatRequest
from playground.core.tokens import default_counter
from playground.engine.runner import Engine
from playground.library import to_request
from playground.sim.runner import SimServer
from playground.strategies.base import RouteInput, RoutingContext
from playground.strategies.registry import make_strategy
from tests.helpers.env import fake_key

# Complexity scores of these prompts (with message overhead; quantiles of the reference prompts):
# 0.0, ~0.17, ~0.72. With the tuned thresholds below they land in three different tiers; with the
# defaults (0.8, 0.9) all three would be "small".
PROMPTS = {
    "small": "hi",
    "mid": "What is the capital of France?",
    "large": "Compare quicksort and mergesort and explain why one is faster?",
}
POLICY = """\
version = 1

[router]
strategy = "complexity"

[strategies.complexity]
low_threshold = 0.08
high_threshold = 0.3
small_model = "gpt-5-nano"
mid_model = "claude-haiku-4-5"
large_model = "gpt-4o"

[strategies.fixed]
model = "gpt-4o"

[fallbacks.chains]
"gpt-4o" = ["claude-sonnet-4-5"]
"""
SENTINEL_KEY = fake_key("sk-test", "SENTINEL-do-not-print-0123456789")


@pytest.fixture()
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY, encoding="utf-8")
    return path


def expected_decision(router: Router, prompt: str, strategy: str = "complexity"):
    """What the playground's strategy decides for the prompt, computed
    independently of the Router."""
    settings = router.settings
    chosen = make_strategy(strategy, settings.catalog, settings.values_for(strategy))
    route = RouteInput.measure(ChatRequest.from_prompt(prompt, max_output_tokens=60), default_counter())
    return chosen.decide(route, RoutingContext.for_all(settings.catalog))


async def test_complete_serves_the_model_the_tuned_thresholds_choose(policy_file: Path) -> None:
    async with Router.from_file(policy_file) as router:
        assert router.strategy_name == "complexity" and router.simulated
        tiers = {}
        for tier, prompt in PROMPTS.items():
            expected = expected_decision(router, prompt)
            assert expected.details["tier"] == tier
            assert router.decide(prompt, max_tokens=60).model == expected.model
            done = await router.complete(prompt, max_tokens=60)
            assert isinstance(done, Completion)
            assert done.model == expected.model and done.reason == expected.reason
            assert done.text and done.simulated and done.cost_usd > 0
            assert done.input_tokens > 0 and 0 < done.output_tokens <= 60
            assert done.attempts == 1 and done.fallbacks == 0
            assert done.trace["details"]["tier"] == tier
            assert done.ttft_ms is not None and 0 < done.ttft_ms < done.latency_ms
            tiers[tier] = done.model
    assert tiers == {"small": "gpt-5-nano", "mid": "claude-haiku-4-5", "large": "gpt-4o"}
    # The tuning matters: the default thresholds would route two of them elsewhere.
    defaults = make_strategy("complexity", router.settings.catalog, {})
    ctx = RoutingContext.for_all(router.settings.catalog)
    routes = [RouteInput.measure(ChatRequest.from_prompt(p), default_counter()) for p in PROMPTS.values()]
    default_tiers = [defaults.decide(route, ctx).details["tier"] for route in routes]
    assert default_tiers == ["small", "small", "small"]


async def test_stream_yields_decided_then_deltas_then_finished(policy_file: Path) -> None:
    async with Router.from_file(policy_file) as router:
        events = [e async for e in router.stream([{"role": "user", "content": PROMPTS["large"]}], max_tokens=80)]
    assert isinstance(events[0], Decided) and events[0].decision.model == "gpt-4o"
    assert isinstance(events[-1], RequestFinished)
    kinds = [type(e) for e in events]
    assert kinds.count(TextDelta) > 3
    assert kinds.index(TextDelta) > 0
    result = events[-1].result
    assert result.error is None and result.model == "gpt-4o"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == result.text
    assert Completion.from_result(result).cost_usd == result.cost_usd > 0


def test_complete_sync_reuses_its_loop_and_close_stops_the_simulator(policy_file: Path) -> None:
    router = Router.from_file(policy_file)
    assert "not started" in repr(router)
    first = router.complete_sync(PROMPTS["small"], max_tokens=40)
    second = router.complete_sync([{"role": "system", "content": "Be brief."},
                                   {"role": "user", "content": PROMPTS["small"]}], max_tokens=40)
    assert first.model == second.model == "gpt-5-nano" and first.text and second.text
    assert len(router._engines) == 1  # one private loop, one engine, one connection pool
    server = router.session.sim_server
    assert isinstance(server, SimServer) and server.running
    router.close()
    assert not server.running
    assert "closed" in repr(router)
    with pytest.raises(RouterClosed):
        router.complete_sync("hi")
    router.close()  # idempotent


async def test_complete_sync_inside_a_running_loop_says_to_await(policy_file: Path) -> None:
    async with Router.from_file(policy_file) as router:
        with pytest.raises(RuntimeError, match="await router.complete"):
            router.complete_sync("hi")


async def test_a_down_model_falls_back_and_every_attempt_is_counted(policy_file: Path) -> None:
    async with Router.from_file(policy_file, strategy="fixed", sim_faults="sim-gpt-4o:down=1") as router:
        events = [e async for e in router.stream("Explain hash maps.", max_tokens=60)]
        done = await router.complete("Explain hash maps.", max_tokens=60)
    finished = events[-1]
    assert isinstance(finished, RequestFinished) and done.result is not None
    result = finished.result
    assert result.error is None and result.model == "claude-sonnet-4-5"
    assert any(isinstance(e, FallbackStarted) and e.to_model == "claude-sonnet-4-5" for e in events)
    assert any(isinstance(e, AttemptFailed) and e.record.model == "gpt-4o" for e in events)
    assert done.model == "claude-sonnet-4-5" and done.fallbacks >= 1 and done.attempts >= 2
    assert done.trace["model"] == "gpt-4o"  # the decision; the fallback served
    assert done.cost_usd == pytest.approx(sum(a.cost_usd for a in done.result.attempts)) and done.cost_usd > 0


async def test_a_cut_stream_costs_its_partial_attempt(policy_file: Path) -> None:
    async with Router.from_file(policy_file, strategy="fixed", sim_faults="sim-gpt-4o:cut=1") as router:
        done = await router.complete("Explain hash maps in detail.", max_tokens=200)
    result = done.result
    assert result is not None and result.final is not None
    failed = [a for a in result.attempts if a.outcome != "ok"]
    assert done.model == "claude-sonnet-4-5" and failed and all(a.model == "gpt-4o" for a in failed)
    assert done.cost_usd == pytest.approx(sum(a.cost_usd for a in result.attempts))
    assert done.cost_usd > result.final.cost_usd  # the failed attempts' tokens count too


async def test_no_answer_raises_routing_error_with_the_costed_result(policy_file: Path) -> None:
    text = POLICY + "\n[fallbacks]\nenabled = false\n"
    text = text.replace('[fallbacks.chains]\n"gpt-4o" = ["claude-sonnet-4-5"]\n', "")
    policy_file.write_text(text, encoding="utf-8")
    async with Router.from_file(policy_file, strategy="fixed", sim_faults="sim-gpt-4o:down=1") as router:
        with pytest.raises(RoutingError) as caught:
            await router.complete("hello", max_tokens=30)
        result = await router.run("hello", max_tokens=30)  # the non-raising form
    error = caught.value
    assert error.result.error is not None and error.result.attempts
    assert all(a.model == "gpt-4o" for a in error.result.attempts)
    assert "gpt-4o" in str(error) and str(error.kind) in str(error)
    assert result.error is not None


def test_breakers_carry_over_between_sync_calls(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY + """
[retry]
retries_per_model = 0

[breaker]
window_size = 2
minimum_calls = 2
failure_rate_threshold = 50
wait_in_open_s = 600
""", encoding="utf-8")
    with Router.from_file(path, strategy="fixed", sim_faults="sim-gpt-4o:down=1") as router:
        for _ in range(2):
            assert router.complete_sync("hi", max_tokens=20).model == "claude-sonnet-4-5"
        assert router.health.circuit_state("gpt-4o") == "OPEN"
        done = router.complete_sync("hi", max_tokens=20)
        assert done.result is not None
        assert [a.model for a in done.result.attempts] == ["claude-sonnet-4-5"]  # skipped, not tried

        async def streamed() -> list[object]:  # a new loop, the same breakers
            return [e async for e in router.stream("hi", max_tokens=20)]

        events = asyncio.run(streamed())
        assert any(isinstance(e, ModelSkipped) and "circuit OPEN for gpt-4o" in e.reason for e in events)


def test_a_bad_policy_file_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY.replace("high_threshold = 0.3", "high_threshold = 3.0"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Router.from_file(path)
    message = str(caught.value)
    line = POLICY.splitlines().index("high_threshold = 0.3") + 1
    assert f"{path}:{line}" in message and "strategies.complexity.high_threshold" in message
    assert isinstance(caught.value, UserError)

    path.write_text("[router]\nstrategy = \"complexity\"\nstratgy = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r":3: router\.stratgy"):
        Router.from_file(path)
    path.write_text("[router\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Router.from_file(path)
    with pytest.raises(UserError, match="cannot read policy file"):
        Router.from_file(tmp_path / "missing.toml")
    with pytest.raises(UserError, match="unknown strategy"):
        Router(Router.from_text(POLICY).settings, strategy="nope")


async def test_keys_never_appear_in_reprs(policy_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    async with Router.from_file(policy_file, simulate=True) as router:
        shown = [repr(router), str(router)]
        done = await router.complete("hi", max_tokens=20)
        assert router.simulated and done.simulated
        shown += [repr(router), str(router), repr(done), str(done), repr(router.session.endpoints)]
    assert all(SENTINEL_KEY not in s for s in shown)
    # Without simulate=True the key is used (a live session), and still never shown.
    live = Router.from_file(policy_file)
    try:
        assert not live.simulated and "live: openai" in repr(live)
        assert SENTINEL_KEY not in repr(live) + str(live) + repr(live.session.endpoints)
    finally:
        live.close()


def test_simulate_false_without_keys_is_a_clear_error(policy_file: Path) -> None:
    router = Router.from_file(policy_file, simulate=False)
    with pytest.raises(UserError, match="no provider is configured"):
        router.decide("hi")
    router.close()


async def test_abtest_is_sticky_per_user(policy_file: Path) -> None:
    text = POLICY.replace('strategy = "complexity"', 'strategy = "abtest"') + """
[strategies.abtest]
variants = { "gpt-5-nano" = 50, "claude-haiku-4-5" = 50 }
sticky = "user"
"""
    policy_file.write_text(text, encoding="utf-8")
    async with Router.from_file(policy_file) as router:
        assert router.strategy_name == "abtest"
        users = [f"user-{i}" for i in range(12)]
        picks = {u: router.decide("hi", user=u).model for u in users}
        assert set(picks.values()) == {"gpt-5-nano", "claude-haiku-4-5"}
        for u in users[:3]:
            done = await router.complete("hi", user=u, max_tokens=20)
            assert done.model == picks[u]


def test_messages_in_openai_form() -> None:
    request = to_request([{"role": "developer", "content": "Be terse."},
                          {"role": "user", "content": [{"type": "text", "text": "Hel"},
                                                       {"type": "text", "text": "lo"}]},
                          {"role": "assistant", "content": "Hi!"},
                          {"role": "user", "content": "Again"}], max_tokens=10, system="Top", session_id="s1")
    assert [m.role for m in request.messages] == ["system", "system", "user", "assistant", "user"]
    assert request.messages[2].content == "Hello" and request.prompt_text == "Again"
    assert request.max_output_tokens == 10 and request.metadata == {"session": "s1"}
    with pytest.raises(ValueError, match="role 'tool'"):
        to_request([{"role": "tool", "content": "x"}])
    with pytest.raises(ValueError, match="image_url"):
        to_request([{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}])
    with pytest.raises(ValueError, match="user message"):
        to_request([{"role": "system", "content": "x"}])
    with pytest.raises(ValueError, match="max_tokens"):
        to_request("hi", max_tokens=0)


def test_import_playground_is_light_and_the_library_has_no_textual() -> None:
    code = ("import sys, playground\n"
            "assert 'playground.library' not in sys.modules and 'playground.engine' not in sys.modules\n"
            "from playground import Router\n"
            "import playground.library\n"
            "print(','.join(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_loop_that_ends_closes_its_connections(policy_file: Path) -> None:
    with Router.from_file(policy_file) as router:
        async def once() -> Engine:
            await router.complete("hi", max_tokens=10)
            return await router._engine()

        engine = asyncio.run(once())
        assert engine.pool._http is None  # closed inside its loop, before asyncio.run closed the loop
        assert router.complete_sync("hi", max_tokens=10).text  # a later loop gets its own engine
