"""What a simulated model "understands" of a prompt: its key terms, the size
of answer it asks for, whether it wants code, its parts, and how hard it is.

Pure string heuristics (no I/O, no tokenizer) so that evaluation can score
thousands of prompts per second. The same difficulty drives the simulator's
answers and is exposed for tests and tuning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from playground.sim.content.tables import toml_table

Length = Literal["word", "short", "medium", "long"]
_VOCABULARY = toml_table("vocabulary.toml")

_WORD_RE = re.compile(r"[^\W\d_]\w*(?:[-.+#'][\w+#]+)*")  # words, identifiers, B-tree, gpt-4o, C++
_PART_LINE_RE = re.compile(r"^[ \t]*(?:\d+[.)]|[-*•])[ \t]+(.+)$", re.MULTILINE)
_SENTENCE_RE = re.compile(r"[^.?!\n]+[.?!]?")
_CODE_PRESENT_RE = re.compile(r"```|^[ \t]*(def |class |fn |func |function |SELECT |#include)|[;{}]\s*$", re.MULTILINE)

STOPWORDS = frozenset(_VOCABULARY["stopwords"])
# Verbs that often sit between the nouns of a question; they end a phrase.
COMMON_VERBS = frozenset(_VOCABULARY["common_verbs"])
# Words that say what to do rather than what the prompt is about.
INSTRUCTION_WORDS = frozenset(_VOCABULARY["instruction_words"])

_HARD_MARKERS: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _VOCABULARY["hard_markers"].items()}
_EASY_MARKERS = tuple(_VOCABULARY["easy_markers"])
_LONG_MARKERS = tuple(_VOCABULARY["long_markers"])
_SHORT_MARKERS = tuple(_VOCABULARY["short_markers"])
_FACT_STARTS = tuple(_VOCABULARY["fact_starts"])
_CODE_ASKS = tuple(_VOCABULARY["code_asks"])
_LANGUAGES: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (entry["language"], tuple(entry["needles"])) for entry in _VOCABULARY["languages"]
)
_LEADING_FILLER = re.compile(
    r"^(?:(?:please|kindly|hey|hi|so|ok|okay|now|can you|could you|would you|will you|i want you to|i need you to|"
    r"help me|explain|describe|tell me|write|give me|show me|implement|create|build|compare|summari[sz]e|design|"
    r"discuss|outline|define|what is|what are|what's|whats|how do i|how do you|how does|how do|how to|how can i|"
    r"how|why does|why do|why is|why|in detail|in depth|briefly|in one word|in one sentence|yes or no|"
    r"about|me|a|an|the|to)\b[\s,:]*)+",
    re.IGNORECASE,
)

# Only the start of a huge prompt (a pasted document) is read for topic and
# intent; its length still counts in full.
ANALYSIS_CHARS = 20_000
MAX_PARTS = 8
HARD_MARKER_WEIGHT = 0.14
LENGTH_WEIGHT_MAX = 0.25
LENGTH_SATURATION_WORDS = 250
CODE_ASK_WEIGHT = 0.12
CODE_PRESENT_WEIGHT = 0.1
PART_WEIGHT = 0.07
PART_WEIGHT_MAX = 0.2
EASY_DISCOUNT = 0.2
BASE_DIFFICULTY = 0.05


@dataclass(frozen=True, slots=True)
class PromptProfile:
    difficulty: float
    length: Length
    yes_no: bool
    wants_code: bool
    language: str
    parts: tuple[str, ...]
    terms: tuple[str, ...]
    subject: str
    word_count: int


@lru_cache(maxsize=64)
def _phrase_re(needles: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word (plural allowed) matching, so "plan" does not fire on "planet"."""
    body = "|".join(re.escape(n.strip()) for n in needles)
    return re.compile(rf"(?<![a-z0-9])(?:{body})s?(?![a-z0-9])")


def _has_any(text: str, needles: tuple[str, ...]) -> bool:
    return _phrase_re(needles).search(text) is not None


def key_terms(prompt: str, limit: int = 6) -> tuple[str, ...]:
    """The prompt's topic phrases, most distinctive first.

    A phrase is a run of content words (no stopwords, instruction words,
    common verbs or adverbs in between), e.g. "leader election" or
    "multi-region API gateway"; longer phrases, proper nouns and technical
    tokens (`B-tree`, `gpt-4o`) rank first.
    """
    runs: list[list[tuple[str, bool]]] = [[]]
    previous_end = 0
    for match in _WORD_RE.finditer(prompt):
        word = match.group().strip("'.")
        low = word.lower()
        gap = prompt[previous_end : match.start()]
        sentence_start = previous_end == 0 or "\n" in gap or gap.strip()[-1:] in (".", "?", "!", ":")
        previous_end = match.end()
        if gap.strip() or _is_filler(low):
            runs.append([])  # punctuation or a filler word ends the phrase
        if not _is_filler(low):
            runs[-1].append((word, word[0].isupper() and not sentence_start))
    seen: dict[str, tuple[float, int, str]] = {}
    for position, run in enumerate(r[-3:] for r in runs if r):
        phrase = " ".join(w for w, _ in run)
        if phrase.lower() in seen:
            continue
        score = len(run) + sum(2 for _, proper in run if proper)
        score += sum(1 for w, _ in run if any(c.isdigit() or c in "-_.+#" for c in w))
        seen[phrase.lower()] = (score, position, phrase)
    ranked = sorted(seen.values(), key=lambda item: (-item[0], item[1]))
    return tuple(phrase for _, _, phrase in ranked[:limit])


def _is_filler(low: str) -> bool:
    return (
        len(low) < 3
        or low in STOPWORDS
        or low in INSTRUCTION_WORDS
        or low in COMMON_VERBS
        or (len(low) > 5 and low.endswith("ly"))
    )


def subject_of(text: str, max_words: int = 10) -> str:
    """A short phrase naming what the text is about: its first sentence with
    the instruction ("Can you explain how...") stripped."""
    text = _PART_LINE_RE.sub(lambda m: m.group(1).strip(), text)
    first = next((m.group().strip() for m in _SENTENCE_RE.finditer(text) if m.group().strip()), "")
    first = _LEADING_FILLER.sub("", first).strip(" ?.!:,;")
    words = first.split()
    return " ".join(words[:max_words])


def split_parts(prompt: str) -> tuple[str, ...]:
    """Separate questions or numbered items; a strong answer covers each one."""
    items = [m.group(1).strip() for m in _PART_LINE_RE.finditer(prompt)]
    if len(items) >= 2:
        return tuple(items[:MAX_PARTS])
    # Each "?" closes a question that starts after the previous "?" or line break.
    questions = [q.rsplit("\n", 1)[-1].strip() + "?" for q in prompt.split("?")[:-1]]
    questions = [q for q in questions if len(q.split()) >= 3]
    if len(questions) >= 2:
        return tuple(questions[:MAX_PARTS])
    return (prompt.strip(),)


def detect_language(low: str) -> str:
    for language, needles in _LANGUAGES:
        if _has_any(low, needles):
            return language
    return "python"


def analyze_prompt(prompt: str) -> PromptProfile:
    words = len(_WORD_RE.findall(prompt))
    prompt = prompt[:ANALYSIS_CHARS]
    low = " ".join(prompt.lower().split())
    parts = split_parts(prompt)
    wants_code = _has_any(low, _CODE_ASKS) or (_has_any(low, ("code",)) and "explain" not in low)
    has_code = bool(_CODE_PRESENT_RE.search(prompt))

    difficulty = BASE_DIFFICULTY
    difficulty += sum(HARD_MARKER_WEIGHT for needles in _HARD_MARKERS.values() if _has_any(low, needles))
    difficulty += LENGTH_WEIGHT_MAX * min(1.0, words / LENGTH_SATURATION_WORDS)
    difficulty += CODE_ASK_WEIGHT if wants_code else 0.0
    difficulty += CODE_PRESENT_WEIGHT if has_code else 0.0
    difficulty += min(PART_WEIGHT_MAX, PART_WEIGHT * (len(parts) - 1))
    if _has_any(low, _EASY_MARKERS):
        difficulty -= EASY_DISCOUNT
    difficulty = round(min(1.0, max(0.0, difficulty)), 4)

    yes_no = _has_any(low, ("yes or no", "true or false"))
    length: Length
    if _has_any(low, ("one word", "single word")):
        length = "word"
    elif yes_no or _has_any(low, _SHORT_MARKERS):
        length = "short"
    elif _has_any(low, _LONG_MARKERS) or words > 80 or len(parts) >= 3 or difficulty >= 0.55:
        length = "long"
    elif words <= 3 or (
        words <= 12 and low.startswith(_FACT_STARTS) and not _has_any(low, ("why", "how does", "explain"))
    ):
        length = "short"
    else:
        length = "medium"

    return PromptProfile(
        difficulty=difficulty,
        length=length,
        yes_no=yes_no,
        wants_code=wants_code,
        language=detect_language(low),
        parts=parts,
        terms=key_terms(prompt),
        subject=subject_of(prompt),
        word_count=words,
    )


def prompt_difficulty(prompt: str) -> float:
    """0 (trivial) .. 1 (hard): length, reasoning/design/debug/multi-step
    vocabulary, code and number of parts."""
    return analyze_prompt(prompt).difficulty
