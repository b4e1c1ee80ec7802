"""The router strategy's gateway plan for a policy: the strategy says what it
means for a gateway (`Strategy.export_plan`, a `RoutePlan` with its caveats);
this adds what the policy around it says — which providers the playground
could call, and the engine's fallback chains for strategies that do not
carry their own.

Strategies that pick among the models they can reach (capability, cost) are
planned with the providers the playground itself would call: those with a key
(or base URL, or set up keyless) in the environment; with none, the playground
runs on the simulator where every model is there, and so does the plan.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from playground.config.build import Settings
from playground.core.catalog import Catalog
from playground.engine.fallbacks import chain_for
from playground.providers.endpoints import real_endpoints
from playground.strategies.base import RoutingContext, Strategy
from playground.strategies.registry import make_strategy
from playground.strategies.route_plan import Mode, RoutePlan

__all__ = ["Mode", "RoutePlan", "build_plan", "jsonable", "reachable_context", "router_strategy"]


def router_strategy(settings: Settings) -> Strategy[Any]:
    return make_strategy(settings.router_strategy, settings.catalog, settings.values_for(settings.router_strategy))


def reachable_context(settings: Settings, env: Mapping[str, str] | None = None) -> tuple[RoutingContext, list[str]]:
    """The models the playground would route to with this environment, and the
    providers left out (none when no provider is configured: the simulator
    serves every model)."""
    catalog = settings.catalog
    reachable = real_endpoints(catalog, os.environ if env is None else env, settings.keyless_providers)
    if not reachable:
        return RoutingContext.for_all(catalog), []
    available = tuple(m for m in catalog.models.values() if m.provider in reachable)
    left_out = [name for name in catalog.providers if name not in reachable]
    return RoutingContext(catalog, available, "not configured (no API key or base URL in the environment)"), left_out


def build_plan(settings: Settings, env: Mapping[str, str] | None = None, *, every_model: bool = False) -> RoutePlan:
    """`env` (default os.environ) says which providers can be called;
    `every_model` plans as if all were (a policy file re-decides where it runs)."""
    catalog = settings.catalog
    context, left_out = (RoutingContext.for_all(catalog), []) if every_model else reachable_context(settings, env)
    plan = router_strategy(settings).export_plan(context)
    _left_out(plan, catalog, left_out)
    if not plan.own_chain:
        if settings.resilience.fallbacks_enabled:
            configured = settings.resilience.fallbacks
            for routed in plan.routed_models():
                # The engine skips a model it cannot call without an attempt: so does the export.
                chain = [m for m in chain_for(routed, catalog, configured) if m != routed and context.is_available(m)]
                if chain:
                    plan.chains[routed] = chain
        else:
            plan.caveats.append("fallbacks are disabled in this policy: no fallback chains exported")
    return plan


def _left_out(plan: RoutePlan, catalog: Catalog, left_out: list[str]) -> None:
    """One caveat naming the providers whose models the strategy would have
    considered but the environment gives no way to call."""
    providers = [p for p in left_out if any(catalog.models[m].provider == p for m in plan.unreachable)]
    if providers:
        plan.caveats.append(f"models of {', '.join(providers)} left out: no key (or base URL) in the environment "
                            "when exported; set them and export again to include those models")


def jsonable(value: Any) -> Any:
    """Tuples to lists, for YAML/JSON/TOML writers."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
