"""Bounds on what a configuration may be: nesting depth and size. Deeper
or larger input is refused with a message, never a `RecursionError` or
minutes of work."""

from __future__ import annotations

from typing import Any

# Policy files nest four levels (strategies.NAME.KEY = [rules...]); generous.
MAX_DEPTH = 32
# A policy or gateway config is a few kilobytes; a megabyte is not a config.
MAX_BYTES = 4 * 1024 * 1024


def depth_exceeds(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists/dicts nest deeper than `limit`. Iterative, and each
    container is visited once (shared ones included), so the check itself
    can neither recurse too deep nor blow up on aliased structures."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, (dict, list, tuple)) or id(node) in seen:
            continue
        if depth >= limit:
            return True
        seen.add(id(node))
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children)
    return False
