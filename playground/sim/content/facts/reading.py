"""Reading a short answer back: the value it gives, in its truth's canonical
form, and whether that is right (used by judges and by evaluation)."""

from __future__ import annotations

import math
import re

from playground.sim.content.facts.arithmetic import format_number
from playground.sim.content.facts.truth import Truth, normalize

_FIRST_NUMBER_RE = re.compile(r"-?\d+(?:[.,]\d+)*")
_YES_NO_WORDS = {"yes": "yes", "no": "no", "true": "yes", "false": "no", "yeah": "yes", "nope": "no", "correct": "yes",
                 "incorrect": "no"}


def answer_value(truth: Truth, text: str) -> str | None:
    """The value a short answer gives, in the truth's canonical form
    ("yes" for "Yes — 97 is prime.", "51" for "51."), or None if it gives
    none that can be read."""
    first = next((line for line in text.strip().splitlines() if line.strip()), "")[:300]
    low = normalize(first)
    if truth.kind in ("yes_no", "true_false"):
        for word in re.findall(r"[a-z]+", low)[:6]:
            if word in _YES_NO_WORDS:
                side = _YES_NO_WORDS[word]
                if truth.kind == "true_false":
                    return "true" if side == "yes" else "false"
                return side
        return None
    if truth.kind == "number":
        match = _FIRST_NUMBER_RE.search(low)
        if match is None:
            return None
        raw = match.group().replace(",", "")
        try:
            return format_number(float(raw))
        except ValueError:
            return None
    candidates = (truth.value, *truth.wrongs)
    positions = [(low.find(c.lower()), c) for c in candidates if c and low.find(c.lower()) >= 0]
    if not positions:
        return None
    return min(positions)[1]


def answer_is_right(truth: Truth, text: str) -> bool | None:
    """Whether a short answer gives the truth (None: it gives nothing readable)."""
    value = answer_value(truth, text)
    if value is None:
        return None
    if truth.kind == "number":
        try:
            return math.isclose(float(value), float(truth.value), rel_tol=1e-6, abs_tol=1e-6)
        except ValueError:
            return False
    return value.lower() == truth.value.lower()

