"""A judge model: picks the best of numbered answers, or scores one answer.

Detection: "Answer 1:" / "Response B:" style blocks (two or more, numbered
in order) with an instruction to pick the best or better one; or a rating
scale ("on a scale of 1 to 10", "from 0 to 5", "out of 10") with a rating
word (rate, score, grade, ...). Both read the embedded request when it is
marked ("Request:", <request>...</request>) and honour a terse instruction
("Reply with the number only").

Assessment (`assess`) is the same for both: a hedging answer ("I'm not
sure", the engine's hedging phrases and the simulator's own) is weak;
otherwise more substantive is better (length against what the request asks
for, coverage of its key terms, structure, a code block when code is asked
for). A short factual answer is right or wrong against what the judge itself
believes the answer is (so a weak judge can favour a wrong answer it shares).
The judge perceives each assessment with noise that grows as its quality
falls, and a weak judge sometimes just picks the first answer (position bias)
or scores everything generously.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from functools import lru_cache

from playground.sim.content.facts import answer_value, format_number
from playground.sim.content.odds import judge_noise, lapse_probability, normal_cdf, stable_seed
from playground.sim.content.prompt import PromptProfile, analyze_prompt
from playground.sim.content.reply import Reply
from playground.sim.content.sections import (
    DISCURSIVE_RE,
    TERSE_RE,
    answer_section,
    bounded,
    remaining_request,
    request_section,
    split_trailing_instructions,
    without,
)
from playground.sim.content.short import believed_value

# Phrases that make an answer read as hedged: the engine's no_hedging list
# (engine/checks.HEDGING_PHRASES) plus what the simulator's weak answers say.
HEDGE_PHRASES = (
    "i'm not sure", "i am not sure", "i'm not entirely sure", "i cannot", "i can't help", "i don't know",
    "as an ai", "it depends", "i'm unable", "i am unable", "hard to say", "not certain",
    "not entirely sure", "might be wrong", "not completely certain", "rough guess", "probably", "may be missing",
    "double-check", "please verify", "not sure", "i think",
)
# A lenient weak judge pulls every score toward this (on 0..1) by
# LENIENCY * (1 - quality).
LENIENT_TARGET = 0.75
LENIENCY = 0.8
SCORE_NOISE_SHARE = 0.75  # score noise relative to the pick-the-best noise
SCORE_SPAN = 8.5  # assessment 0..1 -> 1 .. 9.5 on a 1-10 scale: a flagship rarely gives 10

_EXPECTED_WORDS = {"word": 1, "short": 25, "medium": 170, "long": 480}
_CANDIDATE_RE = re.compile(
    r"(?im)^[ \t]*(?:#{1,4}[ \t]*)?(?:\*\*|\[)?(answer|response|candidate|option|reply|completion|output)[ \t]*#?[ \t]*"
    r"(\d{1,2}|[a-h])(?:\*\*|\])?[ \t]*(?::|\)|(?=[ \t]*\n))(?:\*\*)?[ \t]*"
)
_BEST_RE = re.compile(
    r"\b(?:best|better|strongest|most (?:accurate|helpful|correct|complete|useful)|prefer|preferred|winner|pick"
    r"|choose|select)\b",
    re.IGNORECASE,
)
_RATING_WORD_RE = re.compile(r"\b(?:rate|rating|score|grade|evaluate|assess|judge|mark)\b", re.IGNORECASE)
_RANGE_RES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\bscale (?:of|from)\s*(0|1)\s*(?:to|-|–|—)\s*(\d{1,3})\b",
        r"\b(?:from|between)\s*(0|1)\s*(?:to|and|-|–|—)\s*(\d{1,3})\b",
        r"\b(0|1)\s*(?:-|–|—|to)\s*(\d{1,3})\s*scale\b",
        r"\b(?:score|rate|rating|grade)\s*[(:]?\s*(0|1)\s*(?:-|–|—|to)\s*(\d{1,3})\b",
        r"\b()out of\s*(\d{1,3})\b",
    )
)
_NUMBER_REPLY_RE = re.compile(r"\b(?:reply|respond|answer|output|return|give)\b[^.\n]{0,30}\b(?:a|the|one|single)"
                              r" (?:number|score|integer|digit|rating)\b", re.IGNORECASE)
_DIFFICULTY_RE = re.compile(r"\b(?:difficult|difficulty|hard|hardness|complex|complexity)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class BestTask:
    request: str
    answers: tuple[str, ...]
    ids: tuple[str, ...]  # how the answers are named: "1", "2" or "A", "B"
    terse: bool


@dataclass(frozen=True, slots=True)
class ScoreTask:
    request: str
    answer: str
    low: int
    high: int
    terse: bool
    difficulty_only: bool  # no answer to judge: rate the request's difficulty


# --- detection ---------------------------------------------------------------------


def _sequence(ids: list[str]) -> bool:
    if ids[0].isdigit():
        return [int(i) for i in ids] == list(range(1, len(ids) + 1))
    return [ord(i.lower()) - ord("a") for i in ids] == list(range(len(ids)))


def find_best_task(prompt: str) -> BestTask | None:
    text = bounded(prompt)
    groups: dict[str, list[re.Match[str]]] = {}
    for match in _CANDIDATE_RE.finditer(text):
        groups.setdefault(match.group(1).lower(), []).append(match)
    best: list[re.Match[str]] | None = None
    for matches in groups.values():
        ids = [m.group(2) for m in matches]
        if len(matches) >= 2 and _sequence(ids) and (best is None or len(matches) > len(best)):
            best = matches
    if best is None:
        return None
    answers: list[str] = []
    for index, match in enumerate(best):
        end = best[index + 1].start() if index + 1 < len(best) else len(text)
        answers.append(text[match.end() : end])
    last, trailing = split_trailing_instructions(answers[-1])
    answers[-1] = last
    prefix = text[: best[0].start()]
    section = request_section(text, before=best[0].start())
    if section is not None:
        request = section[0]
        instructions = without(prefix, [(section[1], section[2])]) + "\n" + trailing
    else:
        request = remaining_request(prefix, [])
        instructions = prefix + "\n" + trailing
    if _BEST_RE.search(instructions) is None:
        return None
    return BestTask(request, tuple(a.strip() for a in answers), tuple(m.group(2) for m in best),
                    bool(TERSE_RE.search(trailing or instructions)))


def _rating_range(text: str) -> tuple[int, int] | None:
    for pattern in _RANGE_RES:
        match = pattern.search(text)
        if match is None:
            continue
        low = int(match.group(1)) if match.group(1) else 1
        high = int(match.group(2))
        if 3 <= high <= 100 and low < high:
            return low, high
    return None


def find_score_task(prompt: str) -> ScoreTask | None:
    text = bounded(prompt)
    section = request_section(text)
    after = section[2] if section is not None else 0
    answer = answer_section(text, after)
    spans: list[tuple[int, int]] = []
    if section is not None:
        spans.append((section[1], section[2]))
    if answer is not None:
        spans.append((answer[1], len(text)))
        _, trailing = split_trailing_instructions(text[answer[1] :])
    else:
        trailing = ""
    instructions = without(text, spans) + "\n" + trailing
    if len(instructions) > 8000:
        instructions = instructions[:4000] + "\n" + instructions[-4000:]
    scale = _rating_range(instructions)
    if scale is None or (_RATING_WORD_RE.search(instructions) is None and _DIFFICULTY_RE.search(instructions) is None):
        return None
    request = section[0] if section is not None else ""
    terse = bool(TERSE_RE.search(instructions)) or (
        _NUMBER_REPLY_RE.search(instructions) is not None and DISCURSIVE_RE.search(instructions) is None)
    if answer is None and not terse:
        return None  # "How do I score a game from 1 to 10?" is a question, not a rating task
    if answer is not None:
        return ScoreTask(request, answer[0], scale[0], scale[1], terse, False)
    if _DIFFICULTY_RE.search(instructions):
        target = request or remaining_request(text, [])
        return ScoreTask(target, "", scale[0], scale[1], terse, True)
    judged = remaining_request(text, [(section[1], section[2])] if section is not None else [])
    return ScoreTask(request, judged, scale[0], scale[1], terse, False)


# --- assessment --------------------------------------------------------------------


@lru_cache(maxsize=64)
def _profile(request: str) -> PromptProfile:
    return analyze_prompt(request)


def hedge_count(text: str) -> int:
    low = text.lower().replace("’", "'")
    return sum(phrase in low for phrase in HEDGE_PHRASES)


def assess(request: str, answer: str, belief: tuple[object, str] | None = None) -> float:
    """How good `answer` is for `request`, 0..1, as a careful reader sees it.
    `belief` (a short question's truth and the value the judge holds true)
    makes a short answer right or wrong."""
    text = answer.strip()
    if not text:
        return 0.02
    hedges = hedge_count(text)
    if belief is not None:
        truth, believed = belief
        value = answer_value(truth, text)  # type: ignore[arg-type]
        if value is not None:
            agrees = value.lower() == believed.lower() or _same_number(value, believed)
            score = 0.86 if agrees else 0.14
            if hedges:
                score -= 0.3 if agrees else 0.04
            return max(0.02, score)
    profile = _profile(request)
    low = text.lower()
    words = len(text.split())
    expected = _EXPECTED_WORDS[profile.length]
    if expected <= 25:
        size = 1.0 if words <= 6 * expected + 10 else 0.7
    else:
        size = min(1.0, math.log1p(words) / math.log1p(expected))
    terms = [t.lower() for t in profile.terms[:4]]
    coverage = sum(all(w in low for w in t.split()) for t in terms) / len(terms) if terms else 1.0
    if profile.wants_code:
        structure = 1.0 if "```" in text else 0.2
    elif profile.length == "long":
        sectioned = re.search(r"(?m)^#{1,4} ", text)
        structure = 1.0 if sectioned else 0.7 if ("\n- " in text or text.count("\n\n") >= 2) else 0.4
    elif profile.length == "medium":
        structure = 1.0 if ("\n\n" in text or "\n- " in text) else 0.6
    else:
        structure = 1.0
    score = 0.2 + 0.4 * size + 0.2 * coverage + 0.2 * structure
    if hedges:
        score -= 0.25 + 0.05 * min(3, hedges)
    if "todo" in low:
        score -= 0.1
    return min(0.98, max(0.02, score))


def _same_number(a: str, b: str) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-6)
    except ValueError:
        return False


def _belief(model: str, quality: float, request: str) -> tuple[object, str] | None:
    return believed_value(model, quality, request) if request else None


# --- replies -------------------------------------------------------------------------


def best_reply(model: str, quality: float, prompt: str, task: BestTask) -> Reply:
    rng = random.Random(stable_seed("judge-best", model, prompt))
    belief = _belief(model, quality, task.request)
    scores = [assess(task.request, a, belief) for a in task.answers]
    ideal = max(range(len(scores)), key=lambda i: (scores[i], -i))
    sigma = judge_noise(quality)
    p_lapse = lapse_probability(quality)
    if rng.random() < p_lapse:
        pick = 0  # position bias: the first answer, whatever it says
    else:
        perceived = [s + rng.gauss(0.0, sigma) for s in scores]
        pick = max(range(len(perceived)), key=lambda i: (perceived[i], -i))
    ranked = sorted(scores, reverse=True)
    margin = ranked[0] - ranked[1] if len(ranked) > 1 else 1.0
    flip = 1.0 - normal_cdf(margin / (sigma * math.sqrt(2))) if sigma > 0 else 0.0
    uncertainty = min(1.0, p_lapse + (1 - p_lapse) * flip)
    name = task.ids[pick]
    if task.terse:
        text = rng.choice((f"{name}.", f"Answer {name}")) if quality < 0.6 and rng.random() < 0.35 else name
    else:
        text = f"Answer {name} is the best: {_reason(task.request, task.answers[pick], scores[pick], scores)}."
    return Reply(text, "judge_best", False, scores[pick] < scores[ideal] - 1e-9, uncertainty, min(1.0, 1.0 - margin))


def _reason(request: str, answer: str, score: float, scores: list[float]) -> str:
    if hedge_count(answer) == 0 and any(s < score for s in scores) and score >= 0.8:
        return "it answers confidently and covers what was asked"
    if score >= 0.8:
        return "it is the most complete"
    if score <= 0.2:
        return "none of the answers is convincing, but it is the least wrong"
    return "it is the most useful of the answers"


def score_reply(model: str, quality: float, prompt: str, task: ScoreTask) -> Reply:
    rng = random.Random(stable_seed("judge-score", model, prompt))
    if task.difficulty_only:
        from playground.sim.content.labels import scale_position

        true_fraction = scale_position(task.request)
    else:
        true_fraction = assess(task.request, task.answer, _belief(model, quality, task.request)) * SCORE_SPAN / 9
    sigma = judge_noise(quality) * SCORE_NOISE_SHARE
    lenient = LENIENCY * (1.0 - quality) if not task.difficulty_only else 0.0
    perceived = true_fraction * (1 - lenient) + LENIENT_TARGET * lenient + rng.gauss(0.0, sigma)
    perceived = min(1.0, max(0.0, perceived))
    span = task.high - task.low
    value = round(task.low + perceived * span)
    ideal = round(task.low + true_fraction * span)
    if not task.difficulty_only and span >= 9:
        value = max(task.low + (1 if task.low == 0 else 0), value)
    uncertainty = min(1.0, lenient * 0.5 + sigma * 3)
    shown = format_number(value)
    if task.terse:
        text = shown if quality >= 0.6 or rng.random() < 0.6 else f"{shown}/{task.high}"
    else:
        text = f"{shown}/{task.high}. " + _score_reason(value, task)
    return Reply(text, "judge_score", False, abs(value - ideal) >= max(1.0, 0.2 * span), uncertainty, 0.3)


def _score_reason(value: int, task: ScoreTask) -> str:
    fraction = (value - task.low) / (task.high - task.low)
    if task.difficulty_only:
        return "A demanding request." if fraction >= 0.6 else "A fairly simple request." if fraction < 0.3 else \
            "A request of moderate difficulty."
    if fraction >= 0.75:
        return "Confident, substantive and on topic."
    if fraction >= 0.5:
        return "Reasonable, but it could be more complete."
    return "It hedges or misses much of what was asked."
