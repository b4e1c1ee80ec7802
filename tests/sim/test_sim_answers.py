"""Simulated answers: deterministic, sized to the request, and weaker on hard
prompts for small models than for flagships."""

from __future__ import annotations

import subprocess
import sys

import pytest

from playground.core.catalog import default_catalog
from playground.sim.content.answers import SimAnswer, answer_for, compose_answer, hedge_probability
from playground.sim.content.prompt import analyze_prompt, prompt_difficulty
from tests.helpers.data import EASY_PROMPTS, HARD_PROMPTS

CATALOG = default_catalog()
FLAGSHIP = CATALOG.get("claude-opus-4-5")
SMALL = CATALOG.get("gpt-4o-mini")
TINY = CATALOG.get("ollama-llama3-2")

HEDGE_MARKERS = ("not entirely sure", "might be wrong", "not completely certain", "rough guess", "Probably")


def hedge_rate(model_id: str, prompts: list[str]) -> float:
    model = CATALOG.get(model_id)
    return sum(answer_for(model, p).hedged for p in prompts) / len(prompts)


def words(answer: SimAnswer) -> int:
    return len(answer.text.split())


def test_same_model_and_prompt_always_give_the_same_answer() -> None:
    prompt = "Explain how a B-tree index speeds up database queries."
    assert answer_for(SMALL, prompt) == answer_for(SMALL, prompt)


def test_answers_are_stable_across_processes() -> None:
    """Seeds come from hashlib, not `hash()`, which varies per process."""
    prompt = "Compare CUBIC and BBR congestion control."
    code = (
        "from playground.sim.content.answers import compose_answer;"
        f"print(compose_answer('gpt-4o', 0.78, {prompt!r}).text, end='')"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "12345", "PATH": ""})
    assert other.stdout == compose_answer("gpt-4o", 0.78, prompt).text


def test_different_models_give_different_answers() -> None:
    prompt = "Explain how a B-tree index speeds up database queries."
    texts = {answer_for(m, prompt).text for m in CATALOG.models.values()}
    assert len(texts) == len(CATALOG.models)


def test_answers_echo_the_prompt_topic() -> None:
    answer = answer_for(FLAGSHIP, "Explain in detail how Raft handles leader election and log replication.")
    assert "Raft" in answer.text
    assert "leader election" in answer.text.lower() or "log replication" in answer.text.lower()


def test_difficulty_separates_hard_from_easy_prompts() -> None:
    assert min(map(prompt_difficulty, HARD_PROMPTS)) >= 0.6
    assert max(map(prompt_difficulty, EASY_PROMPTS)) <= 0.15
    assert all(0.0 <= prompt_difficulty(p) <= 1.0 for p in HARD_PROMPTS + EASY_PROMPTS)


def test_small_models_hedge_hard_prompts_far_more_often_than_flagships() -> None:
    flagship, small, tiny = (hedge_rate(m.id, HARD_PROMPTS) for m in (FLAGSHIP, SMALL, TINY))
    assert flagship <= 0.1
    assert small >= 0.35 and small - flagship >= 0.3
    assert tiny >= 0.8


def test_hedge_rate_falls_as_quality_rises() -> None:
    by_quality = sorted(CATALOG.models.values(), key=lambda m: m.sim.quality)
    lowest, highest = by_quality[0], by_quality[-1]
    assert hedge_rate(lowest.id, HARD_PROMPTS) > hedge_rate(highest.id, HARD_PROMPTS)
    assert hedge_probability(0.8, 0.4) > hedge_probability(0.8, 0.7) > hedge_probability(0.8, 0.97)


def test_easy_prompts_rarely_hedge_even_on_small_models() -> None:
    for model in (TINY, SMALL, FLAGSHIP):
        assert hedge_rate(model.id, EASY_PROMPTS) <= 0.05


def test_hedged_answers_read_as_hedged() -> None:
    hedged = [a for a in (answer_for(TINY, p) for p in HARD_PROMPTS) if a.hedged]
    assert hedged
    assert all(any(marker in a.text for marker in HEDGE_MARKERS) for a in hedged)
    confident = [a for a in (answer_for(FLAGSHIP, p) for p in HARD_PROMPTS) if not a.hedged]
    assert not any(any(marker in a.text for marker in HEDGE_MARKERS[:4]) for a in confident)


@pytest.mark.parametrize(
    ("prompt", "low", "high"),
    [
        ("In one word, what color is the sky on Mars?", 1, 2),
        ("Is Python dynamically typed? Answer yes or no.", 2, 30),
        ("What is the capital of France?", 3, 45),
        ("Explain how a B-tree index speeds up database queries.", 90, 320),
        ("Explain in detail how the Raft consensus algorithm handles leader election and log replication.", 350, 1000),
    ],
)
def test_length_follows_what_the_prompt_asks_for(prompt: str, low: int, high: int) -> None:
    answer = answer_for(FLAGSHIP, prompt)
    assert not answer.hedged
    assert low <= words(answer) <= high


def test_yes_no_question_gets_a_yes_or_no() -> None:
    answer = answer_for(FLAGSHIP, "Is Python dynamically typed? Answer yes or no.")
    assert answer.text.startswith(("Yes", "No"))


def test_weak_answers_are_shallower() -> None:
    pairs = [(answer_for(FLAGSHIP, p), answer_for(TINY, p)) for p in HARD_PROMPTS]
    strong = [words(a) for a, _ in pairs if not a.hedged]
    weak = [words(b) for _, b in pairs if b.hedged]
    assert sum(weak) / len(weak) < 0.7 * sum(strong) / len(strong)


@pytest.mark.parametrize(
    ("prompt", "fence"),
    [
        ("Write a Python function that reverses a linked list.", "```python"),
        ("Implement a debounce helper in TypeScript.", "```typescript"),
        ("Write a SQL query that lists the newest orders per customer.", "```sql"),
        ("Write a bash script that rotates log files.", "```bash"),
    ],
)
def test_code_requests_get_a_code_block_in_the_language_asked(prompt: str, fence: str) -> None:
    assert analyze_prompt(prompt).wants_code
    answer = answer_for(FLAGSHIP, prompt)
    assert fence in answer.text and answer.text.count("```") % 2 == 0


def test_a_strong_answer_covers_every_part_and_a_weak_one_misses_some() -> None:
    prompt = ("1. What is TCP slow start?\n2. How does congestion avoidance work?\n"
              "3. Compare CUBIC and BBR.\n4. Prove that AIMD converges to fairness.")
    strong = answer_for(FLAGSHIP, prompt)
    assert not strong.hedged
    assert all(f"### {i}." in strong.text for i in range(1, 5))
    weak = next(a for m in CATALOG.models.values() if (a := answer_for(m, prompt)).hedged)
    assert "### " not in weak.text and "BBR" not in weak.text


@pytest.mark.parametrize(
    "prompt",
    [
        "Summarize this document. " + "The broker stores log segments on disk and serves consumers. " * 4000,
        "1. item\n" * 20_000,
        "?" * 100_000,
        " " * 100_000,
    ],
)
def test_huge_prompts_get_bounded_answers(prompt: str) -> None:
    """How fast is `bench/bench_sim_content.py`'s job (timed tests fail on a busy machine)."""
    answer = compose_answer("gpt-4o", 0.78, prompt)
    assert 0 < len(answer.text.split()) < 2000
