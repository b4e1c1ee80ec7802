"""What issue #9 found wrong in the heuristics' decisions and traces."""

from __future__ import annotations

import math

import pytest

from playground.core.catalog import default_catalog
from playground.core.messages import ChatRequest
from playground.core.pricing import blended_price_per_mtok
from playground.core.tokens import TokenCounter
from playground.eval.prompts import BUILTIN_PROMPTS
from playground.strategies import threshold as threshold_module
from playground.strategies.base import RouteInput, RoutingContext
from playground.strategies.complexity import complexity_score
from playground.strategies.registry import make_strategy
from playground.strategies.task import DEFAULT_RULES
from tests.helpers.data import EASY_PROMPTS, HARD_PROMPTS

CATALOG = default_catalog()
ALL = RoutingContext.for_all(CATALOG)
COUNTER = TokenCounter()

# Shaped like the public math and knowledge benchmark questions the issue replayed.
DANCE_CLASS = ("A dance class has 20 students. 20% enrolled in contemporary dance, 25% of the remaining enrolled in "
               "jazz dance, and the rest enrolled in hip-hop dance. What percentage of the entire students enrolled in "
               "hip-hop dance?")
DANCE_CLASS_2 = "In a dance class of 30 students, 12 are boys. How many girls are in the class?"
ETHICS = ("For which of these two scenarios does the main character (who uses I/me/my) do something clearly morally "
          "wrong, according to ordinary moral standards in the US as of 2020? Scenario 1 | I took his wallet after he "
          "harassed me at the bar. Scenario 2 | I returned the book I borrowed.")


def route(prompt: str) -> RouteInput:
    return RouteInput.measure(ChatRequest.from_prompt(prompt), COUNTER)


def task_of(prompt: str) -> str:
    return make_strategy("task", CATALOG).decide(route(prompt), ALL).details["task"]


# --- task ----------------------------------------------------------------------------

def test_word_problems_about_a_dance_class_are_not_code() -> None:
    assert task_of(DANCE_CLASS) == "math"
    assert task_of(DANCE_CLASS_2) != "code"


def test_the_main_character_of_an_ethics_question_is_not_creative_writing() -> None:
    assert task_of(ETHICS) == "general"


@pytest.mark.parametrize(("prompt", "task"), [
    ("Summarize this report in 2-3 sentences.", "summarize"),  # a range is not arithmetic
    ("What is the capital of Peru?", "general"),  # "api" inside "capital"
    ("Is this trusty old car worth fixing?", "general"),  # "rust" inside "trusty"
    ("Write a class Cache: with get and set methods in Python", "code"),
    ("class Mailer(Base):\n    pass\nWhat does this do?", "code"),
    ("Fix these bugs in my script", "code"),
    ("Write a short story whose character arc spans a year", "creative"),
    ("What is 15 - 4?", "math"),
])
def test_default_rules_match_whole_words(prompt: str, task: str) -> None:
    assert task_of(prompt) == task


def test_the_rule_that_matched_is_in_the_trace() -> None:
    decision = make_strategy("task", CATALOG).decide(route(DANCE_CLASS), ALL)
    rule = decision.trace()["details"]["rule"]
    assert rule == {"index": 2, "task": "math", "pattern": DEFAULT_RULES[1]["pattern"]}
    assert decision.details["matched"] == "20%" and "(matched '20%')" in decision.reason
    assert make_strategy("task", CATALOG).decide(route("How are you?"), ALL).details["rule"] is None


# --- threshold -------------------------------------------------------------------------

def _unrounded(prompt: str) -> float:
    score = complexity_score(prompt, route(prompt).input_tokens)
    return 1.0 / (1.0 + math.exp(-threshold_module._SLOPE * (score - threshold_module._MIDPOINT)))


def test_a_replay_from_the_trace_agrees_with_decide() -> None:
    """A threshold between the exact probability and the trace's 6 decimals
    used to route by the exact one, so the trace could not explain it."""
    checked = 0
    for prompt in [*BUILTIN_PROMPTS, *HARD_PROMPTS[:40], *EASY_PROMPTS[:40]]:
        shown = make_strategy("threshold", CATALOG).decide(route(prompt), ALL).trace()["details"]["win_probability"]
        exact = _unrounded(prompt)
        for limit in {shown, exact, (shown + exact) / 2}:
            decision = make_strategy("threshold", CATALOG, {"threshold": limit}).decide(route(prompt), ALL)
            assert decision.details["routed_to"] == ("strong" if shown >= limit else "weak"), (prompt, limit)
            assert decision.details["win_probability"] == shown
        checked += exact != shown
    assert checked > 50  # most probabilities have more than 6 decimals


# --- capability ---------------------------------------------------------------------------

def test_the_cost_limit_does_not_hinge_on_float_equality() -> None:
    """A model priced exactly at the limit passes, even when the blended price
    lands a hair above it in floating point (groq-llama-3-1-8b: 5.750000000000001e-05)."""
    price = blended_price_per_mtok(CATALOG.get("groq-llama-3-1-8b")) / 1000
    limit = float(f"{price:.10g}")
    assert price > limit  # the case: equal as written, not as computed
    decision = make_strategy("capability", CATALOG, {"max_cost_per_1k": limit}).decide(route("hi"), ALL)
    notes = {c.model: c.note for c in decision.candidates}
    assert not notes["groq-llama-3-1-8b"].startswith("$")
    assert notes["gpt-4o-mini"] == "$0.0003/1k > $5.75e-05/1k"  # a dearer model is still filtered
    assert decision.trace()["details"]["cost_limit"] == (
        "price ≤ 5.75e-05 USD per 1,000 tokens, blended 3 input : 1 output, within a relative tolerance of 1e-09")
    # The flagship, priced at the default limit of $0.01/1k, passes by the same rule.
    default = make_strategy("capability", CATALOG, {"cost_efficiency": 0}).decide(route("hi"), ALL)
    assert default.model == CATALOG.flagship
