"""A classifier prompt ("Choose exactly one of: trivial, moderate, complex.
Request: ... Reply with the single word only.") answered with one label.

Detection is generic: an instruction to answer with one of a listed set of
options, however worded ("one of: a, b, c", "Choose from a, b or c",
"Answer with one word: a, b or c", "Categories: a | b | c", "classify it as
a, b or c", a bulleted list after "one of:"), in a prompt that asks for a
bare label or embeds the request to label.

Labels that form an ordered scale (trivial/easy/low ... moderate/medium ...
complex/hard/expert, numbered tiers, or catalog model names ordered by
quality) get the embedded request's difficulty from prompt.py mapped onto
them; any other labels are matched against the request's topic and task
words (code, math, creative, chat, ...). A weaker model perceives the
difficulty with more noise and more often lapses into a random label.
"""

from __future__ import annotations

import bisect
import random
import re
from dataclasses import dataclass
from functools import lru_cache

from playground.sim.content.odds import label_noise, lapse_probability, normal_cdf, stable_seed
from playground.sim.content.prompt import analyze_prompt
from playground.sim.content.reply import Reply
from playground.sim.content.sections import (
    DISCURSIVE_RE,
    TERSE_RE,
    bounded,
    remaining_request,
    request_section,
    split_trailing_instructions,
)
from playground.sim.content.tables import toml_table

_TABLES = toml_table("labels.toml")
MAX_LABELS = 12
_MAX_LABEL_WORDS = 3
_HEAD_TAIL_CHARS = 4000

_KINDS = r"(?:labels?|categories|category|classes|class|options|choices|words|values|tags|buckets|levels|tiers)"
# (pattern, how it counts as an instruction): "list" - listing the options
# this way is itself an instruction; "imperative" - only when the verb opens
# a sentence ("Choose from a, b or c." but not "Should I choose between a or
# b?"); "context" - only with other classifier wording around it.
_LIST_INTRO_RES = tuple(
    (re.compile(pattern, re.IGNORECASE), how)
    for pattern, how in zip((
        rf"\bone of(?: the(?: following)?)?(?: {_KINDS})?[ \t]*:[ \t]*",
        rf"\b(?:choose|pick|select|reply with|answer with|respond with|output|return|say|use|give)\b[^.:\n]{{0,40}}?"
        rf"\bone of(?: the(?: following)?)?(?: {_KINDS})?[ \t]*(?:[-–—][ \t]*)?",
        rf"\b(?:choose|pick|select)[ \t]+(?:from|between|among)(?: the(?: following)?)?(?: {_KINDS})?[ \t]*"
        rf"(?::[ \t]*|[-–—][ \t]*)?",
        r"\b(?:answer|reply|respond)[ \t]+with[ \t]+(?:one|a single|exactly one|only one|just one)[ \t]+"
        r"(?:word|label|category|option|class)(?:[ \t]+only)?[ \t]*[:\-–—][ \t]*",
        rf"\b{_KINDS}[ \t]*(?:are|is)?[ \t]*:[ \t]*",
        r"\b(?:classify|categori[sz]e|label|tag)\b[^.\n]{0,80}?\bas[ \t]+(?:either[ \t]+|one of[ \t]+)?",
        r"\b(?:answer|reply|respond|output)[ \t]+(?:with[ \t]+)?(?:either[ \t]+)?(?:the word[ \t]+)?",
    ), ("list", "list", "imperative", "list", "context", "context", "imperative"), strict=False)
)
_ORDERLESS_INTRO = len(_LIST_INTRO_RES) - 1  # "Reply with easy or hard": needs a short "or" list
_CONTEXT_RE = re.compile(
    r"\b(?:single word|one word|only|exactly one|just (?:the|one)|label|category|categories|classify|categori[sz]e"
    r"|nothing else|class)\b",
    re.IGNORECASE,
)
_ITEM_SPLIT_RE = re.compile(r"\s*(?:,|/|\||;|\bor\b|\band\b)\s*", re.IGNORECASE)
_ITEM_RE = re.compile(r"^[\w][\w .+#'-]*$")
_BULLET_RE = re.compile(r"^[ \t]*(?:[-*•]|\d+[.)])[ \t]+(.+?)[ \t]*$")
_QUOTED_RE = re.compile(r'"([^"\n]{1,30})"|“([^”\n]{1,30})”|`([^`\n]{1,30})`|\'([^\'\n]{1,30})\'')
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:\n])[\s*_>-]*(?:please[ \t]+|now[ \t]+|then[ \t]+)?$", re.IGNORECASE)
_LIST_STOP_RE = re.compile(r"[.?!:\n]|\s[-–—]\s|\(")
_NOT_LABELS = frozenset(_TABLES["not_labels"])


@dataclass(frozen=True, slots=True)
class LabelTask:
    labels: tuple[str, ...]
    request: str
    terse: bool
    loose: bool = False  # listed in passing ("Answer yes or no."), not as a set of labels


# --- finding the labels ----------------------------------------------------------------


def _clean_item(item: str) -> str:
    item = item.strip().strip("\"'`*[](){}<>“”‘’").strip()
    item = re.sub(r"^(?:either|the word|the label)\s+", "", item, flags=re.IGNORECASE)
    return item.rstrip(".,;:!?").strip()


def _parse_items(raw: str) -> list[str] | None:
    quoted = ["".join(groups) for groups in _QUOTED_RE.findall(raw)]
    if len(quoted) >= 2:
        raw = ", ".join(quoted)
    items = [_clean_item(i) for i in _ITEM_SPLIT_RE.split(raw)]
    items = [i for i in items if i]
    if not 2 <= len(items) <= MAX_LABELS:
        return None
    if len({i.lower() for i in items}) != len(items):
        return None
    for item in items:
        if len(item) > 30 or len(item.split()) > _MAX_LABEL_WORDS or not _ITEM_RE.match(item):
            return None
        if item.lower() in _NOT_LABELS:
            return None
    return items


def _list_after(text: str, position: int) -> tuple[list[str], int] | None:
    """The options starting at `position`: an inline list up to the end of
    the sentence, or a bulleted list on the following lines."""
    rest = text[position : position + 600]
    if rest.startswith("\n") or rest.strip() == "" or re.match(r"[ \t]*\n", rest):
        items: list[str] = []
        end = position
        for line in rest.lstrip(" \t").split("\n")[1 if rest.lstrip(" \t").startswith("\n") else 0 :]:
            if not line.strip():
                if items:
                    break
                end += 1
                continue
            bullet = _BULLET_RE.match(line)
            if bullet is None:
                break
            items.append(_clean_item(bullet.group(1).split(":")[0].split(" - ")[0]))
        parsed = _parse_items(", ".join(items)) if len(items) >= 2 else None
        return (parsed, position + len(rest)) if parsed else None
    stop = _LIST_STOP_RE.search(_QUOTED_RE.sub(lambda m: "x" * len(m.group()), rest))
    raw = rest[: stop.start()] if stop else rest
    parsed = _parse_items(raw)
    return (parsed, position + len(raw)) if parsed else None


def find_labels(text: str) -> tuple[tuple[str, ...], int, int, str] | None:
    """The listed options, the span of the instruction that lists them, and
    how that instruction counts (see `_LIST_INTRO_RES`)."""
    for index, (intro, how) in enumerate(_LIST_INTRO_RES):
        for match in intro.finditer(text):
            found = _list_after(text, match.end())
            if found is None:
                continue
            items, end = found
            if index == _ORDERLESS_INTRO and (len(items) > 4 or not re.search(
                    r"\bor\b|/", text[match.end() : end], re.IGNORECASE) or any(" " in i for i in items)):
                continue
            if how == "imperative" and _SENTENCE_START_RE.search(text, 0, match.start()) is None:
                how = "context"
            sentence_start = max(text.rfind(".", 0, match.start()), text.rfind("\n", 0, match.start())) + 1
            if index == _ORDERLESS_INTRO:
                how += "+loose"
            return tuple(items), sentence_start, end, how
    return None


def find_label_task(prompt: str) -> LabelTask | None:
    """The classification a prompt asks for, or None if it asks for none."""
    text = bounded(prompt)
    section = request_section(text)
    if section is not None:
        request, start, end = section
        found = find_labels(_head_tail(text[:start] + "\n" + text[end:]))
    else:
        request = ""
        found = find_labels(_head_tail(text))
    if found is None:
        return None
    labels, list_start, list_end, how = found
    if section is not None:
        instructions = _head_tail(text[: section[1]] + "\n" + text[section[2] :])
    else:
        # Without a marked request, the instruction is the paragraph listing
        # the labels plus any closing instruction, not the request around it.
        head = _head_tail(text)
        start = head.rfind("\n\n", 0, list_start) + 1
        end = head.find("\n\n", list_end)
        instructions = head[start : end if end >= 0 else len(head)] + "\n" + split_trailing_instructions(head)[1]
    terse = bool(TERSE_RE.search(instructions))
    if section is None and not terse:
        if DISCURSIVE_RE.search(instructions):
            return None  # "Classify these as a or b and explain why" wants prose
        if how.startswith("context") and not _CONTEXT_RE.search(instructions):
            return None
    if section is None:
        head = _head_tail(text)
        request = remaining_request(head, [(list_start, list_end)])
    return LabelTask(labels, request, terse, how.endswith("+loose"))


def _head_tail(text: str) -> str:
    if len(text) <= 2 * _HEAD_TAIL_CHARS:
        return text
    return text[:_HEAD_TAIL_CHARS] + "\n\n" + text[-_HEAD_TAIL_CHARS:]


# --- ordered scales ---------------------------------------------------------------------

_SCALE_VALUES: dict[str, float] = _TABLES["scale_values"]
_MODIFIERS: dict[str, float] = _TABLES["scale_modifiers"]
# Effective difficulty -> position on a scale: piecewise linear through
# these points, so that with three labels the cuts fall at 0.12 and 0.45.
_CURVE_X = (0.0, 0.12, 0.45, 1.0)
_CURVE_Y = (0.0, 1 / 3, 2 / 3, 1.0)
_LENGTH_BUMP = {"word": 0.0, "short": 0.0, "medium": 0.04, "long": 0.1}


def _scale_value(label: str) -> float | None:
    words = re.split(r"[\s_-]+", label.lower().strip())
    if not words or not words[-1]:
        return None
    base = _SCALE_VALUES.get(words[-1])
    if base is None:
        return None
    for word in words[:-1]:
        shift = _MODIFIERS.get(word)
        if shift is None:
            return None
        base += shift if base >= 2.0 else -shift
    return base


@lru_cache(maxsize=1)
def _model_qualities() -> dict[str, float]:
    from playground.core.catalog import default_catalog

    qualities: dict[str, float] = {}
    for model in default_catalog().models.values():
        qualities[model.id.lower()] = model.sim.quality
        qualities[model.sim_name.lower()] = model.sim.quality
    return qualities


def scale_order(labels: tuple[str, ...]) -> tuple[float, ...] | None:
    """A rank per label if the labels form an ordered scale, else None."""
    values = [_scale_value(label) for label in labels]
    if all(v is not None for v in values):
        ranks = tuple(v for v in values if v is not None)
        return ranks if len(set(ranks)) == len(ranks) else None
    numbered = [re.fullmatch(r"(.*?)[\s_-]*(\d{1,3})", label.lower()) for label in labels]
    if all(numbered) and len({m.group(1) for m in numbered if m}) == 1:
        ranks = tuple(float(m.group(2)) for m in numbered if m)
        return ranks if len(set(ranks)) == len(ranks) else None
    qualities = _model_qualities()
    if all(label.lower() in qualities for label in labels):
        ranks = tuple(qualities[label.lower()] for label in labels)
        return ranks if len(set(ranks)) == len(ranks) else None
    return None


def scale_position(request: str) -> float:
    """Where a request sits on a difficulty scale, 0 (trivial) .. 1 (hard)."""
    profile = analyze_prompt(request)
    effective = min(1.0, profile.difficulty + _LENGTH_BUMP[profile.length])
    index = bisect.bisect_right(_CURVE_X, effective) - 1
    if index >= len(_CURVE_X) - 1:
        return 1.0
    x0, x1, y0, y1 = _CURVE_X[index], _CURVE_X[index + 1], _CURVE_Y[index], _CURVE_Y[index + 1]
    return y0 + (y1 - y0) * (effective - x0) / (x1 - x0)


def _bin(position: float, count: int) -> int:
    return min(count - 1, max(0, int(position * count)))


# --- topics ---------------------------------------------------------------------------------

# group: (label words, request keywords and phrases)
_TOPICS: dict[str, tuple[list[str], list[str]]] = {
    group: (entry["label_words"], entry["keywords"]) for group, entry in _TABLES["topics"].items()
}
# A label's topic also takes half credit from closely related topics, for
# label sets that lack them ("code" for a system-design question).
_RELATED: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _TABLES["related_topics"].items()}
_CATCH_ALL = frozenset(_TABLES["catch_all"])


@lru_cache(maxsize=1)
def _topic_index() -> tuple[dict[str, str], dict[str, re.Pattern[str]]]:
    by_label_word: dict[str, str] = {}
    patterns: dict[str, re.Pattern[str]] = {}
    for group, (label_words, keywords) in _TOPICS.items():
        for word in label_words:
            by_label_word.setdefault(word, group)
        phrases = sorted(set(keywords) | {w.replace("_", " ") for w in label_words}, key=len, reverse=True)
        alternatives = "|".join(re.escape(p) for p in phrases)
        patterns[group] = re.compile(r"(?<![\w])(" + alternatives + r")(?:s|es|ing|ed|er|ers)?(?![\w])")
    return by_label_word, patterns


def _label_group(label: str) -> str | None:
    by_word, _ = _topic_index()
    low = label.lower().replace("-", "_")
    for candidate in (low, low.replace(" ", "_"), low.rstrip("s"), re.sub(r"(ing|ion|ions)$", "", low)):
        if candidate in by_word:
            return by_word[candidate]
    for word in re.split(r"[\s_]+", low):
        if word in by_word:
            return by_word[word]
    return None


def topic_scores(labels: tuple[str, ...], request: str) -> list[float]:
    """How strongly the request is about each label's topic."""
    _, patterns = _topic_index()
    low = request.lower()[:20_000]
    scores: list[float] = []
    for label in labels:
        group = _label_group(label)
        hits: set[str] = set()
        if group is not None:
            hits = {m.group(1) for m in patterns[group].finditer(low)}
        own = re.escape(label.lower())
        if re.search(rf"(?<![\w]){own}(?![\w])", low):
            hits.add(label.lower())
        score = float(len(hits))
        for related in _RELATED.get(group or "", ()):
            score += 0.5 * len({m.group(1) for m in patterns[related].finditer(low)})
        if group == "code" and ("```" in request or re.search(r"[;{}]\s*$|\bdef |\breturn\b", request, re.M)):
            score += 2
        if group == "math" and re.search(r"\d\s*[-+*/^×÷]\s*\d|\d\s*%|[a-z]\^\d", request):
            score += 2
        scores.append(score)
    return scores


# --- the reply ---------------------------------------------------------------------------------


def ideal_label(task: LabelTask) -> tuple[int, float, float | None]:
    """The index of the right label, the request's scale position (or its
    best topic score), and the distance to the nearest scale cut (None for
    topics)."""
    ranks = scale_order(task.labels)
    if ranks is not None:
        order = sorted(range(len(task.labels)), key=lambda i: ranks[i])
        position = scale_position(task.request)
        slot = _bin(position, len(order))
        cuts = [k / len(order) for k in range(1, len(order))]
        distance = min((abs(position - c) for c in cuts), default=1.0)
        return order[slot], position, distance
    scores = topic_scores(task.labels, task.request)
    best = max(scores)
    if best > 0:
        return scores.index(best), best, None
    for index, label in enumerate(task.labels):
        if label.lower() in _CATCH_ALL or _label_group(label) == "chat":
            return index, 0.0, None
    return int(stable_seed("label", task.request, *task.labels) % len(task.labels)), 0.0, None


def label_reply(model: str, quality: float, prompt: str, task: LabelTask) -> Reply:
    rng = random.Random(stable_seed("classify", model, prompt))
    ideal, position, distance = ideal_label(task)
    ranks = scale_order(task.labels)
    p_lapse = lapse_probability(quality)
    sigma = label_noise(quality)
    if ranks is not None:
        order = sorted(range(len(task.labels)), key=lambda i: ranks[i])
        perceived = position + rng.gauss(0.0, sigma)
        choice = order[_bin(perceived, len(order))]
    else:
        choice = ideal
    if rng.random() < p_lapse:  # a slip: some other label
        choice = (choice + 1 + rng.randrange(len(task.labels) - 1)) % len(task.labels)
    boundary = 0.0 if distance is None or sigma == 0 else 1.0 - normal_cdf(distance / sigma)
    uncertainty = min(1.0, p_lapse + boundary)
    label = task.labels[choice]
    if quality < 0.6 and rng.random() < 0.3:  # a small model's looser format; still the label word
        label = (label[:1].upper() + label[1:] if label.isalpha() else label) + "."
    return Reply(label, "label", False, choice != ideal, uncertainty, 0.1)
