"""Strategy names as the CLI and TUI know them: the only list of strategies.
Adding a strategy is its module plus one line in `STRATEGIES` below."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.strategies.ab_test import ABTestStrategy
from playground.strategies.base import Param, Strategy
from playground.strategies.capability import CapabilityStrategy
from playground.strategies.cascade import CascadeStrategy
from playground.strategies.complexity import ComplexityStrategy
from playground.strategies.cost import CostStrategy
from playground.strategies.ensemble import EnsembleStrategy
from playground.strategies.fallback import FallbackStrategy
from playground.strategies.fixed import FixedStrategy
from playground.strategies.learned import LearnedStrategy
from playground.strategies.llm_router import LLMRouterStrategy
from playground.strategies.loadbalance import LoadBalanceStrategy
from playground.strategies.pipeline import PipelineStrategy
from playground.strategies.task import TaskStrategy
from playground.strategies.threshold import ThresholdStrategy

STRATEGIES: dict[str, type[Strategy[Any]]] = {
    cls.name: cls
    for cls in (
        FixedStrategy,
        ComplexityStrategy,
        TaskStrategy,
        CostStrategy,
        FallbackStrategy,
        LoadBalanceStrategy,
        CapabilityStrategy,
        ThresholdStrategy,
        ABTestStrategy,
        EnsembleStrategy,
        CascadeStrategy,
        LLMRouterStrategy,
        LearnedStrategy,
        PipelineStrategy,
    )
}
DEFAULT_STRATEGIES: tuple[str, ...] = ("fixed", "complexity", "task", "cost")


def strategy_class(name: str) -> type[Strategy[Any]]:
    try:
        return STRATEGIES[name]
    except KeyError:
        raise UserError(f"unknown strategy {name!r}; choose from: {', '.join(STRATEGIES)}") from None


def make_strategy(name: str, catalog: Catalog, values: Mapping[str, Any] | None = None) -> Strategy[Any]:
    return strategy_class(name)(catalog, values)


def declared_param(name: str, key: str) -> Param:
    """One declared parameter (kind, default, bounds, help) of a strategy, e.g.
    for a sweep over it; a `UserError` naming what exists otherwise."""
    params = {p.name: p for p in strategy_class(name).params}
    if key not in params:
        raise UserError(f"{name}: unknown parameter {key!r}; parameters: {', '.join(params) or 'none'}")
    return params[key]


def coerce_values(name: str, values: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """Parameter values in their declared types (the CLI gives strings), so
    what is saved or exported is a number, a list or a table, never text."""
    declared = {p.name: p for p in strategy_class(name).params}
    unknown = [key for key in values if key not in declared]
    if unknown:
        raise UserError(f"{name}: unknown parameter {unknown[0]!r}; parameters: {', '.join(declared) or 'none'}")
    return {key: declared[key].coerce(raw, name, catalog) for key, raw in values.items()}


def parse_param_overrides(items: Iterable[str]) -> dict[str, dict[str, str]]:
    """`STRATEGY.KEY=VALUE` items into {strategy: {key: value}}."""
    overrides: dict[str, dict[str, str]] = {}
    for item in items:
        target, sep, value = item.partition("=")
        name, dot, key = target.partition(".")
        if not sep or not dot or not name or not key:
            raise UserError(f"--param {item!r}: expected STRATEGY.KEY=VALUE, e.g. complexity.high_threshold=0.6")
        strategy_class(name)
        overrides.setdefault(name, {})[key] = value
    return overrides
