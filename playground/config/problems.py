"""Configuration problems that say where (file, line, key), what (the value)
and what is allowed."""

from __future__ import annotations

import re
import reprlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from playground.core.errors import UserError

# How many problems a message lists; the rest are counted, not shown.
SHOWN_PROBLEMS = 20

# A value is shown bounded: a huge or deeply nested one (a billion-laughs
# YAML, a 4,000-digit number) must not be expanded into the message.
_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = 80
_REPR.maxother = 80
_REPR.maxlong = 40
for _attr in ("maxdict", "maxlist", "maxtuple", "maxset"):
    setattr(_REPR, _attr, 8)


def short_repr(value: Any) -> str:
    try:
        return _REPR.repr(value)
    except (ValueError, RecursionError):  # e.g. an int too long to convert
        return f"({type(value).__name__} too large to show)"

# Shapes of provider keys (sk-..., sk-ant-..., gsk_..., xai-...) and long
# random-looking tokens: a value like this is never repeated in a message.
_KEY_PREFIX = re.compile(r"^(sk|gsk|xai|pk|rk|key|api)[-_]", re.IGNORECASE)
_TOKEN = re.compile(r"^[A-Za-z0-9_\-\.]{24,}$")


def looks_secret(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip()
    return bool(_KEY_PREFIX.match(text)) or (
        bool(_TOKEN.match(text)) and any(c.isdigit() for c in text) and any(c.isalpha() for c in text))


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    origin: str
    key: tuple[str, ...]
    message: str
    value: Any = None
    has_value: bool = False
    line: int | None = None

    @property
    def dotted_key(self) -> str:
        return ".".join(self.key) or "(top level)"

    def at(self, origin: str, line: int | None) -> ConfigProblem:
        return replace(self, origin=origin, line=line)

    def __str__(self) -> str:
        where = f"{self.origin}:{self.line}" if self.line else self.origin
        if not self.key:
            return f"{where}: {self.message}"
        shown = ""
        if self.has_value:
            # Never repeat something that may be a key: a value under a
            # provider section, or anything shaped like one.
            hidden = self.key[:1] == ("providers",) and self.key[-1:] not in (("kind",), ("base_url",))
            secret = hidden or looks_secret(self.value)
            shown = " = (value hidden: it may be a key)" if secret else f" = {short_repr(self.value)}"
            if secret and isinstance(self.value, str) and self.value:
                return f"{where}: {self.dotted_key}{shown}: {self.message.replace(self.value, '(hidden)')}"
        return f"{where}: {self.dotted_key}{shown}: {self.message}"


def problem(key: tuple[str, ...], message: str, *values: Any, origin: str = "") -> ConfigProblem:
    """A problem with the offending value when there is one."""
    return ConfigProblem(origin, tuple(str(k) for k in key), message, values[0] if values else None, bool(values))


def name_list(names: Sequence[str], limit: int = 8) -> str:
    """`a, b, c` — distinct names, the first `limit` of them, then how many more."""
    distinct = list(dict.fromkeys(names))
    shown = ", ".join(short_repr(n)[1:-1] if isinstance(n, str) else short_repr(n) for n in distinct[:limit])
    return shown + (f" and {len(distinct) - limit} more" if len(distinct) > limit else "")


def describe_problems(problems: Sequence[ConfigProblem], limit: int = SHOWN_PROBLEMS) -> list[str]:
    """One line per problem, the first `limit` of them, then how many more."""
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        more = len(problems) - limit
        lines.append(f"... and {more} more problem{'s' if more != 1 else ''} (fix these and run again to see them)")
    return lines


class ConfigError(UserError):
    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(describe_problems(problems)))
