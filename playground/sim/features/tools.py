"""Tool calls a simulated model makes, and its answer once the results are
back.

Which tools: `tool_choice` decides first (none: no call; a named function:
that one; required / Anthropic's "any": at least one). Otherwise ("auto")
the model calls the tools whose name and description share content words
with the prompt, the best match first, and answers in text when none does.
With parallel calls allowed (and supported by the model) it calls every
matching tool, up to `MAX_PARALLEL`; otherwise only the best one.
Arguments are built from each tool's JSON Schema (`schema_values`), with
the prompt's key terms as string values, so "weather in Paris" calls
`get_weather({"location": "Paris"})`. Everything is a pure function of the
request: the same request gets the same calls and the same call ids.
"""

from __future__ import annotations

import json
import re

from playground.sim.content.embeddings import stem
from playground.sim.content.odds import stable_seed
from playground.sim.content.prompt import STOPWORDS, key_terms
from playground.sim.features.schema_values import Hints, generate
from playground.sim.features.types import ToolCall, ToolChoice, ToolResult, ToolSpec

MAX_PARALLEL = 4
RESULT_CHARS = 300  # how much of each tool result the answer quotes
_WORD_RE = re.compile(r"[A-Za-z][a-z]+|[A-Z]+(?![a-z])|\d+")
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def plan_calls(
    tools: tuple[ToolSpec, ...],
    choice: ToolChoice,
    parallel: bool,
    prompt: str,
    *,
    id_prefix: str,
    answered: bool = False,
) -> tuple[ToolCall, ...]:
    """The calls for this turn (empty: answer in text). `answered`: the
    request already carries tool results, so "auto" answers in text."""
    if not tools or choice.mode == "none" or (answered and choice.mode == "auto"):
        return ()
    if choice.mode == "named":
        chosen = [t for t in tools if t.name == choice.name][:1]
    else:
        ranked = _ranked(tools, prompt)
        if not ranked and choice.mode == "auto":
            return ()
        chosen = ranked or [tools[0]]
        chosen = chosen[:MAX_PARALLEL] if parallel else chosen[:1]
    terms = key_terms(prompt)
    return tuple(
        ToolCall(_call_id(id_prefix, prompt, index, tool.name), tool.name,
                 json.dumps(generate(tool.parameters, Hints(terms=terms)), ensure_ascii=False))
        for index, tool in enumerate(chosen)
    )


def _ranked(tools: tuple[ToolSpec, ...], prompt: str) -> list[ToolSpec]:
    wanted = _stems(prompt)
    scored = [(len(_stems(f"{t.name} {t.description}") & wanted), i, t) for i, t in enumerate(tools)]
    return [t for score, _, t in sorted(scored, key=lambda s: (-s[0], s[1])) if score > 0]


def _stems(text: str) -> set[str]:
    """Content-word stems; identifiers split at `_`, `-` and camelCase."""
    words = (w.lower() for w in _WORD_RE.findall(text[:20_000]))
    return {stem(w) for w in words if len(w) >= 3 and w not in STOPWORDS and w not in {"get", "set", "the"}}


def _call_id(prefix: str, prompt: str, index: int, name: str) -> str:
    number = stable_seed("tool-call", prompt, str(index), name)
    chars = []
    for _ in range(24):
        number, digit = divmod(number, len(_ID_ALPHABET))
        chars.append(_ID_ALPHABET[digit])
        if number == 0:
            number = stable_seed("tool-call", prompt, str(index), name, str(len(chars)))
    return prefix + "".join(chars)


def results_text(results: tuple[ToolResult, ...]) -> str:
    """The sentence an answer built on tool results opens with."""
    parts = []
    for result in results:
        who = f"`{result.name}`" if result.name else "the tool"
        content = " ".join(result.content.split())
        if len(content) > RESULT_CHARS:
            content = content[: RESULT_CHARS - 1] + "…"
        verb = "reported an error" if result.is_error else "returned"
        parts.append(f"{who} {verb}: {content or '(nothing)'}")
    return "Based on the tool results — " + "; ".join(parts) + "."
