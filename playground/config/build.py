"""Turn a validated policy file into what the engine and the front ends run:
the merged catalog, resilience and cache settings, and strategy parameters.

Cross-references (strategy names, parameters, models named in groups and
chains) are checked here, each problem with its key, so a config error can
point at the line that caused it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from playground.config.problems import ConfigError, ConfigProblem, name_list, problem
from playground.config.schema import PolicyFile
from playground.core.catalog import (
    Catalog,
    default_catalog,
    default_catalog_raw,
    is_packaged_catalog_data,
    parse_catalog,
)
from playground.core.errors import ErrorKind, UserError
from playground.engine.breaker import BreakerConfig
from playground.engine.cache import CacheConfig
from playground.engine.retry import RetryPolicy
from playground.engine.runner import ResilienceConfig
from playground.engine.session import Session, SessionOptions
from playground.engine.timeouts import Timeouts
from playground.strategies.registry import STRATEGIES, make_strategy

# Used for models added without a simulator profile (a plain mid-range model).
DEFAULT_SIM = {"ttft_ms": 400.0, "tokens_per_s": 60.0, "quality": 0.7}
DEFAULT_CAPABILITIES = {"reasoning": 5.0, "coding": 5.0, "creative": 5.0, "speed": 5.0, "long_context": 5.0}


@dataclass(frozen=True)
class Settings:
    """Everything a session needs, built from one policy."""

    policy: PolicyFile
    catalog: Catalog
    timeouts: Timeouts
    resilience: ResilienceConfig
    cache: CacheConfig
    strategy_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Providers the file configures that need no key (local servers).
    keyless_providers: frozenset[str] = frozenset()
    # Models discovered on local servers; kept so a rebuilt policy (another
    # strategy, a profile, the TUI's tuning) still knows them.
    extra_models: Mapping[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return list(self.policy.router.columns)

    @property
    def router_strategy(self) -> str:
        return self.policy.router.strategy

    def values_for(self, strategy: str) -> dict[str, Any]:
        return dict(self.strategy_values.get(strategy, {}))

    def with_router_strategy(self, name: str, origin: str = "policy") -> Settings:
        """The same policy routed by another strategy (what an export of one
        column describes)."""
        if name == self.router_strategy:
            return self
        router = self.policy.router.model_copy(update={"strategy": name})
        return build_settings(self.policy.model_copy(update={"router": router}), origin, self.extra_models)

    def session_options(self, **overrides: Any) -> SessionOptions:
        """Session options carrying this policy's resilience, timeouts and cache."""
        base = {"timeouts": self.timeouts, "resilience": self.resilience, "cache": self.cache,
                "keyless_providers": self.keyless_providers}
        return SessionOptions(**{**base, **overrides})

    def open_session(self, env: Mapping[str, str] | None = None, **overrides: Any) -> Session:
        return Session.open(self.session_options(**overrides), env=env, catalog=self.catalog)


def build_settings(policy: PolicyFile, origin: str,
                   extra_models: Mapping[str, dict[str, Any]] | None = None) -> Settings:
    """Raise `ConfigError` listing every problem found (not just the first)."""
    problems: list[ConfigProblem] = []
    catalog = _catalog(policy, origin, extra_models or {}, problems)
    if catalog is None:
        raise ConfigError(problems)
    _check_router(policy, problems)
    values = _strategy_values(policy, catalog, problems)
    _check_models_named(policy, catalog, problems)
    if problems:
        raise ConfigError(problems)
    retry = policy.retry
    resilience = ResilienceConfig(
        retry=RetryPolicy(max_attempts=retry.max_attempts, retries_per_model=retry.retries_per_model,
                          base_delay_s=retry.base_delay_s, multiplier=retry.multiplier, max_delay_s=retry.max_delay_s,
                          jitter=retry.jitter, retry_on=frozenset(ErrorKind(k) for k in retry.retry_on),
                          honor_retry_after=retry.honor_retry_after, max_retry_after_s=retry.max_retry_after_s),
        breaker=BreakerConfig(**policy.breaker.model_dump()),
        fallbacks={k: tuple(v) for k, v in policy.fallbacks.chains.items()},
        fallbacks_enabled=policy.fallbacks.enabled,
    )
    keyless = frozenset(name for name, p in policy.providers.items() if p.enabled or p.discover)
    return Settings(policy=policy, catalog=catalog, timeouts=Timeouts(**policy.timeouts.model_dump()),
                    resilience=resilience, cache=CacheConfig(**policy.cache.model_dump()), strategy_values=values,
                    keyless_providers=keyless, extra_models=dict(extra_models or {}))


def _catalog(policy: PolicyFile, origin: str, extra_models: Mapping[str, dict[str, Any]],
             problems: list[ConfigProblem]) -> Catalog | None:
    raw = default_catalog_raw()
    for name, section in policy.providers.items():
        given = section.model_dump(exclude={"discover", "enabled"}, exclude_none=True)
        if name not in raw["providers"] and "base_url" not in given:
            problems.append(problem(("providers", name), "a new provider needs base_url (or name a catalog provider "
                                    f"to override it: {', '.join(raw['providers'])})"))
            continue
        raw["providers"][name] = {"kind": "openai", **raw["providers"].get(name, {}), **given}
    for model_id, spec in extra_models.items():
        raw["models"].setdefault(model_id, spec)
    for model_id, section in policy.models.items():
        given = section.model_dump(exclude_none=True)
        existing = raw["models"].get(model_id)
        if existing is not None:
            existing.update({k: v for k, v in given.items() if k not in ("capabilities", "sim", "features")})
            for table in ("capabilities", "sim", "features"):
                existing[table] = {**existing.get(table, {}), **given.get(table, {})}
            continue
        missing = [k for k in ("provider", "api_name", "context_window") if k not in given]
        if missing:
            problems.append(problem(("models", model_id), f"a new model needs {', '.join(missing)} "
                                    f"(or name an existing catalog model to override it)"))
            continue
        provider = given["provider"]
        local = raw["providers"].get(provider, {}).get("local", False)
        if not local and ("input_per_mtok" not in given or "output_per_mtok" not in given):
            problems.append(problem(("models", model_id), "a model of a paid provider needs input_per_mtok and "
                                    "output_per_mtok (USD per million tokens) so costs are not shown as $0"))
            continue
        raw["models"][model_id] = {
            "tier": "local" if local else "mid",
            "input_per_mtok": 0.0, "output_per_mtok": 0.0,
            "max_output_tokens": min(given["context_window"], 8192),
            "source": origin, "price_date": date.today().isoformat(),
            **given,
            "capabilities": {**DEFAULT_CAPABILITIES, **given.get("capabilities", {})},
            "sim": {**DEFAULT_SIM, **given.get("sim", {})},
            "features": {"source": origin, "checked": date.today().isoformat(), **given.get("features", {})},
        }
    for name, members in policy.groups.items():
        unknown = [m for m in members if m not in raw["models"]]
        if unknown or not members:
            problems.append(problem(("groups", name), f"unknown model(s) {name_list(unknown)}" if unknown
                                    else "a group needs at least one model", members))
            continue
        raw.setdefault("groups", {})[name] = list(members)
    if is_packaged_catalog_data(raw):
        return default_catalog()  # nothing overridden: validated once per process
    try:
        return parse_catalog(raw, origin)
    except UserError as exc:
        problems.append(problem(("models",), str(exc).removeprefix(f"{origin}: ")))
        return None


def _check_router(policy: PolicyFile, problems: list[ConfigProblem]) -> None:
    allowed = ", ".join(STRATEGIES)
    if policy.router.strategy not in STRATEGIES:
        problems.append(problem(("router", "strategy"), f"unknown strategy; allowed: {allowed}",
                                policy.router.strategy))
    unknown = [c for c in policy.router.columns if c not in STRATEGIES]
    if unknown:
        problems.append(problem(("router", "columns"), f"unknown strategy {name_list(unknown)}; allowed: {allowed}",
                                policy.router.columns))


def _strategy_values(policy: PolicyFile, catalog: Catalog, problems: list[ConfigProblem]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for name, given in policy.strategies.items():
        cls = STRATEGIES.get(name)
        if cls is None:
            problems.append(problem(("strategies", name), f"unknown strategy; allowed: {', '.join(STRATEGIES)}"))
            continue
        declared = {p.name: p for p in cls.params}
        good: dict[str, Any] = {}
        for key, raw in given.items():
            param = declared.get(key)
            if param is None:
                problems.append(problem(("strategies", name, key), f"unknown parameter; {name} has: "
                                        f"{', '.join(declared) or 'none'}", raw))
                continue
            try:
                good[key] = param.coerce(raw, name, catalog)
            except UserError as exc:
                problems.append(problem(("strategies", name, key), _after_colon(str(exc)), raw))
            except (TypeError, ValueError, OverflowError):  # a value of another shape (a list for a name...)
                problems.append(problem(("strategies", name, key), f"expected a {param.type} value, "
                                        f"not a {type(raw).__name__}", raw))
        try:
            make_strategy(name, catalog, good)
        except UserError as exc:
            problems.append(problem(("strategies", name), str(exc)))
            continue
        except (TypeError, ValueError, OverflowError) as exc:  # a value of a shape the strategy cannot use
            problems.append(problem(("strategies", name), f"these parameters do not fit {name}: {exc}"))
            continue
        values[name] = good
    return values


def _check_models_named(policy: PolicyFile, catalog: Catalog, problems: list[ConfigProblem]) -> None:
    known = catalog.models
    for model_id, chain in policy.fallbacks.chains.items():
        unknown = [m for m in [model_id, *chain] if m not in known]
        if unknown:
            problems.append(problem(("fallbacks", "chains", model_id), f"unknown model(s) {name_list(unknown)}", chain))
    if policy.cache.embedding_model not in catalog.embedding_models:
        problems.append(problem(("cache", "embedding_model"), f"unknown embedding model; allowed: "
                                f"{', '.join(catalog.embedding_models)}", policy.cache.embedding_model))


def _after_colon(message: str) -> str:
    """`complexity.x: is out of range` -> `is out of range` (the key is shown separately)."""
    head, sep, tail = message.partition(": ")
    return tail if sep and "." in head else message
