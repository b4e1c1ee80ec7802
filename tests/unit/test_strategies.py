"""Strategies are pure: crafted prompts in, decisions and traces out."""

from __future__ import annotations

import json

import pytest

from playground.core.catalog import default_catalog
from playground.core.errors import UserError
from playground.core.messages import ChatRequest
from playground.core.tokens import TokenCounter
from playground.strategies.base import NoModelFits, RouteInput, RoutingContext
from playground.strategies.complexity import DEFAULT_HIGH, DEFAULT_LOW, complexity_quantile, complexity_score
from playground.strategies.quantile_scale import reference_scale
from playground.strategies.registry import DEFAULT_STRATEGIES, STRATEGIES, make_strategy, parse_param_overrides

CATALOG = default_catalog()
ALL = RoutingContext.for_all(CATALOG)
COUNTER = TokenCounter()

EASY = "hi, what's the capital of France?"
HARD = (
    "Design a distributed rate limiter. Prove its invariant holds under concurrency, analyze the algorithm's "
    "complexity step by step, compare the trade-offs against a token bucket, and justify every design choice.\n"
    "1. It must handle at least 1e6 requests per second.\n2. It must work without a central lock.\n"
    "3. Explain the failure modes?\n4. Give pseudo-code?"
)


def route(prompt: str, max_tokens: int = 1024) -> RouteInput:
    return RouteInput.measure(ChatRequest.from_prompt(prompt, max_output_tokens=max_tokens), COUNTER)


def decide(name: str, prompt: str, ctx: RoutingContext = ALL, **values: object):
    return make_strategy(name, CATALOG, values).decide(route(prompt), ctx)


def only(*model_ids: str) -> RoutingContext:
    return RoutingContext(CATALOG, tuple(CATALOG.get(m) for m in model_ids), "not configured")


# --- declarations ------------------------------------------------------------

@pytest.mark.parametrize("name", list(STRATEGIES))
def test_every_strategy_declares_its_parameters(name: str) -> None:
    described = STRATEGIES[name].describe()
    assert described["summary"]
    assert described["params"], name
    for param in described["params"]:
        assert param["help"] and param["type"] and "default" in param
        if param["type"] in ("int", "float"):
            assert param["min"] is not None and param["max"] is not None
    json.dumps(described)  # serialisable for `playground strategies --json`


def test_defaults_are_the_four_named_in_the_issue() -> None:
    assert DEFAULT_STRATEGIES == ("fixed", "complexity", "task", "cost")


def test_unknown_strategy_and_parameter_errors_are_specific() -> None:
    with pytest.raises(UserError, match="unknown strategy 'smart'; choose from: fixed, complexity, task, cost"):
        make_strategy("smart", CATALOG)
    with pytest.raises(UserError, match="complexity: unknown parameter 'treshold'; parameters: low_threshold"):
        make_strategy("complexity", CATALOG, {"treshold": 0.3})
    with pytest.raises(UserError, match=r"complexity.high_threshold: 1.5 is out of range; allowed 0.0..1.0"):
        make_strategy("complexity", CATALOG, {"high_threshold": "1.5"})
    with pytest.raises(UserError, match="complexity.low_threshold: 'abc' is not a valid float"):
        make_strategy("complexity", CATALOG, {"low_threshold": "abc"})
    with pytest.raises(UserError, match="fixed.model: unknown model 'gpt-99'"):
        make_strategy("fixed", CATALOG, {"model": "gpt-99"})
    with pytest.raises(UserError, match="cost.allow_local: 'maybe' is not a valid bool"):
        make_strategy("cost", CATALOG, {"allow_local": "maybe"})


def test_param_overrides_parse_and_reject_bad_syntax() -> None:
    assert parse_param_overrides(["complexity.high_threshold=0.6", "fixed.model=gpt-4o"]) == {
        "complexity": {"high_threshold": "0.6"},
        "fixed": {"model": "gpt-4o"},
    }
    with pytest.raises(UserError, match="expected STRATEGY.KEY=VALUE"):
        parse_param_overrides(["high_threshold=0.6"])
    with pytest.raises(UserError, match="unknown strategy 'nope'"):
        parse_param_overrides(["nope.x=1"])


# --- fixed ---------------------------------------------------------------------

def test_fixed_defaults_to_the_flagship_for_every_prompt() -> None:
    for prompt in (EASY, HARD):
        assert decide("fixed", prompt).model == CATALOG.flagship


def test_fixed_respects_its_model_parameter() -> None:
    decision = decide("fixed", EASY, model="gpt-4o-mini")
    assert decision.model == "gpt-4o-mini"
    assert decision.reason == "always gpt-4o-mini"


def test_fixed_substitutes_visibly_when_its_model_is_unavailable() -> None:
    decision = decide("fixed", EASY, only("gpt-5-4", "gpt-5-mini"), model="claude-opus-4-5")
    assert decision.model == "gpt-5-4"  # same tier
    assert "claude-opus-4-5 is not configured" in decision.reason
    assert "substituted gpt-5-4" in decision.reason


# --- complexity ---------------------------------------------------------------

def test_complexity_scores_order_prompts_sensibly() -> None:
    easy = complexity_score(EASY, route(EASY).input_tokens)
    hard = complexity_score(HARD, route(HARD).input_tokens)
    assert 0 <= easy < 0.15
    assert hard > 0.6
    assert hard <= 1.0


def test_complexity_routes_tiers_by_thresholds() -> None:
    assert decide("complexity", EASY).model == "gpt-5-mini"
    assert decide("complexity", HARD).model == CATALOG.flagship
    middle = "Explain why quicksort is usually faster than mergesort and compare their trade-offs."
    score = complexity_quantile(middle, route(middle).input_tokens)  # thresholds are on the quantile scale
    assert 0.5 < score < 1.0
    decision = decide("complexity", middle, low_threshold=score - 0.01, high_threshold=score + 0.01)
    assert decision.model == "claude-sonnet-4-5"
    assert decision.details["tier"] == "mid"
    # Moving the high threshold below the score moves the prompt to the large tier.
    assert decide("complexity", middle, low_threshold=0.0, high_threshold=score - 0.001).model == CATALOG.flagship


def test_complexity_trace_is_complete() -> None:
    decision = decide("complexity", HARD)
    details = decision.details
    assert set(details["features"]) == {"length", "reasoning", "code", "multi_part", "constraints", "math"}
    total = sum(f["contribution"] for f in details["features"].values())
    assert details["raw_score"] == pytest.approx(min(1.0, total), abs=1e-3)
    # The routed score is the raw score's quantile among the reference prompts: HARD is beyond all of them.
    assert details["score"] == reference_scale().quantile(details["raw_score"]) == 1.0
    assert details["thresholds"] == {"low": DEFAULT_LOW, "high": DEFAULT_HIGH} == {"low": 0.8, "high": 0.9}
    assert "quantile of the reference prompts" in decision.reason
    assert "large tier" in decision.reason and "reasoning" in decision.reason
    assert [c.accepted for c in decision.candidates] == [False, False, True]


def test_complexity_rejects_crossed_thresholds() -> None:
    with pytest.raises(UserError, match=r"low_threshold \(0.8\) must not exceed high_threshold \(0.5\)"):
        make_strategy("complexity", CATALOG, {"low_threshold": 0.8, "high_threshold": 0.5})


def test_complexity_threshold_given_alone_moves_the_other_default() -> None:
    alone = make_strategy("complexity", CATALOG, {"high_threshold": 0.5})
    assert (alone.p.low_threshold, alone.p.high_threshold) == (0.5, 0.5)  # no mid tier, no error
    assert alone.p.model_fields_set == {"high_threshold"}  # the moved value is still a default
    low = make_strategy("complexity", CATALOG, {"low_threshold": 0.95})
    assert (low.p.low_threshold, low.p.high_threshold) == (0.95, 0.95)
    kept = make_strategy("complexity", CATALOG, {"high_threshold": 0.95})
    assert (kept.p.low_threshold, kept.p.high_threshold) == (DEFAULT_LOW, 0.95)


def test_complexity_defaults_are_the_thresholds_chosen_on_the_example_data() -> None:
    """tests/eval/test_quantile_scale.py checks the choice is reproducible and uses every tier."""
    recommended = reference_scale().info["recommended_thresholds"]
    assert (recommended["low_threshold"], recommended["high_threshold"]) == (DEFAULT_LOW, DEFAULT_HIGH)


# --- task ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("prompt", "task", "model"),
    [
        ("Fix this Python function, it raises a KeyError", "code", "claude-sonnet-4-5"),
        ("Solve the equation 3x + 4 = 19", "math", "gpt-5-1"),
        ("Write a haiku about the sea", "creative", "gpt-4o"),
        ("Summarize this article in three key points", "summarize", "claude-haiku-4-5"),
        ("Translate 'good morning' into Japanese", "translate", "gpt-5-mini"),
        ("How are you today?", "general", "gpt-5-mini"),
    ],
)
def test_task_default_rules(prompt: str, task: str, model: str) -> None:
    decision = decide("task", prompt)
    assert decision.details["task"] == task
    assert decision.model == model


def test_task_first_matching_rule_wins_and_trace_shows_every_rule() -> None:
    decision = decide("task", "Write a poem in Python code")  # code rule precedes creative
    assert decision.details["task"] == "code"
    notes = [c.note for c in decision.candidates]
    assert notes[0].startswith("code: matched")
    assert all("not checked" in n for n in notes[1:])


def test_task_custom_rules_from_json_text() -> None:
    rules = json.dumps([{"task": "legal", "pattern": r"\bcontract\b", "model": "claude-opus-4-5"}])
    decision = decide("task", "Review this contract clause", rules=rules, default_model="gpt-5-nano")
    assert (decision.details["task"], decision.model) == ("legal", "claude-opus-4-5")
    assert decide("task", "Write a haiku", rules=rules, default_model="gpt-5-nano").model == "gpt-5-nano"


def test_task_case_sensitivity_parameter() -> None:
    rules = [{"task": "shout", "pattern": "URGENT", "model": "gpt-4o"}]
    assert decide("task", "urgent please", rules=rules).details["task"] == "shout"
    assert decide("task", "urgent please", rules=rules, case_sensitive=True).details["task"] == "general"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ('[{"task": "x", "pattern": "(", "model": "gpt-4o"}]', r"task.rules\[1\] \(x\): invalid regular expression"),
        ('[{"task": "x", "pattern": "a", "model": "nope"}]', r"task.rules\[1\] \(x\): unknown model 'nope'"),
        ('[{"task": "x"}]', r"task.rules\[1\]: needs the keys task, pattern and model"),
        ("[oops", "task.rules: not valid JSON"),
        ('{"a": 1}', "task.rules: expected a list"),
    ],
)
def test_task_invalid_rules_are_named(rules: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        make_strategy("task", CATALOG, {"rules": rules})


# --- cost ---------------------------------------------------------------------

def test_cost_picks_the_cheapest_model_meeting_the_quality_bar() -> None:
    decision = decide("cost", EASY)
    assert decision.model == "gpt-5-nano"
    chosen = [c for c in decision.candidates if c.accepted]
    assert [c.model for c in chosen] == ["gpt-5-nano"]
    # Cheaper models are in the trace with the reason they were ruled out.
    notes = {c.model: c.note for c in decision.candidates}
    assert notes["ollama-llama3-2"].startswith("quality")
    assert notes["groq-llama-3-1-8b"].startswith("quality")


def test_cost_quality_bar_and_local_switch() -> None:
    assert decide("cost", EASY, min_quality=0).model in {"ollama-llama3-2", "ollama-qwen2-5-coder"}
    assert decide("cost", EASY, min_quality=0, allow_local=False).model == "groq-llama-3-1-8b"
    assert decide("cost", EASY, min_quality=9.5).model == "claude-opus-4-5"


def test_cost_budget_excludes_dear_models_and_says_so() -> None:
    prompt = "word " * 20_000  # ~20k tokens
    decision = decide("cost", prompt, min_quality=9.5, budget_usd=5)
    assert decision.model == "claude-opus-4-5"
    with pytest.raises(UserError, match=r"cost: no available model meets quality ≥ 9.5 within a budget of \$0.0100"):
        decide("cost", prompt, min_quality=9.5, budget_usd=0.01)


def test_context_window_is_respected_everywhere() -> None:
    prompt = "word " * 150_000  # beyond 128k/131k/200k-window models once output is added
    r = route(prompt, max_tokens=60_000)
    assert r.needed_tokens > 200_000
    for name in DEFAULT_STRATEGIES:
        decision = make_strategy(name, CATALOG).decide(r, ALL)
        assert CATALOG.get(decision.model).context_window >= r.needed_tokens, name
    fixed = make_strategy("fixed", CATALOG).decide(r, ALL)
    assert "cannot hold" in fixed.reason


def test_request_larger_than_every_window_is_a_clear_error() -> None:
    r = route("word " * 1000, max_tokens=100)
    tiny = RoutingContext(CATALOG, (CATALOG.get("ollama-qwen2-5-coder"),))
    big = RouteInput(r.request, 40_000, r.token_method)
    for name in DEFAULT_STRATEGIES:
        with pytest.raises(NoModelFits, match=r"needs 40,100 tokens .* more than any available model's context window; "
                                              r"the largest is ollama-qwen2-5-coder with 32,768"):
            make_strategy(name, CATALOG).decide(big, tiny)


def test_flagship_alias_works_in_lists_of_models_too() -> None:
    from playground.core.catalog import default_catalog
    from playground.strategies.registry import make_strategy

    catalog = default_catalog()
    cascade = make_strategy("cascade", catalog, {"tiers": "gpt-4o-mini,@flagship"})
    assert cascade.values["tiers"] == ["gpt-4o-mini", catalog.flagship]
    ensemble = make_strategy("ensemble", catalog, {"members": ["gpt-4o", "@flagship"]})
    assert catalog.flagship in ensemble.values["members"]
