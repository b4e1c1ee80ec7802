"""Export a policy as a Portkey gateway config (JSON).

Sources:
- The config shape the gateway validates: Portkey-AI/gateway
  `src/middlewares/requestValidator/schema/config.ts` (strategy.mode single |
  loadbalance | fallback | conditional, on_status_codes, conditions
  [{query, then}], default; provider, api_key, custom_host, retry {attempts,
  on_status_codes}, cache {mode simple | semantic, max_age}, weight,
  request_timeout, nested targets) and the provider names in `src/globals.ts`.
- How targets run: `src/handlers/handlerUtils.ts`, `tryTargetsRecursively`
  (fallback: gateways up to 2024 move to the next target only when the status
  is in strategy.on_status_codes, or on any non-2xx when it is absent; later
  ones on any non-2xx, and on listed statuses besides; loadbalance draws by
  weight, default 1; conditional reads the x-portkey-metadata header; a
  target's retry.on_status_codes defaults to RETRY_STATUS_CODES; the circuit breaker is
  delegated to a `handleCircuitBreakerResponse` handler the open-source
  gateway does not ship); MAX_RETRIES = 5 in `src/globals.ts`; the Ollama
  provider appends /v1/chat/completions to custom_host
  (`src/providers/ollama/api.ts`).
- Docs: https://portkey.ai/docs/product/ai-gateway/configs (override_params,
  named targets), .../conditional-routing (`{"metadata.KEY": {"$eq": V}}`),
  .../circuit-breaker (strategy.cb_config: failure_threshold_percentage,
  minimum_requests, cooldown_interval in ms with a 30 s minimum,
  failure_status_codes), .../cache-simple-and-semantic (max_age in seconds,
  60 s to 90 days; semantic cache on hosted plans).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from playground.config.build import Settings
from playground.config.exporters.common import ExportResult, attempt_budget, native_provider, provider_of
from playground.config.exporters.plan import RoutePlan, build_plan
from playground.core.catalog import Catalog

MAX_RETRY_ATTEMPTS = 5
# retry_on kinds -> the statuses Portkey retries on.
STATUS_CODES = {"rate_limited": (429,), "server_error": (500, 502, 504), "overloaded": (503, 529)}
# The engine falls back on every failure but a bad request or a cancel:
# auth (401, 403), timeouts (408), rate limits, server errors and overload.
FALLBACK_STATUS_CODES = [401, 403, 408, 429, 500, 502, 503, 504, 529]
BREAKER_STATUS_CODES = [500, 502, 503, 504, 529]
MIN_COOLDOWN_MS = 30_000
CACHE_MAX_AGE_S = (60, 7_776_000)


def export_portkey(settings: Settings, env: Mapping[str, str] | None = None) -> ExportResult:
    plan = build_plan(settings, env)
    notes = list(plan.caveats)
    catalog = settings.catalog
    policy = settings.policy
    retry = policy.retry
    codes = sorted({code for kind in retry.retry_on for code in STATUS_CODES.get(kind, ())})
    # One budget per request: each target's retries times the targets tried stay within max_attempts.
    attempts, fallbacks = attempt_budget(retry, MAX_RETRY_ATTEMPTS)
    cut: list[str] = []

    def target(model_id: str, **extra: Any) -> dict[str, Any]:
        return {**extra, **_target(catalog, model_id)}

    def within_budget(models: list[str]) -> list[str]:
        if len(models) > 1 + fallbacks:
            cut.append(models[0])
        return models[:1 + fallbacks]

    def group(models: list[str], **extra: Any) -> dict[str, Any]:
        """A model and its fallbacks: a fallback group, or the target alone."""
        models = within_budget(models)
        if len(models) == 1:
            return target(models[0], **extra)
        return {**extra, "strategy": _fallback(), "targets": [target(m) for m in models]}

    config: dict[str, Any] = {}
    if plan.mode in ("single", "fallback", "cheapest"):
        models = within_budget([plan.primary, *plan.chains.get(plan.primary, [])] if plan.mode == "single"
                               else plan.members)
        config["strategy"] = _fallback() if len(models) > 1 else {"mode": "single"}
        config["targets"] = [target(m) for m in models]
        if plan.mode == "cheapest":
            notes.append("Portkey has no cost-based routing: the cost pool is a fallback chain, cheapest first")
    elif plan.mode == "loadbalance":
        config["strategy"] = {"mode": "loadbalance"}
        config["targets"] = [target(m, weight=plan.weights.get(m, 1.0)) for m in plan.members]
        if plan.policy in ("least-busy", "latency"):
            notes.append(f"loadbalance policy '{plan.policy}' has no Portkey equivalent: exported as a weighted spread")
    else:
        models = list(dict.fromkeys([*(m for _, m in plan.branches), plan.primary]))
        config["strategy"] = {
            "mode": "conditional",
            "conditions": [{"query": {f"metadata.{plan.label_key}": {"$eq": value}}, "then": model_id}
                           for value, model_id in plan.branches],
            "default": plan.primary,
        }
        config["targets"] = [group([m, *plan.chains.get(m, [])], name=m) for m in models]
        values = ", ".join(value for value, _ in plan.branches)
        notes.append(f"{plan.strategy}: Portkey routes on metadata the caller sets: send x-portkey-metadata "
                     f"{{\"{plan.label_key}\": one of {values}}}; without it requests go to {plan.primary}")
        notes.append("Portkey does not evaluate its circuit breaker on conditional strategies: it guards the "
                     "per-model fallback groups only")

    config["retry"] = {"attempts": attempts, "on_status_codes": codes}
    if _has_fallback(config):
        notes.append(f"fallbacks on statuses {', '.join(map(str, FALLBACK_STATUS_CODES))} (every failure the "
                     "playground falls back on); a prompt over a model's context window (a 400 Portkey cannot tell "
                     "from a bad request) does not fall back, and recent gateways fall back on every error status")
    if min(retry.retries_per_model, retry.max_attempts - 1) > MAX_RETRY_ATTEMPTS:
        notes.append(f"retries_per_model {retry.retries_per_model} capped at Portkey's maximum of {MAX_RETRY_ATTEMPTS}")
    config["request_timeout"] = int(policy.timeouts.total_s * 1000)

    breaker = policy.breaker
    cb_config = {
        "failure_threshold_percentage": breaker.failure_rate_threshold,
        "minimum_requests": breaker.minimum_calls,
        "cooldown_interval": max(MIN_COOLDOWN_MS, int(breaker.wait_in_open_s * 1000)),
        "failure_status_codes": BREAKER_STATUS_CODES + ([429] if breaker.count_rate_limits else []),
    }
    breaker_applies = _add_breaker(config, cb_config)
    cache = policy.cache
    if cache.enabled:
        max_age = int(min(max(cache.ttl_s, CACHE_MAX_AGE_S[0]), CACHE_MAX_AGE_S[1]))
        config["cache"] = {"mode": "semantic", "max_age": max_age}
        notes.append(f"semantic cache similarity threshold {cache.similarity_threshold:g} cannot be set: Portkey "
                     "picks its own; its semantic cache is a hosted feature (the open-source gateway caches exact "
                     "matches only, and reads max_age in milliseconds)")
        notes.append(f"cache max_entries ({cache.max_entries}) and embedding model ({cache.embedding_model}) have "
                     "no Portkey equivalent")
        if max_age != cache.ttl_s:
            notes.append(f"cache ttl {cache.ttl_s:g}s clamped to Portkey's range: max_age {max_age}s")
    notes += _notes(settings, codes, breaker_applies, catalog, plan, (attempts, fallbacks), cut)
    ordered = {key: config[key] for key in ("strategy", "targets", "retry", "request_timeout", "cache") if key in config}
    return ExportResult(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n", notes, ".json")


def _add_breaker(node: dict[str, Any], cb_config: dict[str, Any]) -> bool:
    """cb_config on every fallback and loadbalance strategy (conditional ones are not evaluated)."""
    found = False
    strategy = node.get("strategy")
    if strategy and strategy["mode"] in ("fallback", "loadbalance"):
        strategy["cb_config"] = dict(cb_config)
        found = True
    for child in node.get("targets", []):
        found = _add_breaker(child, cb_config) or found
    return found


def _fallback() -> dict[str, Any]:
    return {"mode": "fallback", "on_status_codes": list(FALLBACK_STATUS_CODES)}


def _has_fallback(node: dict[str, Any]) -> bool:
    return node.get("strategy", {}).get("mode") == "fallback" or any(_has_fallback(t) for t in node.get("targets", []))


def _target(catalog: Catalog, model_id: str) -> dict[str, Any]:
    spec = catalog.get(model_id)
    provider = provider_of(catalog, spec)
    out: dict[str, Any]
    native = native_provider(catalog, spec)
    if native:
        out = {"provider": native}
    elif provider.local and provider.name == "ollama":
        out = {"provider": "ollama", "custom_host": provider.base_url.removesuffix("/v1")}
    else:
        out = {"provider": provider.kind, "custom_host": provider.base_url}
    if provider.api_key_env:
        # Portkey configs cannot read the environment: a ${NAME} placeholder to
        # substitute when the config is sent, or to replace with a virtual key.
        out["api_key"] = "${" + provider.api_key_env + "}"
    out["override_params"] = {"model": spec.api_name}
    return out


def _notes(settings: Settings, codes: list[int], breaker_applies: bool, catalog: Catalog, plan: RoutePlan,
           budget: tuple[int, int], cut: list[str]) -> list[str]:
    policy = settings.policy
    retry, breaker, timeouts = policy.retry, policy.breaker, policy.timeouts
    envs = sorted({catalog.providers[catalog.models[m].provider].api_key_env for m in plan.all_models()} - {""})
    notes = []
    if envs:
        notes.append(f"Portkey configs cannot read environment variables: api_key holds ${{NAME}} placeholders "
                     f"({', '.join(envs)}); substitute them when sending the config (e.g. envsubst) or replace "
                     "api_key with a Portkey virtual_key")
    attempts, fallbacks = budget
    cut_note = f"; cut to that length: the chains from {', '.join(cut)}" if cut else ""
    notes += [
        f"one retry budget per request (max_attempts {retry.max_attempts}) has no Portkey equivalent: each target "
        f"gets {attempts} retries and a fallback chain at most {fallbacks} fallbacks, so (1 + {attempts}) × "
        f"(1 + {fallbacks}) ≤ {retry.max_attempts}{cut_note}",
        f"retry backoff (base {retry.base_delay_s:g}s × {retry.multiplier:g}^n, max {retry.max_delay_s:g}s) and the "
        f"Retry-After cap ({retry.max_retry_after_s:g}s) cannot be set",
        f"timeouts: Portkey has one request_timeout ({timeouts.total_s:g}s); connect ({timeouts.connect_s:g}s), "
        f"first-token ({timeouts.first_token_s:g}s) and idle ({timeouts.idle_s:g}s) cannot be set apart",
    ]
    if {"timeout", "connection"} & set(retry.retry_on):
        notes.append("retries on client-side timeouts and connection errors cannot be expressed: Portkey retries on "
                     f"status codes only ({', '.join(map(str, codes))})")
    if breaker_applies:
        notes.append(
            "Portkey's circuit breaker (strategy.cb_config) is a hosted-only feature: the open-source gateway does "
            f"not ship its handler; it has no {breaker.window_type} window ({breaker.window_size}), no half-open "
            f"probes ({breaker.half_open_calls}), no slow-call threshold, and a cooldown of at least 30s "
            f"(wait_in_open_s {breaker.wait_in_open_s:g}s)")
    else:
        notes.append("circuit breaker not exported: a single target with no fallback has no sibling to route to")
    return notes
