"""Find the line of a key in TOML text, so errors can point at it.

`tomllib` keeps no positions; this scanner knows just enough TOML (table
headers, dotted and quoted keys) to find where a key was written. The text
is scanned once into a `KeyIndex`; each lookup is then a few dict probes, so
10,000 problems in one file are located as fast as one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*\[\[?\s*(?P<path>[^\]]+?)\s*\]\]?\s*(#.*)?$")
_SIMPLE = r"""(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)"""
_KEY = re.compile(rf"""^\s*(?P<key>{_SIMPLE}(?:\s*\.\s*{_SIMPLE})*)\s*=""")
_PART = re.compile(r"""\s*("(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[A-Za-z0-9_\-]+))\s*""")


def split_key(text: str) -> tuple[str, ...]:
    """`a."b.c".d` -> ("a", "b.c", "d")."""
    parts = []
    for match in _PART.finditer(text):
        parts.append(match.group("dq") if match.group("dq") is not None else
                     match.group("sq") if match.group("sq") is not None else match.group("bare"))
    return tuple(parts)


class KeyIndex:
    """The first line each key path (and every prefix of it) is written on,
    from one pass over the text."""

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[str, ...], int] = {}
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
            for depth in range(1, len(full) + 1):
                self._lines.setdefault(full[:depth], number)

    def locate(self, path: Sequence[object]) -> int | None:
        """1-based line where `path` (e.g. ("retry", "max_attempts")) is set
        or its table opens; the closest enclosing key's line when it is absent."""
        target = tuple(str(p) for p in path)
        for depth in range(len(target), 0, -1):
            line = self._lines.get(target[:depth])
            if line is not None:
                return line
        return None


def locate(text: str, path: Sequence[object]) -> int | None:
    """One lookup (scans the text: build a `KeyIndex` for several)."""
    return KeyIndex(text).locate(path)
