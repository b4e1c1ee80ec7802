"""capability, threshold and abtest: decisions on crafted prompts, parameters
respected, traces complete, invalid parameters refused."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from playground.core.catalog import default_catalog
from playground.core.errors import UserError
from playground.core.messages import ChatRequest
from playground.core.tokens import TokenCounter
from playground.engine.health import HealthBoard
from playground.strategies.ab_test import bucket
from playground.strategies.base import RouteInput, RoutingContext
from playground.strategies.capability import CapabilityStrategy
from playground.strategies.registry import make_strategy
from playground.strategies.threshold import strong_win_probability

CATALOG = default_catalog()
ALL = RoutingContext.for_all(CATALOG)
COUNTER = TokenCounter()
EASY = "hi, what's the capital of France?"
HARD = ("Design a distributed rate limiter. Prove its invariant holds under concurrency, analyze the algorithm's "
        "complexity step by step, compare the trade-offs, and justify every design choice.\n1. It must scale.\n2. Why?")


def capability(values: dict | None = None) -> CapabilityStrategy:
    strategy = make_strategy("capability", CATALOG, values)
    assert isinstance(strategy, CapabilityStrategy)
    return strategy


def route(prompt: str, **metadata: str) -> RouteInput:
    return RouteInput.measure(ChatRequest(ChatRequest.from_prompt(prompt).messages, metadata=metadata), COUNTER)


# --- capability -------------------------------------------------------------------

def test_capability_trades_quality_against_cost() -> None:
    value = make_strategy("capability", CATALOG).decide(route(EASY), ALL)
    assert value.model == "deepseek-chat"
    quality_only = make_strategy("capability", CATALOG, {"cost_efficiency": 0}).decide(route(EASY), ALL)
    assert quality_only.model == "claude-opus-4-5"
    assert {c.model for c in value.candidates} == set(CATALOG.models)  # every model appears in the trace


def test_capability_auto_weights_follow_the_prompt() -> None:
    weights = capability().weights_for(route("Debug this Python function"))
    assert weights["coding"] == 3.0 and weights["creative"] == 1.0
    assert capability({"auto_weights": False}).weights_for(route("Debug this Python function"))["coding"] == 1.0


def test_capability_hard_constraints_filter_with_reasons() -> None:
    decision = make_strategy("capability", CATALOG, {"min_scores": "coding=9", "max_cost_per_1k": 0.005}).decide(
        route(EASY), ALL
    )
    assert decision.model == "gpt-5-1"  # coding 9, $3.4/M blended
    notes = {c.model: c.note for c in decision.candidates}
    assert notes["claude-opus-4-5"] == "$0.0100/1k > $0.005/1k"
    assert notes["gpt-5-mini"] == "coding 7.5 < 9"
    fast = make_strategy("capability", CATALOG, {"max_ttft_ms": 300, "cost_efficiency": 0}).decide(route(EASY), ALL)
    assert CATALOG.get(fast.model).sim.ttft_ms <= 300
    assert "TTFT 900 ms (typical) > 300 ms" in {c.model: c.note for c in fast.candidates}["claude-opus-4-5"]


def test_capability_min_context_and_all_filtered_error() -> None:
    decision = make_strategy("capability", CATALOG, {"min_context": 500_000}).decide(route(EASY), ALL)
    assert CATALOG.get(decision.model).context_window >= 500_000
    with pytest.raises(UserError, match="every model was filtered out"):
        make_strategy("capability", CATALOG, {"max_cost_per_1k": 0.00001, "min_scores": "reasoning=5"}).decide(
            route(EASY), ALL
        )


@pytest.mark.parametrize("values", [{}, {"min_scores": "coding=8", "max_cost_per_1k": 0.005}, {"max_ttft_ms": 400}])
def test_capability_trace_is_ordered_and_agrees_with_score(values: dict) -> None:
    """decide() reuses rankings and candidates across requests; the trace must
    still read as if sorted afresh: passing models by score, then filtered ones."""
    strategy = capability(values)
    some = RoutingContext(CATALOG, tuple(m for m in CATALOG.models.values() if m.provider != "anthropic"), "no key")
    for prompt in (EASY, HARD, "Debug this Python function", "Write a haiku", EASY):
        for ctx in (ALL, some):
            r = route(prompt)
            decision = strategy.decide(r, ctx)
            weights = strategy.weights_for(r)
            passing = [c for c in decision.candidates if c.note in ("best score", "outscored")]
            filtered = [c for c in decision.candidates if c.note not in ("best score", "outscored")]
            assert list(decision.candidates) == passing + filtered
            assert [c.accepted for c in decision.candidates].count(True) == 1 and passing[0].accepted
            assert passing[0].model == decision.model and decision.fallbacks == tuple(c.model for c in passing[1:3])
            assert all(c.score is not None for c in decision.candidates)
            for group in (passing, filtered):
                assert group == sorted(group, key=lambda c: (-(c.score or 0.0), c.model))
            for c in decision.candidates:
                assert c.score == pytest.approx(strategy.score(CATALOG.get(c.model), weights))
            assert f"({len(filtered)} filtered)" in decision.reason
            assert decision == make_strategy("capability", CATALOG, values).decide(r, ctx)  # a fresh instance agrees


def test_capability_reads_measured_ttft_on_every_decision() -> None:
    strategy = make_strategy("capability", CATALOG, {"max_ttft_ms": 1000})
    slow = HealthBoard()
    slow.force("deepseek-chat").finish(None, 1.0, 5000.0)
    before = strategy.decide(route(EASY), RoutingContext.for_all(CATALOG))
    after = strategy.decide(route(EASY), RoutingContext(CATALOG, tuple(CATALOG.models.values()), health=slow))
    assert before.model == "deepseek-chat" and after.model != "deepseek-chat"
    assert {c.model: c.note for c in after.candidates}["deepseek-chat"] == "TTFT 5000 ms (measured) > 1000 ms"


@pytest.mark.parametrize(("values", "message"), [
    ({"weights": "reasoning=0"}, "at least one weight must be positive"),
    ({"weights": "charm=1"}, "unknown capability charm"),
    ({"min_scores": "coding=11"}, r"coding=11 is outside 0..10"),
    ({"cost_efficiency": 2}, "out of range"),
])
def test_capability_invalid_params(values: dict, message: str) -> None:
    with pytest.raises(UserError, match=message):
        make_strategy("capability", CATALOG, values)


# --- threshold --------------------------------------------------------------------

def test_threshold_routes_by_win_probability() -> None:
    strategy = make_strategy("threshold", CATALOG)
    easy, hard = strategy.decide(route(EASY), ALL), strategy.decide(route(HARD), ALL)
    assert (easy.model, hard.model) == ("gpt-5-mini", "claude-opus-4-5")
    p_hard = hard.details["win_probability"]
    assert p_hard > 0.8 and easy.details["win_probability"] < 0.2
    assert f"P(strong wins) {p_hard:.2f} ≥ threshold 0.5" in hard.reason


def test_threshold_moves_the_boundary() -> None:
    p = strong_win_probability(EASY, route(EASY).input_tokens)
    assert (
        make_strategy("threshold", CATALOG, {"threshold": p}).decide(route(EASY), ALL).details["routed_to"] == "strong"
    )
    assert (
        make_strategy("threshold", CATALOG, {"threshold": p + 1e-6}).decide(route(EASY), ALL).details["routed_to"]
        == "weak"
    )
    custom = make_strategy("threshold", CATALOG, {"threshold": 0, "strong_model": "gpt-4o"}).decide(route(EASY), ALL)
    assert custom.model == "gpt-4o"


def test_threshold_probability_is_monotonic_in_complexity() -> None:
    prompts = [
        EASY,
        "Explain why the sky is blue.",
        "Compare and analyze the trade-offs of two sorting algorithms step by step.",
        HARD,
    ]
    probabilities = [strong_win_probability(p, route(p).input_tokens) for p in prompts]
    assert probabilities == sorted(probabilities)


def _model_file(path: Path, strong: str = "claude-opus-4-5", weak: str = "gpt-5-nano",
                threshold: float | None = 0.3) -> str:
    """A win-rate model whose weights favour the strong model for long prompts (the log-length feature)."""
    import numpy as np

    from playground.strategies.winrate import DEFAULT_BUCKETS, DENSE_NAMES, WinRateModel

    weights = np.zeros(DEFAULT_BUCKETS + len(DENSE_NAMES))
    weights[DEFAULT_BUCKETS] = 12.0  # log1p(tokens) / 8
    path.write_text(WinRateModel(weights, -6.0, strong, weak, threshold=threshold).to_json(), encoding="utf-8")
    return str(path)


def test_threshold_names_the_heuristic_in_its_trace() -> None:
    decision = make_strategy("threshold", CATALOG).decide(route(EASY), ALL)
    assert decision.reason.startswith("heuristic P(strong wins)")
    assert decision.details["win_model"].startswith("heuristic")


def test_threshold_with_a_model_file_uses_its_probabilities_threshold_and_pair(tmp_path: Path) -> None:
    path = _model_file(tmp_path / "m.json")
    strategy = make_strategy("threshold", CATALOG, {"model": path})
    easy, hard = strategy.decide(route(EASY), ALL), strategy.decide(route(HARD), ALL)
    assert (easy.model, hard.model) == ("gpt-5-nano", "claude-opus-4-5")  # the file's pair
    assert easy.details["threshold"] == 0.3 and easy.details["win_model"] == f"trained model {path}"
    assert hard.reason.startswith("trained P(strong wins)")
    assert easy.details["win_probability"] < 0.3 <= hard.details["win_probability"]
    # What the user gives wins over the file's defaults.
    given = make_strategy("threshold", CATALOG, {"model": path, "threshold": 0.0, "weak_model": "gpt-5-mini"})
    assert given.decide(route(EASY), ALL).model == "claude-opus-4-5" and given.p.weak_model == "gpt-5-mini"
    # A file without a calibrated threshold falls back to the parameter's default.
    bare = make_strategy("threshold", CATALOG, {"model": _model_file(tmp_path / "b.json", threshold=None)})
    assert bare.p.threshold == 0.5


def test_threshold_model_file_problems_are_one_line_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{bad}: not a win-rate model file \(not JSON"):
        make_strategy("threshold", CATALOG, {"model": str(bad)})
    with pytest.raises(UserError, match="cannot read the win-rate model"):
        make_strategy("threshold", CATALOG, {"model": str(tmp_path / "missing.json")})
    foreign = _model_file(tmp_path / "f.json", strong="house-model")
    with pytest.raises(UserError, match="trained for house-model, which the catalog lacks; set threshold.strong_model"):
        make_strategy("threshold", CATALOG, {"model": foreign})
    assert make_strategy("threshold", CATALOG, {"model": foreign, "strong_model": "gpt-4o"}).p.strong_model == "gpt-4o"


# --- abtest -----------------------------------------------------------------------

def test_abtest_is_sticky_per_user() -> None:
    strategy = make_strategy("abtest", CATALOG)
    first = {f"user-{i}": strategy.decide(route(EASY, user=f"user-{i}"), ALL).model for i in range(50)}
    again = {f"user-{i}": strategy.decide(route(HARD, user=f"user-{i}"), ALL).model for i in range(50)}
    assert first == again  # prompt does not matter, the user does
    assert set(first.values()) == {"gpt-5-1", "claude-sonnet-4-5"}


def test_abtest_split_follows_weights_and_tallies() -> None:
    strategy = make_strategy("abtest", CATALOG, {"variants": "gpt-5-1=90,claude-sonnet-4-5=10"})
    picks = Counter(strategy.decide(route(EASY, user=f"u{i}"), ALL).model for i in range(3000))
    assert 0.87 < picks["gpt-5-1"] / 3000 < 0.93
    last = strategy.decide(route(EASY, user="u1"), ALL)
    assert sum(last.details["tallies"].values()) == 3001


def test_abtest_experiment_name_reshuffles_and_session_key_works() -> None:
    assert bucket("alice", "exp-1") != bucket("alice", "exp-2")
    strategy = make_strategy("abtest", CATALOG, {"sticky": "session"})
    decision = strategy.decide(route(EASY, session="s-42"), ALL)
    assert "session 's-42' hashes to" in decision.reason
    no_id = strategy.decide(route(EASY), ALL)
    assert "no session id: random draw" in no_id.reason


def test_abtest_invalid_variants() -> None:
    with pytest.raises(UserError, match="needs at least one model with a positive weight"):
        make_strategy("abtest", CATALOG, {"variants": "gpt-4o=0"})
    with pytest.raises(UserError, match="abtest.variants: unknown model"):
        make_strategy("abtest", CATALOG, {"variants": "gpt-9=1"})
