"""Counting questions ("How many r's are in strawberry?") are counted, and
"reply with a number" questions nothing can compute get a number from a
stable hash of their wording."""

from __future__ import annotations

import re

from playground.sim.content.facts.truth import Truth
from playground.sim.content.odds import stable_fraction

_QUOTE = r"[\"'`]?"
_COUNT_KIND_RE = re.compile(
    rf"\bhow many (letters|characters|chars|vowels|consonants|syllables) (?:are )?(?:there )?(?:in|does) (?:the )?"
    rf"(?:word |name |string )?{_QUOTE}([a-z][a-z-]*){_QUOTE}"
)
_COUNT_LETTER_RE = re.compile(
    rf"\bhow many (?:times (?:does|do|is) )?(?:the )?(?:letter |character )?{_QUOTE}([a-z]){_QUOTE}(?:'s|s)?\s+"
    rf"(?:(?:are|is|appear|appears|occur|occurs|there|does|do)\s+)*(?:in|does) (?:the )?(?:word )?{_QUOTE}"
    rf"([a-z][a-z-]*){_QUOTE}"
)
_VOWELS = set("aeiou")


def counting_truth(core: str) -> Truth | None:
    match = _COUNT_LETTER_RE.search(core)
    if match is not None and match.group(2) not in ("the", "a", "an"):
        letter, word = match.group(1), match.group(2)
        count = word.count(letter)
        return Truth("number", str(count), "{v}.", wrongs=count_wrongs(count),
                     difficulty=min(0.8, 0.35 + 0.02 * len(word)))
    match = _COUNT_KIND_RE.search(core)
    if match is None:
        return None
    what, word = match.group(1), match.group(2)
    letters = [c for c in word if c.isalpha()]
    if what == "syllables":
        return None
    if what == "vowels":
        count = sum(c in _VOWELS for c in letters)
    elif what == "consonants":
        count = sum(c not in _VOWELS for c in letters)
    elif what in ("characters", "chars"):
        count = len(word)
    else:
        count = len(letters)
    return Truth("number", str(count), "{v}.", wrongs=count_wrongs(count), difficulty=min(0.6, 0.1 + 0.02 * len(word)))


def count_wrongs(count: int) -> tuple[str, ...]:
    return tuple(str(c) for c in (count - 1, count + 1, count + 2) if c >= 0 and c != count)



def hashed_number(core: str) -> Truth:
    value = 2 + int(stable_fraction("number", core.strip(" ?.!")) * 19)
    return Truth("number", str(value), "{v}.", wrongs=(*count_wrongs(value), str(value + 3)), difficulty=0.3,
                 computed=False, terse=True)

