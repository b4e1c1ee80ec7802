"""Export a policy as a Portkey gateway config (JSON).

Sources:
- The config shape the gateway validates: Portkey-AI/gateway
  `src/middlewares/requestValidator/schema/config.ts` (strategy.mode single |
  loadbalance | fallback | conditional, on_status_codes, conditions
  [{query, then}], default; provider, api_key, custom_host, retry {attempts,
  on_status_codes}, cache {mode simple | semantic, max_age}, weight,
  request_timeout, nested targets) and the provider names in `src/globals.ts`.
- How targets run: `src/handlers/handlerUtils.ts`, `tryTargetsRecursively`
  (fallback moves to the next target only when the status is in
  strategy.on_status_codes; loadbalance draws one target by weight, default
  1, and does not fail over by itself; conditional reads the
  x-portkey-metadata header; nested targets inherit retry and
  request_timeout; a target's retry.on_status_codes defaults to
  RETRY_STATUS_CODES; the circuit breaker is delegated to a
  `handleCircuitBreakerResponse` handler the open-source gateway does not
  ship); MAX_RETRIES = 5 in `src/globals.ts`; the Ollama provider appends
  /v1/chat/completions to custom_host (`src/providers/ollama/api.ts`), the
  Anthropic provider /messages (so its custom_host ends in /v1).
- Checked against the open-source gateway 1.15.2 from npm with the simulator
  upstream and faults injected (issue #12): it ignores cb_config and cache,
  falls back only on the listed statuses, applies request_timeout per attempt,
  and ends a broken stream as if it had finished.
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
from playground.config.exporters.common import (
    PORTKEY_VERSION,
    ExportResult,
    anthropic_root,
    attempt_budget,
    base_url,
    native_provider,
    per_attempt_timeout,
    provider_of,
    with_version,
)
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
        return {**extra, **_target(catalog, model_id, env)}

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
        models = within_budget(plan.members if plan.mode == "fallback"
                               else [plan.primary, *plan.chains.get(plan.primary, [])])
        config["strategy"] = _fallback() if len(models) > 1 else {"mode": "single"}
        config["targets"] = [target(m) for m in models]
        if plan.mode == "cheapest":
            notes.append(f"Portkey has no cost-based routing: exported the cheapest model of the pool ({plan.primary}) "
                         "and the chain the playground falls back along")
    elif plan.mode == "loadbalance":
        # Portkey's loadbalance does not fail over: each weighted target is the
        # deployment followed by its fallbacks.
        config["strategy"] = {"mode": "loadbalance"}
        config["targets"] = [group([m, *plan.chains.get(m, [])], weight=plan.weights.get(m, 1.0)) for m in plan.members]
        if plan.policy in ("least-busy", "latency"):
            notes.append(f"loadbalance policy '{plan.policy}' has no Portkey equivalent: exported as a weighted spread")
        notes.append(f"{plan.strategy}: Portkey draws the weighted target at random for each request, so which "
                     "deployment serves a given request (and fails over) differs from the playground's own draw")
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

    config["retry"] = {"attempts": attempts, "on_status_codes": codes}
    if _has_fallback(config):
        notes.append(f"Portkey falls back only on the listed statuses {', '.join(map(str, FALLBACK_STATUS_CODES))} "
                     "(every failure the playground falls back on but a too-long prompt): a prompt over a model's "
                     "context window is a 400 Portkey cannot tell from a bad request, so it does not fall back")
    if min(retry.retries_per_model, retry.max_attempts - 1) > MAX_RETRY_ATTEMPTS:
        notes.append(f"retries_per_model {retry.retries_per_model} capped at Portkey's maximum of {MAX_RETRY_ATTEMPTS}")
    worst = (1 + attempts) * _longest_chain(config)
    config["request_timeout"] = int(per_attempt_timeout(policy.timeouts.total_s, worst) * 1000)

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
        notes.append("cache: the open-source gateway ignores it (identical requests all go upstream); exported for "
                     "Portkey's hosted gateway, whose semantic cache picks its own similarity threshold (the "
                     f"policy's {cache.similarity_threshold:g} cannot be set)")
        notes.append(f"cache max_entries ({cache.max_entries}) and embedding model ({cache.embedding_model}) have "
                     "no Portkey equivalent")
        if max_age != cache.ttl_s:
            notes.append(f"cache ttl {cache.ttl_s:g}s clamped to Portkey's range: max_age {max_age}s")
    notes += _notes(settings, codes, breaker_applies, catalog, plan, (attempts, fallbacks), cut, worst,
                    config["request_timeout"])
    ordered = {
        key: config[key] for key in ("strategy", "targets", "retry", "request_timeout", "cache") if key in config
    }
    return ExportResult(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n", with_version(notes, PORTKEY_VERSION),
                        ".json")


def _longest_chain(node: dict[str, Any]) -> int:
    """The most targets one request can try: a fallback tries its targets in
    turn, any other strategy one of them."""
    targets = node.get("targets")
    if not targets:
        return 1
    lengths = [_longest_chain(t) for t in targets]
    return sum(lengths) if node.get("strategy", {}).get("mode") == "fallback" else max(lengths)


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


def _target(catalog: Catalog, model_id: str, env: Mapping[str, str] | None) -> dict[str, Any]:
    spec = catalog.get(model_id)
    provider = provider_of(catalog, spec)
    out: dict[str, Any]
    native = native_provider(catalog, spec, env)
    url = base_url(provider, env)
    if native:
        out = {"provider": native}
    elif provider.local and provider.name == "ollama":
        out = {"provider": "ollama", "custom_host": url.removesuffix("/v1")}
    elif provider.kind == "anthropic":
        out = {"provider": "anthropic", "custom_host": anthropic_root(url) + "/v1"}  # Portkey appends /messages
    else:
        out = {"provider": provider.kind, "custom_host": url}  # Portkey appends /chat/completions
    if provider.api_key_env:
        # Portkey configs cannot read the environment: a ${NAME} placeholder to
        # substitute when the config is sent, or to replace with a virtual key.
        out["api_key"] = "${" + provider.api_key_env + "}"
    out["override_params"] = {"model": spec.api_name}
    return out


def _notes(settings: Settings, codes: list[int], breaker_applies: bool, catalog: Catalog, plan: RoutePlan,
           budget: tuple[int, int], cut: list[str], worst: int, request_timeout_ms: int) -> list[str]:
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
        f"timeouts: Portkey applies request_timeout to each attempt, not to the request: {request_timeout_ms} ms is "
        f"the policy's total {timeouts.total_s:g}s over the {worst} attempts a request can make (backoff waits come "
        f"on top); connect ({timeouts.connect_s:g}s), first-token ({timeouts.first_token_s:g}s) and idle "
        f"({timeouts.idle_s:g}s) cannot be set apart",
        "a stream that breaks after its first chunk ends as if it had finished: a cut stream returns HTTP 200 with a "
        "truncated answer and no error, Anthropic's mid-stream overloaded_error becomes a normal finish, and a "
        "stalled stream hangs until the client's own timeout; Portkey falls back in none of these cases, the "
        "playground does (and counts the partial attempt)",
    ]
    if {"timeout", "connection"} & set(retry.retry_on):
        notes.append("retries on client-side timeouts and connection errors cannot be expressed: Portkey retries on "
                     f"status codes only ({', '.join(map(str, codes))})")
    if breaker_applies:
        notes.append(
            "circuit breaker: the open-source gateway ignores strategy.cb_config (its handler ships with Portkey's "
            "hosted gateway only), so failing targets are not taken out; exported for the hosted gateway, which has "
            f"no {breaker.window_type} window ({breaker.window_size}), no half-open probes "
            f"({breaker.half_open_calls}), no slow-call threshold, and a cooldown of at least 30s (wait_in_open_s "
            f"{breaker.wait_in_open_s:g}s)"
        )
    else:
        notes.append("circuit breaker not exported: a single target with no fallback has no sibling to route to")
    if plan.mode == "conditional":
        notes.append("circuit breaker: Portkey does not evaluate one on conditional strategies; only the per-model "
                     "fallback groups carry cb_config")
    return notes
