"""The simulator follows instruction prompts the engine sends: a judge picks
the best answer or scores one, a router labels the request, and short
factual questions get short answers every model mostly agrees on; weaker
models slip more often, deterministically."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterator

import anthropic
import openai
import pytest

from playground.core.catalog import default_catalog
from playground.engine import checks
from playground.engine.plans import JUDGE_BEST_TEMPLATE, JUDGE_SCORE_TEMPLATE
from playground.sim.content.answers import SimAnswer, answer_for, compose_answer
from playground.sim.content.facts import answer_is_right, short_truth
from playground.sim.content.instructions import respond
from playground.sim.content.judging import HEDGE_PHRASES, assess
from playground.sim.content.labels import find_label_task
from playground.sim.content.logprobs import mean_logprob
from playground.sim.runner import SimServer
from playground.strategies.llm_router import DEFAULT_PROMPT
from tests.helpers.data import EASY_PROMPTS, HARD_PROMPTS

CATALOG = default_catalog()
FLAGSHIP = CATALOG.get("claude-opus-4-5")  # 0.97
STRONG = CATALOG.get("gpt-5-1")  # 0.9, the default best-of judge
MID = CATALOG.get("gpt-5-mini")  # 0.72
NANO = CATALOG.get("gpt-5-nano")  # 0.5, the default router
TINY = CATALOG.get("ollama-llama3-2")  # 0.35
DIFFICULTY = ("trivial", "moderate", "complex")


def ask(model_id: str, prompt: str) -> SimAnswer:
    return answer_for(CATALOG.get(model_id), prompt)


def first_int_in_range(text: str, low: int, high: int) -> int | None:
    return next((int(m) for m in re.findall(r"\d+", text) if low <= int(m) <= high), None)


def router_prompt(request: str, labels: tuple[str, ...] = DIFFICULTY, template: str = DEFAULT_PROMPT) -> str:
    return template.replace("{labels}", ", ".join(labels)).replace("{prompt}", request)


def named_labels(text: str, labels: tuple[str, ...]) -> list[str]:
    return [label for label in labels if re.search(rf"\b{re.escape(label)}\b", text, re.IGNORECASE)]


# --- judge: pick the best -------------------------------------------------------------------


def _judge_cases() -> list[tuple[str, str, str]]:
    """(request, hedged answer, solid answer) from the simulator's own models."""
    cases = []
    weak_models = [CATALOG.get(m) for m in ("ollama-llama3-2", "groq-llama-3-1-8b", "gpt-5-nano", "gpt-4o-mini")]
    for prompt in HARD_PROMPTS[:120]:
        weak = next((a for m in weak_models if (a := answer_for(m, prompt)).hedged), None)
        solid = answer_for(MID, prompt)
        if weak is not None and not solid.hedged:
            cases.append((prompt, weak.text, solid.text))
    return cases


JUDGE_CASES = _judge_cases()


def best_of_prompt(request: str, answers: list[str]) -> str:
    listing = "\n\n".join(f"Answer {i}:\n{a}" for i, a in enumerate(answers, start=1))
    return JUDGE_BEST_TEMPLATE.format(prompt=request, answers=listing)


def judge_accuracy(judge_id: str) -> float:
    right = 0
    for index, (request, hedged, solid) in enumerate(JUDGE_CASES):
        answers = [hedged, solid] if index % 2 == 0 else [solid, hedged]
        reply = ask(judge_id, best_of_prompt(request, answers)).text
        pick = first_int_in_range(reply, 1, 2)
        assert pick is not None, reply
        assert checks.parse_choice(reply, 2) == pick
        right += answers[pick - 1] is solid
    return right / len(JUDGE_CASES)


def test_judge_cases_are_many_and_really_differ() -> None:
    assert len(JUDGE_CASES) >= 80
    assert all(assess(r, s) - assess(r, h) >= 0.3 for r, h, s in JUDGE_CASES)


def test_a_strong_judge_picks_the_solid_answer_and_a_weak_one_less_often() -> None:
    flagship, strong, tiny = judge_accuracy(FLAGSHIP.id), judge_accuracy(STRONG.id), judge_accuracy(TINY.id)
    assert flagship >= 0.95 and strong >= 0.95
    assert tiny <= flagship - 0.15, (flagship, tiny)
    assert judge_accuracy(NANO.id) <= flagship - 0.1


def test_a_judge_replies_with_the_number_only() -> None:
    request, hedged, solid = JUDGE_CASES[0]
    prompt = best_of_prompt(request, [hedged, solid])
    for model in (FLAGSHIP, STRONG, MID):
        answer = answer_for(model, prompt)
        assert answer.text == "2" and answer.kind == "judge_best" and not answer.hedged
    assert answer_for(STRONG, prompt) == answer_for(STRONG, prompt)


def test_the_best_of_three_and_lettered_answers() -> None:
    request, hedged, solid = JUDGE_CASES[1]
    assert ask(FLAGSHIP.id, best_of_prompt(request, [hedged, hedged + " Maybe.", solid])).text == "3"
    lettered = (f"Compare the two responses.\n\nQuestion: {request}\n\nResponse A:\n{solid}\n\n"
                f"Response B:\n{hedged}\n\nWhich response is better? Answer with A or B only.")
    assert ask(FLAGSHIP.id, lettered).text == "A"
    verbose = (f"Here are two answers to this: {request}\n\nAnswer 1: {hedged}\n\nAnswer 2: {solid}\n\n"
               "Which one is best?")
    reply = ask(FLAGSHIP.id, verbose).text
    assert reply.startswith("Answer 2 is the best") and checks.parse_choice(reply, 2) == 2


def test_a_judge_prefers_the_right_short_answer() -> None:
    right = 0
    questions = [(a, b) for a in range(13, 40, 2) for b in (7, 12, 19)]
    for index, (a, b) in enumerate(questions):
        request = f"What is {a} * {b}?"
        answers = [f"{a * b}.", f"{a * b + 1}."] if index % 2 else [f"{a * b - 10}.", f"{a * b}."]
        pick = checks.parse_choice(ask(STRONG.id, best_of_prompt(request, answers)).text, 2)
        right += pick == (1 if index % 2 else 2)
    assert right / len(questions) >= 0.9


# --- judge: score ------------------------------------------------------------------------------


def scores(judge_id: str, which: int) -> list[int]:
    out = []
    for request, *answers in JUDGE_CASES:
        reply = ask(judge_id, JUDGE_SCORE_TEMPLATE.format(prompt=request, answer=answers[which])).text
        value = checks.parse_score(reply)
        assert value is not None and value == int(value) and 1 <= value <= 10, reply
        out.append(int(value))
    return out


def test_a_strong_judge_scores_solid_answers_well_above_hedged_ones() -> None:
    for judge in (FLAGSHIP, STRONG):
        hedged, solid = scores(judge.id, 0), scores(judge.id, 1)
        gap = statistics.mean(solid) - statistics.mean(hedged)
        assert gap >= 3, (judge.id, statistics.mean(solid), statistics.mean(hedged))
        assert 3 <= statistics.mean(hedged) <= 6 and 7 <= statistics.mean(solid) <= 9.5
    request, _, solid = JUDGE_CASES[0]
    assert re.fullmatch(r"\d{1,2}", ask(FLAGSHIP.id, JUDGE_SCORE_TEMPLATE.format(prompt=request, answer=solid)).text)


def test_weaker_judges_score_with_more_noise_and_less_separation() -> None:
    def spread(judge_id: str) -> float:
        return statistics.pstdev(scores(judge_id, 1))

    def separation(judge_id: str) -> float:
        return statistics.mean(scores(judge_id, 1)) - statistics.mean(scores(judge_id, 0))

    assert spread(TINY.id) > spread(MID.id) > spread(FLAGSHIP.id)
    assert separation(TINY.id) < separation(FLAGSHIP.id) - 1


@pytest.mark.parametrize(
    ("template", "low", "high"),
    [
        ("Grade this response out of 10. Just the number.\n\nPrompt: {p}\n\nResponse:\n{a}", 1, 10),
        ("On a scale from 0 to 5, rate the answer.\n\nRequest: {p}\nAnswer: {a}\n\nOutput only the score.", 0, 5),
        ("Score the reply from 1 to 100 for helpfulness. Reply with a number only.\n\nQuestion:\n{p}\n\nReply:\n{a}",
         1, 100),
    ],
)
def test_other_rating_scales_and_wordings(template: str, low: int, high: int) -> None:
    request, hedged, solid = JUDGE_CASES[2]
    good = ask(FLAGSHIP.id, template.format(p=request, a=solid))
    bad = ask(FLAGSHIP.id, template.format(p=request, a=hedged))
    assert good.kind == bad.kind == "judge_score"
    good_value, bad_value = first_int_in_range(good.text, low, high), first_int_in_range(bad.text, low, high)
    assert good_value is not None and bad_value is not None
    assert good_value - bad_value >= 0.25 * (high - low)


# --- classifier -------------------------------------------------------------------------------


def label_accuracy(model_id: str, requests: list[str], want: str, labels: tuple[str, ...] = DIFFICULTY,
                   template: str = DEFAULT_PROMPT) -> float:
    right = 0
    for request in requests:
        reply = ask(model_id, router_prompt(request, labels, template)).text
        assert len(named_labels(reply, labels)) == 1 and len(reply.split()) == 1, reply
        right += checks.parse_label(reply, list(labels)) == want
    return right / len(requests)


def test_difficulty_labels_follow_the_request_for_a_strong_router() -> None:
    for model in (FLAGSHIP, STRONG):
        assert label_accuracy(model.id, EASY_PROMPTS, "trivial") >= 0.9
        assert label_accuracy(model.id, HARD_PROMPTS[:100], "complex") >= 0.9


def test_weak_routers_mislabel_more_often() -> None:
    flagship = (label_accuracy(FLAGSHIP.id, EASY_PROMPTS, "trivial")
                + label_accuracy(FLAGSHIP.id, HARD_PROMPTS[:100], "complex"))
    nano = label_accuracy(NANO.id, EASY_PROMPTS, "trivial") + label_accuracy(NANO.id, HARD_PROMPTS[:100], "complex")
    tiny = label_accuracy(TINY.id, EASY_PROMPTS, "trivial") + label_accuracy(TINY.id, HARD_PROMPTS[:100], "complex")
    assert flagship / 2 >= 0.95
    assert nano / 2 <= flagship / 2 - 0.05 and nano / 2 >= 0.7  # the default router is useful, not perfect
    assert tiny / 2 <= nano / 2


def test_a_middling_request_gets_the_middle_label() -> None:
    moderate = ["Explain in detail how Raft handles leader election and log replication.",
                "Compare CUBIC and BBR congestion control.", "Write a Python function that reverses a linked list.",
                "Why is the sky blue?", "Write a SQL query that lists the newest orders per customer."]
    assert label_accuracy(FLAGSHIP.id, moderate, "moderate") >= 0.8


@pytest.mark.parametrize(
    ("template", "labels"),
    [
        ("Classify how hard the following request is to answer well. Choose exactly one of: {labels}.\n\n"
         "Request:\n{prompt}\n\nReply with the single word only.", ("complex", "trivial", "moderate")),
        ("Answer with one word: {labels}.\nHow difficult is this user message?\n\n<request>{prompt}</request>",
         ("easy", "medium", "hard")),
        ("Decide which tier should handle the query below. Choose from {labels}.\nQuery: {prompt}\n"
         "Output the label only.",
         ("low", "medium", "high")),
        ("Labels: {labels}\nText: {prompt}\nOutput only the label.", ("simple", "complex")),
        ("Which model should handle this? Choose one of: {labels}.\n\nRequest:\n{prompt}\n\n"
         "Reply with the model name only.",
         ("gpt-5-nano", "gpt-5-mini", "claude-opus-4-5")),
        ("Route this request. Reply with one of: {labels}.\n\nQuestion: {prompt}", ("tier1", "tier2", "tier3")),
        ("Is the following easy or hard? Reply with {labels}.\n\n{prompt}", ("easy", "hard")),
        ('Rate the request below. Choose one of "{labels}". Just the word.\n\n"""{prompt}"""',
         ("easy", "medium", "hard")),
        ("Classify the request into one of the following levels:\n- very easy\n- easy\n- hard\n- very hard\n\n"
         "Request: {prompt}\n\nAnswer with the level only.", ("very easy", "easy", "hard", "very hard")),
    ],
)
def test_custom_label_sets_and_wordings_are_detected_and_ordered(template: str, labels: tuple[str, ...]) -> None:
    joined = '", "'.join(labels) if '"{labels}"' in template else (
        " or ".join(labels) if "Reply with {labels}" in template else ", ".join(labels))
    ranks = {"trivial": 0, "very easy": 0, "easy": 1, "simple": 0, "low": 0, "tier1": 0, "gpt-5-nano": 0,
             "complex": 9, "hard": 8, "very hard": 9, "high": 9, "tier3": 9, "claude-opus-4-5": 9}
    low_label = min(labels, key=lambda label: ranks.get(label, 5))
    high_label = max(labels, key=lambda label: ranks.get(label, 5))
    easy, hard = EASY_PROMPTS[0], HARD_PROMPTS[0]
    for request, want in ((easy, low_label), (hard, high_label)):
        prompt = template.replace("{labels}", joined).replace("{prompt}", request)
        task = find_label_task(prompt)
        assert task is not None and {label.lower() for label in task.labels} == set(labels), prompt
        assert request[:40] in task.request
        reply = ask(FLAGSHIP.id, prompt).text
        assert checks.parse_label(reply, list(labels)) == want, (prompt, reply)


TOPIC_LABELS = ("code", "math", "creative", "chat")
TOPIC_REQUESTS = {
    "code": ["Write a Python function that reverses a linked list.",
             "Fix this JavaScript bug: my fetch call returns undefined.",
             "Implement a debounce helper in TypeScript.",
             "Why does my Rust code fail to compile with a borrow checker error?",
             "Write a SQL query that lists the newest orders per customer.",
             "Refactor this class to use dependency injection.",
             "How do I write a unit test for an async function in Python?",
             "Write a bash script that rotates log files."],
    "math": ["What is the derivative of x^3 + 2x?", "Solve for x: 3x + 7 = 22.", "What is 17 * 23?",
             "Prove that the square root of 2 is irrational.", "What is the probability of rolling two sixes?",
             "Compute the integral of sin(x) from 0 to pi.", "What is 15% of 240?",
             "Find the median of 3, 9, 4, 7 and 12."],
    "creative": ["Write a haiku about autumn leaves.", "Write a short story about a robot who learns to paint.",
                 "Give me a catchy slogan for a coffee shop.", "Write a limerick about a cat.",
                 "Write a poem about the sea at night.", "Brainstorm names for a fantasy kingdom.",
                 "Write song lyrics about leaving home.", "Imagine a dialogue between the sun and the moon."],
    "chat": ["Hi there!", "Hello, how are you today?", "Thanks for your help earlier.", "Good morning!",
             "Hey, what's up?", "Who are you?", "Nice to meet you.", "Bye for now, talk later."],
}
TOPIC_TEMPLATE = ("Categorize the user's request. Reply with one of: {labels}.\n\nRequest:\n{prompt}\n\n"
                  "Reply with the label only.")


def test_topical_labels_pick_the_matching_topic() -> None:
    for want, requests in TOPIC_REQUESTS.items():
        assert label_accuracy(FLAGSHIP.id, requests, want, TOPIC_LABELS, TOPIC_TEMPLATE) >= 0.85, want
    everything = [(want, r) for want, requests in TOPIC_REQUESTS.items() for r in requests]

    def overall(model_id: str) -> float:
        hits = sum(label_accuracy(model_id, [r], want, TOPIC_LABELS, TOPIC_TEMPLATE) for want, r in everything)
        return hits / len(everything)

    assert overall(TINY.id) < overall(FLAGSHIP.id) - 0.1


def test_an_unmatched_topic_falls_back_to_the_catch_all_label() -> None:
    labels = ("coding", "writing", "general")
    reply = ask(FLAGSHIP.id, router_prompt("What is the capital of France?", labels, TOPIC_TEMPLATE)).text
    assert reply == "general"


def test_yes_no_labels_answer_the_embedded_question() -> None:
    prompt = "Reply with one of: yes, no.\n\nQuestion: Is 97 a prime number?"
    assert ask(FLAGSHIP.id, prompt).text == "yes"
    assert ask(FLAGSHIP.id, prompt.replace("yes, no", "true, false")).text == "true"


# --- short factual answers ----------------------------------------------------------------------

ARITHMETIC = [(f"What is {a} {op} {b}?", eval(f"{a} {op} {b}")) for a in range(12, 60, 5) for b in (3, 7, 11)
              for op in ("+", "-", "*")]
PRIMES = [f"Is {n} a prime number? Answer yes or no." for n in range(60, 160)]


def test_arithmetic_is_computed_and_strong_models_get_it_right() -> None:
    for question, value in ARITHMETIC:
        for model in (FLAGSHIP, STRONG):
            answer = answer_for(model, question)
            assert answer.text == f"{value}." and answer.kind == "fact" and not answer.wrong, (question, answer.text)
    assert [ask(FLAGSHIP.id, q).text for q in ("What is 2^10?", "Calculate 15% of 80.", "What is 7 / 2?",
                                                 "What is 1,234 * 5,678?",
                                                 "What is 17 times 3? Answer with a number only.")] \
        == ["1024.", "12.", "3.5.", "7006652.", "51"]


def test_weak_models_are_wrong_more_often_but_mostly_right() -> None:
    def accuracy(model_id: str) -> float:
        return sum(ask(model_id, q).text == f"{v}." for q, v in ARITHMETIC) / len(ARITHMETIC)

    flagship, nano, tiny = accuracy(FLAGSHIP.id), accuracy(NANO.id), accuracy(TINY.id)
    assert flagship == 1.0
    assert 0.6 <= tiny < nano <= 0.98, (nano, tiny)


@pytest.mark.parametrize(
    ("question", "truth"),
    [
        ("Is 97 a prime number? Answer yes or no.", "Yes"), ("Is 91 prime?", "No"), ("Is 1024 a power of two?", "Yes"),
        ("Is 100 divisible by 7? Yes or no.", "No"), ("Is 49 a perfect square?", "Yes"), ("Is 9.11 greater than 9.9?",
                                                                                          "No"),
        ("Does 2 + 2 equal 5?", "No"), ("Is 17 * 3 equal to 51?", "Yes"), ("Is 1900 a leap year?", "No"),
        ("Is 2024 a leap year?", "Yes"), ("Is racecar a palindrome?", "Yes"), ("True or false: 7 is an even number.",
                                                                               "False"),
        ("Is France in Europe? Answer yes or no.", "Yes"), ("Is Sydney the capital of Australia?", "No"),
    ],
)
def test_recognisable_yes_no_questions_are_decided(question: str, truth: str) -> None:
    texts = {answer_for(model, question).text for model in (FLAGSHIP, STRONG, CATALOG.get("claude-sonnet-4-5"))}
    assert len(texts) == 1
    text = texts.pop()
    assert text.startswith(truth) and len(text.split()) <= 12, text
    assert checks.normalize_short_answer(text) == truth.lower()


def test_yes_no_is_consistent_across_strong_models_and_a_weak_model_dissents_sometimes() -> None:
    strong = [CATALOG.get(m) for m in ("claude-opus-4-5", "gpt-5-1", "claude-sonnet-4-5", "gpt-5-4")]
    unanimous = dissent = 0
    for question in PRIMES:
        votes = Counter(checks.normalize_short_answer(answer_for(m, question).text) for m in strong)
        assert set(votes) <= {"yes", "no"}, question
        truth = "yes" if short_truth(question).value == "yes" else "no"  # type: ignore[union-attr]
        assert votes.most_common(1)[0][0] == truth
        unanimous += len(votes) == 1
        dissent += checks.normalize_short_answer(answer_for(TINY, question).text) != truth
    assert unanimous / len(PRIMES) >= 0.95
    assert 0.05 <= dissent / len(PRIMES) <= 0.4


def test_unrecognised_yes_no_questions_still_share_one_truth() -> None:
    questions = [f"Is {tool} a good fit for {use}? Answer yes or no." for tool in ("Python", "Rust", "Go", "Postgres")
                 for use in ("web servers", "data science", "embedded systems")]
    answers = [{answer_for(m, q).text for m in (FLAGSHIP, STRONG)} for q in questions]
    assert all(len(a) == 1 for a in answers)
    firsts = Counter(checks.normalize_short_answer(a.pop()) for a in answers)
    assert set(firsts) == {"yes", "no"}  # from the question, not a constant
    assert ask(FLAGSHIP.id, "Is Python dynamically typed? Answer yes or no.").text in ("Yes, it is.", "No, it isn't.")


def test_a_vote_of_the_default_members_usually_agrees_and_sometimes_one_dissents() -> None:
    members = [CATALOG.get(m) for m in ("gpt-5-mini", "claude-haiku-4-5", "gpt-4o-mini")]
    agreement = Counter()
    for question in PRIMES + [q for q, _ in ARITHMETIC]:
        votes = Counter(checks.normalize_short_answer(answer_for(m, question).text) for m in members)
        agreement[max(votes.values())] += 1
    total = sum(agreement.values())
    assert agreement[3] / total >= 0.65 and agreement[2] >= 5, agreement


def test_short_answers_stay_short_and_consistent_in_form() -> None:
    questions = [q for q, _ in ARITHMETIC[:20]] + PRIMES[:20] + EASY_PROMPTS
    for question in questions:
        for model in (FLAGSHIP, NANO, TINY):
            answer = answer_for(model, question)
            if answer.kind == "fact":
                assert len(answer.text.split()) <= 12, answer.text
    assert ask(FLAGSHIP.id, "What is the capital of Australia?").text == "The capital of Australia is Canberra."
    assert ask(FLAGSHIP.id, "In one word, what is the capital of France?").text == "Paris."
    assert ask(FLAGSHIP.id, "How many r's are in strawberry?").text == "3."
    said = Counter(answer_for(m, "What is the capital of Australia?").text for m in CATALOG.models.values())
    assert said.most_common(1)[0] == ("The capital of Australia is Canberra.", said.most_common(1)[0][1])
    assert all(re.fullmatch(r"The capital of Australia is [\w ]+\.|I'm not entirely sure, but I think it's [\w ]+\.", t)
               for t in said)


def test_truths_are_read_back_from_answers() -> None:
    truth = short_truth("What is 17 * 3?")
    assert truth is not None and truth.value == "51"
    assert answer_is_right(truth, "51.") and answer_is_right(truth, "The answer is 51.")
    assert answer_is_right(truth, "52.") is False and answer_is_right(truth, "no idea") is None
    yes_no = short_truth("Is 97 a prime number? Answer yes or no.")
    assert yes_no is not None and answer_is_right(yes_no, "Yes — 97 is prime.")


# --- all of it ------------------------------------------------------------------------------------


ORDINARY = [
    "Explain how a B-tree index speeds up database queries.", "Is Rust one of the fastest languages, or not?",
    "Should I choose between Postgres or MySQL for my startup?",
    "Choose between React and Vue for my project and explain why.",
    "How do I score a bowling game from 1 to 10 frames?", "Explain the 80/20 rule.",
    "Option 1: use Redis. Option 2: use Memcached. Which is better for session storage? Explain the trade-offs.",
    "Write a function that returns one of: 'a', 'b' or 'c' at random, and explain it.",
    "Classify these animals as mammals or reptiles and explain: dog, snake, whale.",
    "Give me a score from 1 to 10 for how good my essay intro is and explain why: 'Once upon a time...'",
    "Translate 'good morning' into the main language of France.", "What is TCP?", "hi",
    "How many ways are there to improve my sleep?", "Is it better to use tabs or spaces? Answer with examples.",
]


def test_ordinary_prompts_are_not_mistaken_for_instructions() -> None:
    for prompt in ORDINARY + HARD_PROMPTS[:50]:
        assert respond("gpt-4o", 0.78, prompt) is None, prompt


def test_replies_are_deterministic_across_processes() -> None:
    import subprocess
    import sys

    prompt = router_prompt(HARD_PROMPTS[3])
    code = ("from playground.sim.content.answers import compose_answer;"
            f"print(compose_answer('gpt-5-nano', 0.5, {prompt!r}).text, end='')")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "99", "PATH": ""})
    assert other.stdout == compose_answer("gpt-5-nano", 0.5, prompt).text


def test_confident_replies_have_high_logprobs_and_slips_lower() -> None:
    label = answer_for(FLAGSHIP, router_prompt(HARD_PROMPTS[0]))
    assert label.text == "complex" and mean_logprob(label, FLAGSHIP.sim.quality) > -0.15
    right, wrong = [], []
    for question, _ in ARITHMETIC:
        answer = answer_for(TINY, question)
        if not answer.hedged:
            (wrong if answer.wrong else right).append(mean_logprob(answer, TINY.sim.quality))
    assert wrong and right and max(wrong) < min(right)


def test_engine_hedging_phrases_are_recognised_by_the_judge() -> None:
    assert set(checks.HEDGING_PHRASES) <= set(HEDGE_PHRASES)


def test_instructions_around_huge_requests_are_still_recognised() -> None:
    """How fast is `bench/bench_sim_content.py`'s job (timed tests fail on a busy machine)."""
    huge = "The broker stores log segments on disk and serves consumers. " * 6000
    for prompt in (router_prompt(huge), best_of_prompt(huge, [huge[:20_000], "I'm not sure."]),
                   JUDGE_SCORE_TEMPLATE.format(prompt=huge, answer=huge)):
        assert compose_answer("gpt-5-1", 0.9, prompt).kind != "prose"


# --- over loopback with the official SDKs ----------------------------------------------------------


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(speed=200) as server:
        yield server


def test_openai_judge_streams_back_just_a_number(sim: SimServer) -> None:
    request, hedged, solid = JUDGE_CASES[0]
    client = openai.OpenAI(base_url=sim.base_url + "/v1", api_key="k", max_retries=0)
    stream = client.chat.completions.create(
        model=STRONG.sim_name, messages=[{"role": "user", "content": best_of_prompt(request, [hedged, solid])}],
        max_tokens=16, stream=True, stream_options={"include_usage": True}, logprobs=True,
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "2"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 1
    entries = [e for c in chunks if c.choices and c.choices[0].logprobs for e in c.choices[0].logprobs.content or []]
    assert len(entries) == 1 and entries[0].logprob > -0.3
    score = client.chat.completions.create(
        model=STRONG.sim_name, max_tokens=16,
        messages=[{"role": "user", "content": JUDGE_SCORE_TEMPLATE.format(prompt=request, answer=solid)}],
    ).choices[0].message.content
    assert score is not None and re.fullmatch(r"\d{1,2}", score) and int(score) >= 7


def test_anthropic_router_streams_back_a_label(sim: SimServer) -> None:
    client = anthropic.Anthropic(base_url=sim.base_url, api_key="k", max_retries=0)
    for request, want in ((EASY_PROMPTS[0], "trivial"), (HARD_PROMPTS[0], "complex")):
        with client.messages.stream(model=CATALOG.get("claude-sonnet-4-5").sim_name, max_tokens=16,
                                    messages=[{"role": "user", "content": router_prompt(request)}]) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        assert text == want and final.stop_reason == "end_turn" and final.usage.output_tokens >= 1
