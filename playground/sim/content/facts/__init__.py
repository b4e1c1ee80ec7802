"""What is "true" for short factual questions, so that every simulated model
can agree on it (and weak ones visibly fail to).

Arithmetic is computed, counting questions are counted, yes/no questions
about numbers (prime, even, divisible, equal...), years, palindromes and a
small table of countries are decided; any other yes/no question (and a
"reply with a number" question nothing can compute) gets a fixed answer
from a stable hash of its wording, so every model sees the same truth.
The sentence an answer is phrased in depends on the question alone: models
that agree give the very same text, which is what a majority vote counts.

Pure and fast; only short prompts (a question, not a document) qualify.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from playground.sim.content.facts.arithmetic import arithmetic_truth, evaluate_expression, format_number
from playground.sim.content.facts.counting import counting_truth, hashed_number
from playground.sim.content.facts.countries import COUNTRIES, country_fact
from playground.sim.content.facts.reading import answer_is_right, answer_value
from playground.sim.content.facts.truth import AUX_NEGATIVE, Truth, normalize, yes_no_sentence, yes_no_word
from playground.sim.content.facts.words import one_word_truth
from playground.sim.content.facts.yes_no import evaluate_value, hashed_yes_no, yes_no_truth

__all__ = ["COUNTRIES", "Truth", "answer_is_right", "answer_value", "cached_truth", "evaluate_expression",
           "evaluate_value", "format_number", "question_core", "short_truth", "yes_no_sentence", "yes_no_word"]

MAX_QUESTION_CHARS = 400

_TERSE_RE = re.compile(
    r"\b(?:only|just (?:the|a|one)|nothing else|no explanation|no other (?:text|words)|single (?:word|number|digit)"
    r"|one[- ]word|in a word)\b"
)
_YES_NO_ASK_RE = re.compile(r"\byes or no\b|\byes/no\b|\(y/n\)|\b(?:answer|reply|respond|say) (?:with )?(?:either )?"
                            r"[\"']?yes[\"']? or [\"']?no\b")
_TRUE_FALSE_ASK_RE = re.compile(r"\btrue or false\b|\btrue/false\b")
_ONE_WORD_RE = re.compile(r"\b(?:one|single|1)[- ]word\b|\bin a word\b")
_NUMBER_ASK_RE = re.compile(r"\b(?:a|one|single) (?:number|integer)\b|\b(?:number|digits?|integer) only\b"
                            r"|\bjust the (?:number|digits?|integer)\b|\bnumeric(?:al)? (?:answer|value)\b")
# Instruction phrases removed before a question is matched or hashed, so that
# rewording the instruction does not change the truth.
_INSTRUCTION_RE = re.compile(
    r"\(?\b(?:please )?(?:answer|reply|respond)(?: only)?(?: with)?(?: either)?(?: a| one| just| only)*"
    r"(?: yes or no| true or false| yes/no| true/false| (?:a |one )?(?:single )?(?:word|number|integer)"
    r"(?: only)?)\b\)?[.:!]?"
    r"|\(?\b(?:yes or no|true or false|yes/no|true/false)\b\)?\s*[:?.]?"
    r"|\b(?:in|with) (?:one|a single|a) word\b,?|\bone[- ]word answer\b[:.]?|\b(?:number|digits?) only\b\.?"
    r"|\bjust the (?:number|digits?|answer)\b\.?|\bno explanation\b\.?|\bbriefly\b,?|\bquick question\b[:,]?"
)


def question_core(prompt: str) -> str:
    """The question without its answer-format instructions, lowercased."""
    core = _INSTRUCTION_RE.sub(" ", normalize(prompt))
    return " ".join(core.split()).strip(" ,;:")


def short_truth(prompt: str, *, force_yes_no: bool = False) -> Truth | None:
    """The truth of a short factual question, or None when the prompt is not
    one (anything long, open-ended or not recognised)."""
    if len(prompt) > MAX_QUESTION_CHARS or not prompt.strip():
        return None
    low = normalize(prompt)
    core = question_core(prompt)
    terse = bool(_TERSE_RE.search(low))
    true_false = bool(_TRUE_FALSE_ASK_RE.search(low))
    yes_no = force_yes_no or true_false or bool(_YES_NO_ASK_RE.search(low))
    decided = yes_no_truth(core)
    if decided is not None and (yes_no or _starts_with_aux(core) or true_false):
        return _as_kind(decided, true_false, terse)
    if yes_no:
        return _as_kind(hashed_yes_no(core), true_false, terse)
    for finder in (arithmetic_truth, counting_truth, country_fact):
        found = finder(core)
        if found is not None:
            return _with_terse(found, terse or bool(_ONE_WORD_RE.search(low)))
    if _ONE_WORD_RE.search(low):
        return one_word_truth(core, prompt)
    if _NUMBER_ASK_RE.search(low):
        return hashed_number(core)
    return None


def _with_terse(truth: Truth, terse: bool) -> Truth:
    return replace(truth, sentence="{v}.", terse=True) if terse else truth


def _as_kind(truth: Truth, true_false: bool, terse: bool) -> Truth:
    if not true_false:
        return replace(truth, terse=terse)
    as_tf = {"yes": "true", "no": "false"}
    return replace(truth, kind="true_false", value=as_tf[truth.value], terse=terse,
                   claims=tuple((as_tf[v], c) for v, c in truth.claims))


def _starts_with_aux(core: str) -> bool:
    return core.split(" ", 1)[0] in AUX_NEGATIVE


@lru_cache(maxsize=256)
def cached_truth(prompt: str) -> Truth | None:
    return short_truth(prompt)
