"""The truth a short factual question has: its kind, canonical value, the
sentence its answers are phrased in, and the claims that justify a yes/no."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Kind = Literal["number", "yes_no", "true_false", "word"]

AUX_NEGATIVE = {
    "is": ("it", "is", "isn't"), "are": ("they", "are", "aren't"), "was": ("it", "was", "wasn't"),
    "were": ("they", "were", "weren't"), "does": ("it", "does", "doesn't"), "do": ("they", "do", "don't"),
    "did": ("it", "did", "didn't"), "can": ("it", "can", "can't"), "could": ("it", "could", "couldn't"),
    "will": ("it", "will", "won't"), "would": ("it", "would", "wouldn't"), "should": ("it", "should", "shouldn't"),
    "has": ("it", "has", "hasn't"), "have": ("they", "have", "haven't"), "must": ("it", "must", "mustn't"),
}


@dataclass(frozen=True, slots=True)
class Truth:
    """The answer every model aims at. `value` is canonical ("51", "yes",
    "Paris"); `sentence` phrases any value (`{v}`); a yes/no truth's
    `claims` justify each side ("97 is prime" / "97 is not prime")."""

    kind: Kind
    value: str
    sentence: str = "{v}."
    claims: tuple[tuple[str, str], ...] = ()
    wrongs: tuple[str, ...] = ()  # plausible wrong values, the most tempting first
    difficulty: float = 0.1  # how easily a model slips on it (0..1)
    computed: bool = True  # False: the value comes from a hash of the wording
    terse: bool = False  # the question asks for the bare answer
    aux: str = ""  # yes/no: the question's auxiliary verb ("is", "does"), for "Yes, it is."

    def claim(self, value: str) -> str:
        return dict(self.claims).get(value, "")


def normalize(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def yes_no_word(value: str) -> str:
    """The other side of a yes/no (or true/false) value."""
    return {"yes": "no", "no": "yes", "true": "false", "false": "true"}[value]


def yes_no(yes: bool, yes_claim: str, no_claim: str, difficulty: float, aux: str = "is") -> Truth:
    return Truth("yes_no", "yes" if yes else "no", claims=(("yes", yes_claim), ("no", no_claim)),
                 difficulty=difficulty, aux=aux)


def negate(truth: Truth) -> Truth:
    """The truth of the negated question ("Is 9 not prime?")."""
    return replace(truth, value=yes_no_word(truth.value), claims=tuple((yes_no_word(v), c) for v, c in truth.claims))


def yes_no_sentence(truth: Truth, value: str) -> str:
    """"Yes, it is." for a question answered from its wording alone."""
    subject, positive, negative = AUX_NEGATIVE.get(truth.aux, AUX_NEGATIVE["is"])
    word = "Yes" if value in ("yes", "true") else "No"
    return f"{word}, {subject} {positive if word == 'Yes' else negative}."
