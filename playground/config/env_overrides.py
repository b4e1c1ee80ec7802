"""Environment variables override the config file:
`PLAYGROUND_<SECTION>__<KEY>=VALUE`, e.g. `PLAYGROUND_RETRY__MAX_ATTEMPTS=3`
or `PLAYGROUND_STRATEGIES__COMPLEXITY__HIGH_THRESHOLD=0.5`. Values are read as
TOML (`3`, `true`, `["a", "b"]`), else as plain strings."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

PREFIX = "PLAYGROUND_"
SEPARATOR = "__"


def env_overrides(env: Mapping[str, str]) -> list[tuple[str, tuple[str, ...], Any]]:
    """(variable name, key path, value) for every override variable, sorted."""
    found = []
    for name in sorted(env):
        if not name.startswith(PREFIX) or SEPARATOR not in name:
            continue
        path = tuple(part.lower() for part in name[len(PREFIX):].split(SEPARATOR))
        if any(not part for part in path):
            continue
        found.append((name, path, parse_value(env[name])))
    return found


def parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (ValueError, RecursionError):  # not TOML, a number too long to convert, or nested too deep
        return text


def apply_overrides(data: dict[str, Any], overrides: list[tuple[str, tuple[str, ...], Any]]) -> dict[str, Any]:
    for _, path, value in overrides:
        node = data
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = value
    return data
