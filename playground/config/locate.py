"""Find the line of a key in TOML text, so errors can point at it.

`tomllib` keeps no positions; this scanner knows just enough TOML (table
headers, dotted and quoted keys) to find where a key was written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*\[\[?\s*(?P<path>[^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*(?P<key>(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*=""")
_PART = re.compile(r"""\s*("(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[A-Za-z0-9_\-]+))\s*""")


def split_key(text: str) -> tuple[str, ...]:
    """`a."b.c".d` -> ("a", "b.c", "d")."""
    parts = []
    for match in _PART.finditer(text):
        parts.append(match.group("dq") if match.group("dq") is not None else
                     match.group("sq") if match.group("sq") is not None else match.group("bare"))
    return tuple(parts)


def locate(text: str, path: Sequence[str]) -> int | None:
    """1-based line where `path` (e.g. ("retry", "max_attempts")) is set or
    its table opens; the closest enclosing key's line when it is absent."""
    target = tuple(str(p) for p in path)
    best: tuple[int, int] | None = None  # (matched depth, line)
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = split_key(header.group("path"))
            full = table
        else:
            key = _KEY.match(line)
            if not key:
                continue
            full = table + split_key(key.group("key"))
        depth = _common(full, target)
        if depth and (best is None or depth > best[0]):
            best = (depth, number)
            if depth == len(target):
                return number
    return best[1] if best else None


def _common(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of b's prefix matched by a, or 0 if a goes elsewhere."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            return n if n == len(a) else 0
        n += 1
    return n if n == len(a) or n == len(b) else 0
