"""Simulated answers: deterministic, readable markdown that echoes the prompt,
sized to what it asks for, and weaker on hard prompts for weaker models.
Prompts that ask for a specific reply (a judge's pick or score, a
classifier's label, a short fact) get one instead (see instructions.py).

The point is that routing choices visibly matter: a small model hedges or
misses parts of hard prompts far more often than a flagship does, while easy
prompts come out fine from any model. Pure and fast (no I/O, no tokenizer):
evaluation replays call it many times. Truncation to `max_tokens` is the
server's job, exactly as with a real model.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from playground.core.catalog import ModelSpec
from playground.sim.content.instructions import respond
from playground.sim.content.odds import HEDGE_OFFSET, HEDGE_SLOPE, hedge_probability, stable_seed
from playground.sim.content.prompt import STOPWORDS, PromptProfile, analyze_prompt, subject_of
from playground.sim.content.tables import toml_table

__all__ = ["HEDGE_OFFSET", "HEDGE_SLOPE", "SimAnswer", "answer_for", "compose_answer", "hedge_probability",
           "stable_seed"]

_PHRASES = toml_table("answer_phrases.toml")
_WORD_TARGETS = {"short": (14, 40), "medium": (110, 240), "long": (380, 650)}
_WEAK_SHARE = (0.35, 0.55)
_FALLBACK_TERMS: tuple[str, ...] = tuple(_PHRASES["fallback_terms"])

_INTROS: tuple[str, ...] = tuple(_PHRASES["intros"])
_BODY: tuple[str, ...] = tuple(_PHRASES["body"])
_BULLETS: tuple[str, ...] = tuple(_PHRASES["bullets"])
_SECTIONS: tuple[str, ...] = tuple(_PHRASES["sections"])
_CLOSINGS: tuple[str, ...] = tuple(_PHRASES["closings"])
_SHORT: tuple[str, ...] = tuple(_PHRASES["short"])
_YES: tuple[str, ...] = tuple(_PHRASES["yes"])
_NO: tuple[str, ...] = tuple(_PHRASES["no"])
_HEDGE_OPENERS: tuple[str, ...] = tuple(_PHRASES["hedge_openers"])
_WEAK_BODY: tuple[str, ...] = tuple(_PHRASES["weak_body"])
_WEAK_BULLETS: tuple[str, ...] = tuple(_PHRASES["weak_bullets"])
_WEAK_CLOSINGS: tuple[str, ...] = tuple(_PHRASES["weak_closings"])


@dataclass(frozen=True, slots=True)
class SimAnswer:
    text: str
    hedged: bool
    difficulty: float
    # How unsure the model is: the chance it hedges (prose) or slips
    # (instruction replies). Drives the logprobs' confidence.
    hedge_probability: float
    wrong: bool = False  # an instruction reply that is wrong: a wrong fact, label, pick or score
    kind: str = "prose"  # or "judge_best", "judge_score", "label", "fact"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


_SKIP_IN_NAMES = STOPWORDS | {"python", "javascript", "typescript", "rust", "go", "golang", "sql", "bash", "shell"}


def _identifier(terms: tuple[str, ...], style: str) -> str:
    words = [w for t in terms for w in re.split(r"[\W_]+", t.lower()) if w and w not in _SKIP_IN_NAMES]
    words = words[:3] or ["solve"]
    if words[0][0].isdigit():
        words.insert(0, "do")
    if style == "camel":
        return words[0] + "".join(w.capitalize() for w in words[1:])
    return "_".join(words)


_CODE_TEMPLATES: dict[str, str] = _PHRASES["code_templates"]
_WEAK_CODE_LINES: dict[str, str] = _PHRASES["weak_code_lines"]


class _Writer:
    """Assembles one answer from the sentence banks with a seeded RNG."""

    def __init__(self, rng: random.Random, profile: PromptProfile, weak: bool) -> None:
        self.rng = rng
        self.profile = profile
        self.weak = weak
        terms = tuple(t for t in profile.terms if t)
        self.terms = terms if len(terms) >= 2 else terms + _FALLBACK_TERMS[: 2 - len(terms)]
        self._turn = 0
        self._decks: dict[int, list[str]] = {}

    def _pair(self) -> tuple[str, str]:
        n = len(self.terms)
        a = self.terms[self._turn % n]
        b = self.terms[(self._turn + 1 + self.rng.randrange(max(1, n - 1))) % n]
        if b == a:
            b = self.terms[(self._turn + 1) % n]
        self._turn += 1
        return a, b

    def fill(self, bank: tuple[str, ...]) -> str:
        """The next sentence from `bank`, cycling through it in shuffled order
        so that long answers do not repeat one sentence back to back."""
        deck = self._decks.get(id(bank))
        if not deck:
            deck = list(bank)
            self.rng.shuffle(deck)
            self._decks[id(bank)] = deck
        template = deck.pop()
        a, b = self._pair()
        return template.format(a=a, b=b, A=_cap(a))

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.fill(_BODY) for _ in range(sentences))

    def bullets(self, count: int, bank: tuple[str, ...] = _BULLETS) -> str:
        return "\n".join("- " + self.fill(bank) for _ in range(count))

    def code_block(self) -> str:
        language = self.profile.language
        camel = _identifier(self.terms, "camel")
        doc = _cap(self.profile.subject or " ".join(self.terms[:2])).rstrip(".") + "."
        fields = {
            "snake": _identifier(self.terms, "snake"),
            "camel": camel,
            "camel_cap": _cap(camel),
            "doc": doc,
            "doc_lower": doc[:1].lower() + doc[1:],
        }
        fields.update({k: (v if self.weak else "") for k, v in _WEAK_CODE_LINES.items()})
        return f"```{language}\n{_CODE_TEMPLATES[language].format(**fields)}```"


def _words(text: str) -> int:
    return len(text.split())


def _strong(w: _Writer, target: int) -> str:
    p = w.profile
    if p.length == "word":
        return _cap(w.terms[0]) + "."
    if p.length == "short":
        text = w.fill(_YES if w.rng.random() < 0.6 else _NO) if p.yes_no else w.fill(_SHORT)
        if p.wants_code:
            text += "\n\n" + w.code_block()
        return text

    blocks = [w.fill(_INTROS) + " " + w.paragraph(w.rng.randint(1, 2))]
    if p.length == "medium":
        if p.wants_code:
            blocks.append(w.code_block())
        blocks.append(w.bullets(w.rng.randint(3, 5)))
        while sum(map(_words, blocks)) < target - 25:
            blocks.append(w.paragraph(w.rng.randint(2, 3)))
        blocks.append(w.fill(_CLOSINGS))
        return "\n\n".join(blocks)

    blocks.insert(0, "## " + _cap(p.subject or w.terms[0]))
    if len(p.parts) > 1:
        titles = [f"{i}. {_cap(subject_of(part, 6) or part[:40])}" for i, part in enumerate(p.parts, 1)]
    else:
        titles = w.rng.sample(_SECTIONS, k=w.rng.randint(3, 4))
    per_section = max(40, (target - 60) // len(titles))
    for index, title in enumerate(titles):
        section = [f"### {title}", w.paragraph(w.rng.randint(2, 3))]
        if p.wants_code and index == 0:
            section.append(w.code_block())
        while sum(map(_words, section)) < per_section:
            section.append(w.bullets(w.rng.randint(2, 4)) if w.rng.random() < 0.5 else w.paragraph(2))
        blocks.append("\n\n".join(section))
    blocks.append("### Summary\n\n" + w.fill(_CLOSINGS))
    return "\n\n".join(blocks)


def _weak(w: _Writer, target: int) -> str:
    """Hedging, shallow, and only about the first part of the prompt."""
    p = w.profile
    opener = w.rng.choice(_HEDGE_OPENERS)
    if p.length == "word":
        return f"Probably {w.terms[0]}?"
    if p.yes_no:
        return f"{opener} probably {'yes' if w.rng.random() < 0.5 else 'no'}; " + w.fill(_WEAK_BODY)
    first = w.fill(_WEAK_BODY)
    blocks = [f"{opener} {first}"]
    if p.length == "short":
        return blocks[0]
    budget = max(30, int(target * w.rng.uniform(*_WEAK_SHARE)))
    if p.wants_code:
        blocks.append(w.code_block())
    blocks.append(w.bullets(w.rng.randint(2, 3), _WEAK_BULLETS))
    while sum(map(_words, blocks)) < budget - 20:
        blocks.append(_cap(w.fill(_WEAK_BODY)) + " " + w.fill(_BODY))
    blocks.append(w.rng.choice(_WEAK_CLOSINGS))
    return "\n\n".join(blocks)


def compose_answer(model: str, quality: float, prompt: str) -> SimAnswer:
    """The answer `model` (of simulated `quality` 0..1) gives to `prompt`;
    the same inputs always give the same answer."""
    reply = respond(model, quality, prompt)
    if reply is not None:
        return SimAnswer(reply.text, reply.hedged, reply.difficulty, reply.uncertainty, reply.wrong, reply.kind)
    profile = analyze_prompt(prompt)
    difficulty = profile.difficulty
    rng = random.Random(stable_seed(model, prompt))
    p_hedge = hedge_probability(difficulty, quality)
    hedged = rng.random() < p_hedge
    if hedged and len(profile.parts) > 1:
        # A weak answer only looks at the first part of a multi-part prompt.
        profile = analyze_prompt(profile.parts[0])
    low, high = _WORD_TARGETS.get(profile.length, (1, 1))
    target = rng.randint(low, high)
    writer = _Writer(rng, profile, weak=hedged)
    text = _weak(writer, target) if hedged else _strong(writer, target)
    return SimAnswer(text=text, hedged=hedged, difficulty=difficulty, hedge_probability=p_hedge)


def answer_for(model: ModelSpec, prompt: str) -> SimAnswer:
    """`compose_answer` for a catalog model, using its simulated quality."""
    return compose_answer(model.id, model.sim.quality, prompt)
