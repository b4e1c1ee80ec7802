"""Is an answer right? Checked against a reference, or graded by a judge model.

Reference matching, per prompt (`match` in the prompt set) or for the run:
- exact: the answer, stripped, equals the reference;
- normalised: equal after lower-casing and dropping punctuation, articles and
  extra spaces ("The capital is Canberra." vs "canberra" does not match: use
  it for short answers), or the answer's first line alone matches;
- regex: the reference is a regular expression searched in the answer;
- numeric: the answer's final number (GSM8K style "#### 18", "= 18", "18.")
  equals the reference number (relative tolerance 1e-6);
- auto: numeric when the reference is a number, else normalised — and the
  reference also counts when it appears as a whole phrase in the answer.

A judge is asked with the engine's own scoring prompt (the one a cascade's
judge check uses) and its 1-10 score becomes 0..1; the judge's call is an
engine attempt, costed like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playground.engine.checks import parse_score
from playground.engine.plans import JUDGE_SCORE_TEMPLATE

MATCH_MODES = ("auto", "exact", "normalised", "regex", "numeric")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_PUNCT = re.compile(r"[^\w\s.-]|(?<!\d)\.|\.(?!\d)")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
JUDGE_PASS = 7.0  # a judge score at or above this counts as right (the cascade's default)


def normalise(text: str) -> str:
    text = _PUNCT.sub(" ", text.lower())
    return " ".join(_ARTICLES.sub(" ", text).split())


def final_number(text: str) -> float | None:
    marked = re.search(r"####\s*(-?[\d,]*\.?\d+)", text)
    found = [marked.group(1)] if marked else _NUMBER.findall(text)
    for raw in reversed(found):
        try:
            return float(raw.replace(",", ""))
        except ValueError:
            continue
    return None


def _as_number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", ""))
    except ValueError:
        return None


def matches(answer: str, reference: str, mode: str = "auto") -> bool:
    if mode == "exact":
        return answer.strip() == reference.strip()
    if mode == "regex":
        return re.search(reference, answer) is not None
    if mode == "numeric" or (mode == "auto" and _as_number(reference) is not None):
        want, got = _as_number(reference), final_number(answer)
        return want is not None and got is not None and abs(got - want) <= 1e-6 * max(1.0, abs(want))
    want = normalise(reference)
    first_line = answer.strip().splitlines()[0] if answer.strip() else ""
    if normalise(answer) == want or normalise(first_line) == want:
        return True
    return (
        mode == "auto" and bool(want) and re.search(rf"(?<!\w){re.escape(want)}(?!\w)", normalise(answer)) is not None
    )


@dataclass(frozen=True, slots=True)
class Judged:
    score: float | None  # 0..1, None when the judge's reply had no score
    raw: str


def judge_prompt(prompt: str, answer: str) -> str:
    return JUDGE_SCORE_TEMPLATE.format(prompt=prompt, answer=answer)


def read_judgement(reply: str) -> Judged:
    score = parse_score(reply)
    return Judged(None if score is None else score / 10.0, reply)
