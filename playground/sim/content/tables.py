"""The simulator's data tables (`playground/sim/data/`), read once through
`importlib.resources` so they work from a wheel or a zip as well as a
checkout. Each file says where its figures come from."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


def _text(name: str) -> str:
    return resources.files("playground.sim").joinpath("data", name).read_text(encoding="utf-8")


@cache
def toml_table(name: str) -> dict[str, Any]:
    """A TOML data file as a dict (cached: callers must not mutate it)."""
    return tomllib.loads(_text(name))
