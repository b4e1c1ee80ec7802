"""Tuning state, free of any UI: per-strategy parameter values being edited
on top of the values in effect, validated by the strategy itself.

Values are kept as the user gave them (after `Param.coerce`), e.g.
"@flagship" stays "@flagship", so what is saved in a profile reads like what
was typed, and only the values that differ from the declared defaults are
stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.strategies.base import Param, Strategy
from playground.strategies.registry import make_strategy, strategy_class


def declared(name: str) -> dict[str, Param]:
    return {p.name: p for p in strategy_class(name).params}


class Tuning:
    def __init__(self, catalog: Catalog, applied: Mapping[str, Mapping[str, Any]]) -> None:
        self.catalog = catalog
        self.applied = {name: dict(values) for name, values in applied.items()}
        self.pending: dict[str, dict[str, Any]] = {}

    def _given(self, name: str, pending: bool) -> dict[str, Any]:
        """Defaults overlaid with what the user gave (applied, then pending), coerced."""
        params = declared(name)
        values = {key: p.default for key, p in params.items()}
        given = self.pending[name] if pending and name in self.pending else self.applied.get(name, {})
        for key, raw in given.items():
            if key in params:
                values[key] = params[key].coerce(raw, name, self.catalog)
        return values

    def values(self, name: str, *, pending: bool = True) -> dict[str, Any]:
        """Every parameter's value as the strategy will use it: what was given,
        and for the rest the default, or the value the strategy derives from
        what was given (complexity's `high_threshold = 0.6` alone moves
        `low_threshold` to 0.6 too), so an editor never shows a value that is
        not in effect."""
        values = self._given(name, pending)
        given = self.overrides(name, pending=pending)
        effective = make_strategy(name, self.catalog, given).values
        resolved_defaults = strategy_class(name).default_values(self.catalog)
        for key in values:
            if key not in given and key in effective and effective[key] != resolved_defaults.get(key):
                values[key] = effective[key]
        return values

    def overrides(self, name: str, *, pending: bool = True) -> dict[str, Any]:
        """The values the user gave that differ from the declared defaults
        (what is stored; derived values are not, so they keep following)."""
        params = declared(name)
        return {k: v for k, v in self._given(name, pending).items() if v != params[k].default}

    def strategy(self, name: str, *, pending: bool = True) -> Strategy:
        """A fresh instance (previews must not share state with the app's)."""
        return make_strategy(name, self.catalog, self.overrides(name, pending=pending))

    def set(self, name: str, key: str, raw: Any) -> Strategy:
        """Set one value. Raises `UserError` with the reason (from `Param.coerce`
        or the strategy's own validation) and then changes nothing."""
        params = declared(name)
        if key not in params:
            raise UserError(f"{name}: unknown parameter {key!r}")
        value = params[key].coerce(raw, name, self.catalog)
        candidate = {**self._given(name, True), key: value}
        overrides = {k: v for k, v in candidate.items() if v != params[k].default}
        strategy = make_strategy(name, self.catalog, overrides)
        self.pending[name] = overrides
        return strategy

    def is_changed(self, name: str) -> bool:
        return name in self.pending and self.overrides(name) != self.overrides(name, pending=False)

    def changed(self) -> dict[str, dict[str, Any]]:
        """Strategies whose pending values differ from the applied ones."""
        return {name: self.overrides(name) for name in self.pending if self.is_changed(name)}

    def commit(self) -> dict[str, dict[str, Any]]:
        """Make the pending values the applied ones; returns what changed."""
        changed = self.changed()
        self.applied.update(changed)
        self.pending.clear()
        return changed

    def revert(self, name: str | None = None) -> None:
        if name is None:
            self.pending.clear()
        else:
            self.pending.pop(name, None)


def tuned_params(strategy: Strategy) -> dict[str, Any]:
    """The instance's values that differ from the declared defaults."""
    defaults = strategy.default_values(strategy.catalog)
    return {key: value for key, value in strategy.values.items() if value != defaults.get(key)}


def format_value(value: Any, limit: int = 40) -> str:
    """A value in the syntax `Param.coerce` parses (lists and pairs with commas)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, dict):
        text = ",".join(f"{k}={format_value(v)}" for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        text = json.dumps(list(value)) if any(isinstance(v, dict) for v in value) else ",".join(str(v) for v in value)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_tuning(strategy: Strategy, limit: int = 60) -> str:
    """"high_threshold=0.4, mid_model=gpt-5-mini" for a column header, or ""."""
    text = ", ".join(f"{k}={format_value(v, 24)}" for k, v in tuned_params(strategy).items())
    return text if len(text) <= limit else text[: limit - 1] + "…"
