"""Configuration problems that say where (file, line, key), what (the value)
and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from playground.core.errors import UserError


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

    def at(self, origin: str, line: int | None) -> "ConfigProblem":
        return replace(self, origin=origin, line=line)

    def __str__(self) -> str:
        where = f"{self.origin}:{self.line}" if self.line else self.origin
        if not self.key:
            return f"{where}: {self.message}"
        shown = f" = {self.value!r}" if self.has_value else ""
        return f"{where}: {self.dotted_key}{shown}: {self.message}"


def problem(key: tuple[str, ...], message: str, *values: Any, origin: str = "") -> ConfigProblem:
    """A problem with the offending value when there is one."""
    return ConfigProblem(origin, tuple(str(k) for k in key), message, values[0] if values else None, bool(values))


class ConfigError(UserError):
    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
