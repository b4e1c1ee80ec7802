"""A short string matching a regular expression, for JSON Schema `pattern`.

Walks the parsed pattern (`re._parser`, the standard library's own parser,
so the syntax is exactly Python's) and takes the simplest path: the fewest
repeats, the first branch, the first character of a class. `variant`
numbers other choices (later characters of a class, later branches, as the
digits of a mixed-radix number) so that several distinct strings can be
drawn from one pattern. Covers what schemas use in practice (literals,
classes, repeats, groups, alternation, anchors); anything it cannot follow
gives None, and the result is always checked with `re.search`.
"""

from __future__ import annotations

import re
import string
from typing import Any

try:  # Python 3.11+: the parser moved; keep one import site
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older layouts
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_MAX_LENGTH = 2000
_MAX_CLASS_CHOICES = 64
_CATEGORY_CHARS = {
    "CATEGORY_DIGIT": string.digits,
    "CATEGORY_NOT_DIGIT": string.ascii_lowercase,
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": string.ascii_lowercase + string.digits,
    "CATEGORY_WORD": string.ascii_lowercase + string.digits + "_",
    "CATEGORY_NOT_WORD": "-.",
}
_PREFERRED = string.ascii_lowercase + string.digits + string.ascii_uppercase + "-_ ."


class _Unsupported(Exception):
    pass


def sample(pattern: str, *, min_repeat: int = 0, variant: int = 0) -> str | None:
    """A string that `re.search(pattern, ...)` finds, or None. `min_repeat`
    raises the count of open-ended repeats (to reach a minimum length)."""
    try:
        parsed = _p.parse(pattern)
        text = _Walker(min_repeat, variant).emit(list(parsed))  # type: ignore[arg-type]  # SubPattern is a sequence
    except (re.error, _Unsupported, RecursionError, OverflowError, ValueError):
        return None
    if len(text) > _MAX_LENGTH:
        return None
    try:
        return text if re.search(pattern, text) else None
    except re.error:
        return None


class _Walker:
    def __init__(self, min_repeat: int, variant: int) -> None:
        self.min_repeat = min_repeat
        self.variant = variant

    def pick(self, choices: int) -> int:
        """The next digit of the variant number in base `choices`."""
        if choices <= 1:
            return 0
        self.variant, digit = divmod(self.variant, choices)
        return digit

    def emit(self, items: list[tuple[Any, Any]]) -> str:
        out: list[str] = []
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "NOT_LITERAL":
                out.append("a" if chr(arg) != "a" else "b")
            elif name == "ANY":
                out.append(string.ascii_lowercase[self.pick(26)])
            elif name == "IN":
                out.append(self.one_of(arg))
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, high, body = arg
                most: int = self.min_repeat if high is _c.MAXREPEAT or high is None else min(high, self.min_repeat)
                count = max(low, most)
                if count > _MAX_LENGTH:
                    raise _Unsupported
                out.extend(self.emit(list(body)) for _ in range(count))
            elif name == "SUBPATTERN":
                out.append(self.emit(list(arg[-1])))
            elif name == "ATOMIC_GROUP":
                out.append(self.emit(list(arg)))
            elif name == "BRANCH":
                branches = arg[1]
                out.append(self.emit(list(branches[self.pick(len(branches))])))
            elif name in ("AT", "ASSERT", "ASSERT_NOT"):
                continue  # anchors and lookarounds: the final re.search decides
            elif name == "CATEGORY":
                chars = _CATEGORY_CHARS.get(str(arg), "a")
                out.append(chars[self.pick(len(chars))])
            else:  # GROUPREF, GROUPREF_EXISTS and the like
                raise _Unsupported
        return "".join(out)

    def one_of(self, items: list[tuple[Any, Any]]) -> str:
        """A character in a class (`[...]`), or outside it for `[^...]`."""
        if items and str(items[0][0]) == "NEGATE":
            allowed = [c for c in _PREFERRED if not _class_has(items[1:], c)]
        else:
            allowed = _class_chars(items)
        if not allowed:
            raise _Unsupported
        return allowed[self.pick(len(allowed))]


def _class_chars(items: list[tuple[Any, Any]]) -> list[str]:
    chars: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            chars.append(chr(arg))
        elif name == "RANGE":
            chars.extend(chr(code) for code in range(arg[0], min(arg[1], arg[0] + _MAX_CLASS_CHOICES - 1) + 1))
        elif name == "CATEGORY":
            chars.extend(_CATEGORY_CHARS.get(str(arg), ""))
        if len(chars) >= _MAX_CLASS_CHOICES:
            break
    return list(dict.fromkeys(chars))[:_MAX_CLASS_CHOICES]


def _class_has(items: list[tuple[Any, Any]], char: str) -> bool:
    code = ord(char)
    for op, arg in items:
        name = str(op)
        if name == "LITERAL" and arg == code:
            return True
        if name == "RANGE" and arg[0] <= code <= arg[1]:
            return True
        if name == "CATEGORY" and re.fullmatch(_category_regex(str(arg)), char):
            return True
    return False


def _category_regex(category: str) -> str:
    return {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
            "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}.get(category, r"(?!)")
