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

__all__ = ["HEDGE_OFFSET", "HEDGE_SLOPE", "SimAnswer", "answer_for", "compose_answer", "hedge_probability",
           "stable_seed"]

_WORD_TARGETS = {"short": (14, 40), "medium": (110, 240), "long": (380, 650)}
_WEAK_SHARE = (0.35, 0.55)
_FALLBACK_TERMS = ("the problem", "the context", "the constraints")

_INTROS = (
    "Here is a clear way to think about {a}.",
    "Good question. The short version is that it mostly comes down to {a}, with {b} close behind.",
    "The key to this is {a}; once that is clear, {b} follows naturally.",
    "Let's start with {a}, because most of what happens with {b} follows from it.",
    "There are a few moving parts here, but {a} and {b} are the ones that matter most.",
)
_BODY = (
    "{A} matters because it sets the constraints everything else has to respect.",
    "In practice, {a} and {b} pull in different directions, so the right balance depends on your workload.",
    "A common mistake is to tune {a} in isolation; measuring it together with {b} gives a truer picture.",
    "Most real systems handle {a} incrementally: start simple, measure, then refine.",
    "The cost of getting {a} wrong usually shows up later, as surprising behaviour in {b}.",
    "It helps to write down your assumptions about {a} before changing anything.",
    "{A} is easiest to reason about with a small, concrete example, so keep one at hand.",
    "When {a} grows, {b} tends to become the bottleneck, which is why it deserves attention early.",
    "Think of {a} as the contract and {b} as the implementation detail that honours it.",
    "If you can observe {a} directly, do; guessing about it is how subtle bugs survive.",
    "The simplest correct treatment of {a} is usually the right first step.",
    "Keep {a} and {b} loosely coupled so that you can change one without rewriting the other.",
    "Edge cases around {a} (empty input, very large input, concurrent access) are where designs break.",
    "{A} is not free: every layer you add to manage it costs latency and attention.",
    "A useful check is to ask what happens to {b} if {a} doubles overnight.",
    "Documentation on {a} tends to lag behind practice, so verify claims with a quick experiment.",
)
_BULLETS = (
    "**{A}**: define it precisely and check the edge cases.",
    "**{A}**: it is the main driver of cost and latency here.",
    "**{A} vs. {b}**: choose based on what you can measure, not on intuition.",
    "**Testing**: cover {a} with a few small, deterministic cases.",
    "**Failure modes**: consider what happens to {a} when inputs are empty, huge or malformed.",
    "**Performance**: {a} is usually cheap; {b} is where the time goes.",
    "**Simplicity**: keep the plain approach to {a} until a measurement says otherwise.",
    "**Observability**: log enough about {a} to explain surprises in {b}.",
    "**Trade-off**: more {a} buys robustness at the price of complexity in {b}.",
    "**Next step**: prototype {a} on a small example before scaling up.",
)
_SECTIONS = ("How it works", "Key trade-offs", "Common pitfalls", "A worked example", "When to use it",
             "Step by step", "What to measure")
_CLOSINGS = (
    "In short: get {a} right first and let {b} follow from it.",
    "That covers the essentials; the finer points of {b} are worth revisiting once the basics work.",
    "Start with the simplest version, measure it, and iterate from there.",
    "If you keep {a} explicit and measurable, the rest of the design stays manageable.",
)
_SHORT = (
    "{A} — in short, it is the part that decides the outcome here, with {b} as the main detail.",
    "It comes down to {a}; {b} only matters at the margins.",
    "Briefly: {a} is the key point, and {b} is the detail worth checking.",
)
_YES = ("Yes. {A} works that way in most cases, provided {b} is set up as expected.",
        "Yes — as long as {a} holds, {b} behaves as you describe.")
_NO = ("No. {A} does not behave like that; {b} is what actually determines the result.",
       "No — {a} alone is not enough; {b} changes the picture.")
_HEDGE_OPENERS = ("I'm not entirely sure, but", "I might be wrong here, but", "I'm not completely certain, but I think",
                  "This is only a rough guess, but")
_WEAK_BODY = (
    "it probably has something to do with {a}.",
    "{a} is likely involved in some way, although the details depend on the situation.",
    "there are several possible approaches and it is hard to say which is best without more context.",
    "{a} and {b} might interact here, but I can't say exactly how.",
    "it depends on a lot of factors, {a} being one of them.",
)
_WEAK_BULLETS = ("Look into {a}.", "Maybe check {b} as well.", "Try a few variations and see what works.",
                 "Consider the usual best practices for {a}.")
_WEAK_CLOSINGS = ("You may want to double-check this against a more reliable source.",
                  "I may be missing part of the question, so treat this as a starting point.",
                  "Hopefully that helps a little, but please verify it.")


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


_CODE_TEMPLATES = {
    "python": '''def {snake}(items):
    """{doc}"""
    if not items:
        return []
    result = []
    for item in items:
        if item is not None:
            result.append(item)
{weak_py}    return result
''',
    "javascript": '''function {camel}(items) {{
  // {doc}
  if (!items || items.length === 0) return [];
  const result = [];
  for (const item of items) {{
    if (item != null) result.push(item);
  }}
{weak_js}  return result;
}}
''',
    "typescript": '''export function {camel}<T>(items: T[]): T[] {{
  // {doc}
  if (items.length === 0) return [];
  const result: T[] = [];
  for (const item of items) {{
    if (item != null) result.push(item);
  }}
{weak_js}  return result;
}}
''',
    "rust": '''/// {doc}
pub fn {snake}<T: Clone>(items: &[T]) -> Vec<T> {{
    let mut result = Vec::with_capacity(items.len());
    for item in items {{
        result.push(item.clone());
    }}
{weak_rs}    result
}}
''',
    "go": '''// {camel_cap} {doc_lower}
func {camel_cap}(items []string) []string {{
	result := make([]string, 0, len(items))
	for _, item := range items {{
		if item != "" {{
			result = append(result, item)
		}}
	}}
{weak_go}	return result
}}
''',
    "sql": '''-- {doc}
SELECT id, name, created_at
FROM {snake}
WHERE created_at >= CURRENT_DATE - INTERVAL '30 days'
{weak_sql}ORDER BY created_at DESC
LIMIT 100;
''',
    "bash": '''#!/usr/bin/env bash
# {doc}
set -euo pipefail

for item in "$@"; do
  if [[ -n "$item" ]]; then
    echo "processing $item"
  fi
done
{weak_sh}''',
}
_WEAK_CODE_LINES = {
    "weak_py": "    # TODO: not sure this handles every case\n",
    "weak_js": "  // TODO: not sure this handles every case\n",
    "weak_rs": "    // TODO: not sure this handles every case\n",
    "weak_go": "\t// TODO: not sure this handles every case\n",
    "weak_sql": "-- TODO: not sure about the filter\n",
    "weak_sh": "# TODO: not sure this handles every case\n",
}


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
