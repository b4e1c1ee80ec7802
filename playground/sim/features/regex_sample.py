"""A short string matching a regular expression, for JSON Schema `pattern`.

Walks the parsed pattern (`re._parser`, the standard library's own parser,
so the syntax is exactly Python's) and takes the simplest path: the first
branch, the fewest repeats, the first character of a class. Covers what
schemas use in practice (literals, classes, repeats, groups, alternation,
anchors); anything it cannot follow gives None, and the caller checks the
result with `re.search` anyway.
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
_CATEGORY_SAMPLES = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
}
_PREFERRED = string.ascii_lowercase + string.digits + string.ascii_uppercase + "-_ ."


class _Unsupported(Exception):
    pass


def sample(pattern: str, *, min_repeat: int = 0) -> str | None:
    """A string that `re.search(pattern, ...)` finds, or None. `min_repeat`
    raises the count of open-ended repeats (to reach a minimum length)."""
    try:
        parsed = _p.parse(pattern)
        text = _emit(list(parsed), min_repeat)  # type: ignore[arg-type]  # SubPattern is a sequence
    except (re.error, _Unsupported, RecursionError, OverflowError, ValueError):
        return None
    if len(text) > _MAX_LENGTH:
        return None
    try:
        return text if re.search(pattern, text) else None
    except re.error:
        return None


def _emit(items: list[tuple[Any, Any]], min_repeat: int) -> str:
    out: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("a" if chr(arg) != "a" else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_in(arg))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, body = arg
            most: int = min_repeat if high is _c.MAXREPEAT or high is None else min(high, min_repeat)
            count = max(low, most)
            if count > _MAX_LENGTH:
                raise _Unsupported
            out.append(_emit(list(body), min_repeat) * count)
        elif name == "SUBPATTERN":
            out.append(_emit(list(arg[-1]), min_repeat))
        elif name == "ATOMIC_GROUP":
            out.append(_emit(list(arg), min_repeat))
        elif name == "BRANCH":
            out.append(_emit(list(arg[1][0]), min_repeat))
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # anchors and lookarounds: the final re.search decides
        elif name == "CATEGORY":
            out.append(_CATEGORY_SAMPLES.get(str(arg), "a"))
        else:  # GROUPREF, GROUPREF_EXISTS and the like
            raise _Unsupported
    return "".join(out)


def _in(items: list[tuple[Any, Any]]) -> str:
    """A character in a class (`[...]`), or outside it for `[^...]`."""
    negate = bool(items) and str(items[0][0]) == "NEGATE"
    if negate:
        for candidate in _PREFERRED:
            if not _class_has(items[1:], candidate):
                return candidate
        raise _Unsupported
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            return chr(arg[0])
        if name == "CATEGORY":
            return _CATEGORY_SAMPLES.get(str(arg), "a")
    raise _Unsupported


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
