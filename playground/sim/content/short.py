"""Short factual answers: "51.", "Yes — 97 is prime.", "Canberra.".

Every model aims at the same truth (facts/) and phrases it the same way,
so models that are right agree word for word and a majority vote or a
consensus check means something. Weaker models are confidently wrong more
often (a tempting wrong value: off by one, Sydney for Australia, the other
side of a yes/no) and hedge more often on harder prompts.
"""

from __future__ import annotations

import random

from playground.sim.content.facts import Truth, cached_truth, yes_no_sentence, yes_no_word
from playground.sim.content.odds import hedge_probability, stable_seed, wrong_probability
from playground.sim.content.prompt import prompt_difficulty
from playground.sim.content.reply import Reply

# A hedging model still lands on the truth more often than not.
HEDGED_WRONG_FLOOR = 0.3
TEMPTING_SHARE = 0.6  # a wrong answer is the most tempting slip this often


def short_reply(model: str, quality: float, prompt: str, truth: Truth) -> Reply:
    """The short answer `model` gives to `prompt`, whose truth is `truth`."""
    value, hedged, uncertainty = _decide(model, quality, prompt, truth)
    return Reply(render(truth, value, hedged), "fact", hedged, value != truth.value, uncertainty, truth.difficulty)


def believed_value(model: str, quality: float, prompt: str) -> tuple[Truth, str] | None:
    """What `model` itself would answer to a short factual `prompt` (the
    truth and its value): a judge compares answers with its own belief."""
    truth = cached_truth(prompt)
    if truth is None:
        return None
    return truth, _decide(model, quality, prompt, truth)[0]


def _decide(model: str, quality: float, prompt: str, truth: Truth) -> tuple[str, bool, float]:
    """The value `model` answers, whether it hedges, and its uncertainty."""
    rng = random.Random(stable_seed(model, prompt))
    p_hedge = hedge_probability(prompt_difficulty(prompt), quality)
    hedged = rng.random() < p_hedge
    p_wrong = wrong_probability(truth.difficulty, quality)
    wrong = rng.random() < (max(HEDGED_WRONG_FLOOR, 2 * p_wrong) if hedged else p_wrong)
    value = _wrong_value(truth, rng) if wrong else truth.value
    return value, hedged, min(1.0, p_hedge + p_wrong)


def _wrong_value(truth: Truth, rng: random.Random) -> str:
    if truth.kind in ("yes_no", "true_false"):
        return yes_no_word(truth.value)
    wrongs = [w for w in truth.wrongs if w != truth.value]
    if not wrongs:
        return "Unclear" if truth.kind == "word" else str(int(float(truth.value)) + 1)
    if rng.random() < TEMPTING_SHARE or len(wrongs) == 1:
        return wrongs[0]
    return rng.choice(wrongs[1:])


def render(truth: Truth, value: str, hedged: bool) -> str:
    """`value` phrased the way this question's answers are phrased."""
    if truth.kind in ("yes_no", "true_false"):
        word = value.capitalize()
        if hedged:
            return f"{word}, I think, but I'm not entirely sure."
        if truth.terse:
            return f"{word}."
        claim = truth.claim(value)
        if claim:
            return f"{word} — {claim}."
        if truth.kind == "true_false":
            return f"{word}."
        return yes_no_sentence(truth, value)
    if truth.kind == "number":
        if hedged:
            return f"{value}? I'm not sure."
        return value if truth.terse else truth.sentence.format(v=value)
    if hedged:
        return f"Probably {value}?" if truth.terse else f"I'm not entirely sure, but I think it's {value}."
    return truth.sentence.format(v=value)
