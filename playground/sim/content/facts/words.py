"""One-word questions ("What colour is calm? One word."): an answer drawn
from the category's options in `data/facts.toml` by a stable hash of the
question, else the question's own key term."""

from __future__ import annotations

import re

from playground.sim.content.facts.truth import Truth
from playground.sim.content.odds import stable_fraction
from playground.sim.content.prompt import key_terms
from playground.sim.content.tables import toml_table

_CATEGORY_RES = tuple(
    (re.compile(rf"\b(?:what|which)\b(?: \w+){{0,2}} (?:{c['pattern']})\b|\b(?:{c['pattern']}) (?:is|are|was|does)\b"),
     tuple(c["options"]))
    for c in toml_table("facts.toml")["categories"]
)


def one_word_truth(core: str, prompt: str) -> Truth:
    key = core.strip(" ?.!")
    for pattern, options in _CATEGORY_RES:
        if pattern.search(core):
            index = int(stable_fraction("word", key) * len(options))
            value = options[index]
            wrongs = options[index + 1:] + options[:index]
            return Truth("word", value, "{v}.", wrongs=wrongs[:4], difficulty=0.15, computed=False, terse=True)
    terms = key_terms(prompt) or ("Yes",)
    value = terms[0].split()[0].strip(".,;:!?") or "Yes"
    value = value[:1].upper() + value[1:]
    wrongs = tuple(t.split()[0].capitalize() for t in terms[1:4]) or ("Unclear",)
    return Truth("word", value, "{v}.", wrongs=wrongs, difficulty=0.15, computed=False, terse=True)

