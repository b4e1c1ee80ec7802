"""Quality checks a cascade applies to a tier's answer. Pure functions of the
answer text (and the request); the judge check's score comes from an engine
call and is passed in."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

HEDGING_PHRASES = (
    "i'm not sure", "i am not sure", "i'm not entirely sure", "i cannot", "i can't help", "i don't know",
    "as an ai", "it depends", "i'm unable", "i am unable", "hard to say", "not certain", "might be wrong",
    "rough guess",
)
# Asking for code, not merely talking about software: "debug this race" may want prose.
_CODE_TASK = re.compile(r"```|\b(write|implement|fix|refactor)\b.{0,40}"
                        r"\b(code|function|script|class|query|regex|program)\b|"
                        r"\b(python|javascript|typescript|sql|bash|rust|go) (code|function|script|query)\b", re.I)
_CODE_BLOCK = re.compile(r"```[\s\S]*?```")
_JSON_FENCE = re.compile(r"```(?:json)?\s*([\s\S]*?)```")
CHECK_TYPES = ("min_length", "no_hedging", "code_block", "json", "judge", "confidence")


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    passed: bool | None  # None: not applicable here (skipped)
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.name, "passed": self.passed, "detail": self.detail}


def check_min_length(text: str, chars: int) -> CheckResult:
    size = len(text.strip())
    return CheckResult("min_length", size >= chars, f"{size} chars {'≥' if size >= chars else '<'} {chars}")


def check_no_hedging(text: str, phrases: tuple[str, ...] = HEDGING_PHRASES) -> CheckResult:
    lowered = text.lower()
    found = [p for p in phrases if p in lowered]
    detail = f"hedges: {', '.join(repr(p) for p in found)}" if found else "no hedging phrases"
    return CheckResult("no_hedging", not found, detail)


def check_code_block(text: str, prompt: str) -> CheckResult:
    if not _CODE_TASK.search(prompt):
        return CheckResult("code_block", None, "not a code task")
    has = bool(_CODE_BLOCK.search(text))
    return CheckResult("code_block", has, "has a code block" if has else "code task without a code block")


def extract_json(text: str) -> Any:
    fenced = _JSON_FENCE.search(text)
    return json.loads(fenced.group(1) if fenced else text.strip())


def check_json(text: str, schema: dict[str, Any] | None = None) -> CheckResult:
    try:
        value = extract_json(text)
    except (json.JSONDecodeError, ValueError) as exc:
        return CheckResult("json", False, f"not JSON: {exc}")
    if schema:
        import jsonschema

        try:
            jsonschema.validate(value, schema)
        except jsonschema.ValidationError as exc:
            path = "/".join(str(p) for p in exc.absolute_path) or "(root)"
            return CheckResult("json", False, f"schema: {path}: {exc.message}")
    return CheckResult("json", True, "valid JSON" + (" matching the schema" if schema else ""))


def check_judge(score: float | None, min_score: float, raw: str) -> CheckResult:
    if score is None:
        return CheckResult("judge", False, f"judge reply not a score: {raw[:60]!r}")
    passed = score >= min_score
    return CheckResult("judge", passed, f"judge score {score:g} {'≥' if passed else '<'} {min_score:g}")


def check_confidence(mean_logprob: float | None, min_mean_logprob: float) -> CheckResult:
    if mean_logprob is None:
        return CheckResult("confidence", None, "provider returned no logprobs")
    ok = mean_logprob >= min_mean_logprob
    return CheckResult("confidence", ok, f"mean logprob {mean_logprob:.2f} {'≥' if ok else '<'} {min_mean_logprob:g}")


_SCORE = re.compile(r"(?<![\d.])(10|[0-9](?:\.\d+)?)(?![\d])")


def parse_score(text: str, low: float = 1, high: float = 10) -> float | None:
    """First number within low..high in a judge's reply ("Score: 8/10" → 8)."""
    for match in _SCORE.finditer(text):
        value = float(match.group(1))
        if low <= value <= high:
            return value
    return None


def parse_choice(text: str, count: int) -> int | None:
    """The 1-based answer a judge picked ("Answer 2 is best" → 2)."""
    for match in re.finditer(r"\d+", text):
        value = int(match.group(0))
        if 1 <= value <= count:
            return value
    return None


def parse_label(text: str, labels: list[str]) -> str | None:
    """The first of `labels` the router model named, as a whole word."""
    lowered = text.lower()
    best: tuple[int, str] | None = None
    for label in labels:
        match = re.search(rf"\b{re.escape(label.lower())}\b", lowered)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), label)
    return best[1] if best else None


_NON_WORD = re.compile(r"[^\w\s]")


def normalize_short_answer(text: str) -> str:
    """A comparable form of a short answer for voting: 'Yes, 97 is prime.' → 'yes'."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    words = _NON_WORD.sub(" ", first.lower()).split()
    if not words:
        return ""
    if words[0] in ("yes", "no", "true", "false"):
        return words[0]
    numbers = [w for w in words if w.replace(".", "", 1).isdigit()]
    if numbers and len(words) <= 6:
        return numbers[0]
    return " ".join(words[:8])
