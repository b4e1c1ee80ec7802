"""Export a policy as a LiteLLM proxy config.yaml (model_list, router_settings,
litellm_settings).

Sources (read for LiteLLM 1.109.1; the notes were checked against the proxy
1.108.7, loaded with the simulator upstream and faults injected, issue #12):
- Router arguments and their proxy form (`router_settings`):
  https://docs.litellm.ai/docs/router/api_reference/configuration and
  `litellm/router_python_core.py` (`Router.__init__`: routing_strategy,
  num_retries, max_fallbacks, timeout, stream_timeout, fallbacks,
  context_window_fallbacks, enable_pre_call_checks, enable_tag_filtering,
  retry_policy, allowed_fails, allowed_fails_policy, cooldown_time).
- Retries, fallbacks and cooldowns:
  https://docs.litellm.ai/docs/router/learn/reliability; RetryPolicy and
  AllowedFailsPolicy fields in `litellm/types/router.py`; the 50% per-minute
  failure cooldown in `litellm/constants.py` (DEFAULT_FAILURE_THRESHOLD_PERCENT).
- model_list entries (`litellm_params.model` "provider/name", `api_base`,
  `api_key: os.environ/NAME`, `weight`, custom `input_cost_per_token`, and
  `model_info`): https://docs.litellm.ai/docs/proxy/configs; the cost-based
  strategy reads litellm_params costs (`litellm/router_strategy/lowest_cost.py`).
- Complexity router (`model: auto_router/complexity_router`,
  `complexity_router_config.tiers` SIMPLE/MEDIUM/COMPLEX/REASONING and
  default `tier_boundaries`): `litellm/router_strategy/complexity_router/README.md`
  and `config.py`.
- Tag routing (deployment `tags`, a `default` tag, `enable_tag_filtering`):
  `litellm/router_strategy/tag_based_routing.py`.
- Caching (`litellm_settings.cache`, `cache_params.type` local / redis-semantic,
  `similarity_threshold`, `ttl`): `litellm/caching/caching.py`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from playground.config.build import Settings
from playground.config.exporters.common import (
    LITELLM_VERSION,
    ExportResult,
    anthropic_root,
    attempt_budget,
    base_url,
    native_provider,
    per_attempt_timeout,
    provider_of,
    with_version,
)
from playground.config.exporters.plan import build_plan
from playground.core.catalog import Catalog
from playground.strategies.route_plan import unique

# A local server needs no key, but LiteLLM's OpenAI client wants a non-empty string.
NO_KEY = "no-key-needed"
# retry_on kinds -> LiteLLM RetryPolicy fields.
RETRY_FIELDS = {
    "rate_limited": "RateLimitErrorRetries",
    "server_error": "InternalServerErrorRetries",
    "overloaded": "ServiceUnavailableErrorRetries",
    "timeout": "TimeoutErrorRetries",
}
# "Never" for an allowed-fails count (failures per minute before a cooldown).
NEVER = 1_000_000
LB_STRATEGIES = {"weighted": "simple-shuffle", "health": "simple-shuffle", "least-busy": "least-busy",
                 "latency": "latency-based-routing"}
COMPLEXITY_TIERS = {"SIMPLE": "small", "MEDIUM": "mid", "COMPLEX": "large", "REASONING": "large"}


def export_litellm(settings: Settings, env: Mapping[str, str] | None = None) -> ExportResult:
    plan = build_plan(settings, env)
    notes = list(plan.caveats)
    catalog = settings.catalog
    retry = settings.policy.retry
    num_retries, max_fallbacks = attempt_budget(retry)
    deployments: list[dict[str, Any]] = []
    named: set[str] = set()
    ids: set[str] = set()
    cut: list[str] = []

    def add(model_id: str, model_name: str, **extra: Any) -> dict[str, Any]:
        entry = _deployment(catalog, model_id, model_name, ids, extra, env)
        deployments.append(entry)
        named.add(model_name)
        return entry

    tag_mode = plan.mode == "conditional" and not plan.tiers

    def chain_names(chain: list[str]) -> list[str]:
        """Fallback targets as model names, each a deployment of its own (one
        named like the entry point gets a name of its own: a group cannot fall
        back to itself). With tag filtering on, they carry the "default" tag:
        a tagged request finds no deployment of an untagged group."""
        names = []
        for model_id in chain:
            name = model_id if model_id != plan.entry or plan.mode in ("single", "fallback") else f"{model_id} (direct)"
            if name not in named:
                add(model_id, name, **({"tags": ["default"]} if tag_mode else {}))
            names.append(name)
        return names

    fallbacks: list[dict[str, list[str]]] = []

    def fall_back(source: str, chain: list[str]) -> None:
        """LiteLLM tries every listed fallback, each with its retries, whatever
        max_fallbacks says: the list itself is cut to the budget."""
        if len(chain) > max_fallbacks:
            cut.append(source)
        chain = chain[:max_fallbacks]
        if chain:
            fallbacks.append({source: chain_names(chain)})

    router: dict[str, Any] = {"routing_strategy": "simple-shuffle"}
    if plan.mode in ("single", "fallback"):
        add(plan.primary, plan.primary)
        if plan.mode == "fallback" and len(plan.members) > 1:
            fall_back(plan.primary, plan.members[1:])
    elif plan.mode == "loadbalance":
        for model_id in plan.members:
            add(model_id, plan.entry, weight=plan.weights.get(model_id, 1.0))
        router["routing_strategy"] = LB_STRATEGIES[plan.policy]
        if plan.policy in ("least-busy", "latency") and len(set(plan.weights.values())) > 1:
            notes.append(f"loadbalance weights are ignored by LiteLLM's {LB_STRATEGIES[plan.policy]} strategy")
        notes.append(f"{plan.strategy}: LiteLLM draws a deployment of {plan.entry} for every attempt, so a retry "
                     "may go to another deployment (the playground retries the one it drew, then fails over to the "
                     "others one by one); each draw is random, so which deployment serves differs from run to run")
        # A retry may draw the failing deployment again: fall back to the
        # deployments one by one, as the playground moves on to the next.
        failover = unique([m for member in plan.members for m in plan.chains.get(member, [])])
        if failover:
            fall_back(plan.entry, failover)
            if len({tuple(plan.chains.get(m, [])) for m in plan.members}) > 1 and plan.strategy != "loadbalance":
                notes.append(f"{plan.strategy}: per-model fallback chains collapse to one list for the {plan.entry} "
                             "group")
    elif plan.mode == "cheapest":
        # The playground sends every request to the cheapest model of the pool
        # and falls back along that model's chain. LiteLLM's cost-based routing
        # would stay on a failing cheapest deployment, and with fallbacks it
        # hung in the conformance runs: the entry point is the cheapest model.
        add(plan.primary, plan.entry)
        fall_back(plan.entry, plan.chains.get(plan.primary, []))
        notes.append(f"{plan.strategy}: exported the cheapest model of the pool ({plan.primary}) as {plan.entry}, "
                     "with the chain the playground falls back along; LiteLLM's cost-based routing is not used")
    elif plan.tiers:
        # The caller's max_tokens goes through unchanged, as the playground sends it.
        config = {"tiers": {tier: plan.tiers[ours] for tier, ours in COMPLEXITY_TIERS.items()},
                  "max_tokens_from_tier_model": False}
        deployments.append({"model_name": plan.entry,
                            "litellm_params": {"model": "auto_router/complexity_router",
                                               "complexity_router_config": config,
                                               "complexity_router_default_model": plan.primary}})
        for model_id in dict.fromkeys(plan.tiers.values()):
            add(model_id, model_id)
        notes.append(f"{plan.strategy}: LiteLLM's complexity_router scores prompts with its own rules, so the "
                     f"playground's {plan.classifier} do not carry over; its default "
                     "tier_boundaries are kept (recalibrate them on your prompts)")
    else:  # conditional on a label the caller sends: LiteLLM tag routing.
        tags: dict[str, list[str]] = {}
        for value, model_id in plan.branches:
            tags.setdefault(model_id, []).append(f"{plan.label_key}:{value}")
        tags.setdefault(plan.primary, []).append("default")
        for model_id, model_tags in tags.items():
            add(model_id, plan.entry, tags=model_tags)
        router["enable_tag_filtering"] = True
        notes.append(f"{plan.strategy}: routed by LiteLLM tags: the caller sends tags: [\"{plan.label_key}:<value>\"] "
                     f"in the request metadata; untagged requests go to {plan.primary}")
        if plan.chains:
            notes.append(f"{plan.strategy}: per-label fallback chains collapse to one chain for the "
                         f"{plan.entry} group (the default model's)")

    # Fallback chains of routed models (the engine's chain_for).
    if plan.mode in ("single", "fallback", "conditional"):
        for routed, chain in plan.chains.items():
            if tag_mode and routed != plan.primary:
                continue
            fall_back(plan.entry if tag_mode else routed, list(chain))
    # A prompt too long for a model goes to the first fallback with a larger window.
    window_fallbacks: list[dict[str, list[str]]] = []
    for entry in fallbacks:
        (source, chain), = entry.items()
        window = _window(catalog, deployments, source)
        larger = [name for name in chain if _window(catalog, deployments, name) > window]
        if larger:
            window_fallbacks.append({source: larger})

    router["num_retries"] = num_retries
    router["retry_policy"] = _retry_policy(retry.retry_on, num_retries)
    if fallbacks:
        router["fallbacks"] = fallbacks
        router["max_fallbacks"] = max_fallbacks
    if window_fallbacks:
        router["context_window_fallbacks"] = window_fallbacks
    router["enable_pre_call_checks"] = True
    timeouts = settings.policy.timeouts
    longest = max((len(chain) for entry in fallbacks for chain in entry.values()), default=0)
    worst = (1 + num_retries) * (1 + longest)
    router["timeout"] = per_attempt_timeout(timeouts.total_s, worst)
    router["stream_timeout"] = min(max(timeouts.first_token_s, timeouts.idle_s), router["timeout"])
    breaker = settings.policy.breaker
    router["allowed_fails"] = max(1, math.ceil(breaker.minimum_calls * breaker.failure_rate_threshold / 100))
    router["cooldown_time"] = breaker.wait_in_open_s
    router["allowed_fails_policy"] = {
        "AuthenticationErrorAllowedFails": NEVER,
        "BadRequestErrorAllowedFails": NEVER,
        "ContentPolicyViolationErrorAllowedFails": NEVER,
        **({} if breaker.count_rate_limits else {"RateLimitErrorAllowedFails": NEVER}),
    }
    notes += _resilience_notes(settings, num_retries, router, worst, cut)

    # Token counts with tiktoken: for llama-, cohere- and claude-named models LiteLLM would otherwise fetch a
    # Hugging Face tokenizer during the request (utils._select_tokenizer_helper), blocking the proxy's event
    # loop; offline that is ~23 s of retries per request (observed with the proxy 1.108.7, issue #12).
    litellm_settings: dict[str, Any] = {"disable_hf_tokenizer_download": True}
    config: dict[str, Any] = {"model_list": deployments, "router_settings": router,
                              "litellm_settings": litellm_settings}
    cache = settings.policy.cache
    if cache.enabled:
        litellm_settings.update({"cache": True, "cache_params": {"type": "local", "ttl": cache.ttl_s}})
        notes.append(f"semantic cache similarity threshold {cache.similarity_threshold:g} (embeddings by "
                     f"{cache.embedding_model}) not exported: LiteLLM's semantic caches need a Redis or Qdrant "
                     "server; exported the in-memory exact cache (set cache_params.type: redis-semantic and "
                     f"similarity_threshold: {cache.similarity_threshold:g} to get it)")
        notes.append(f"cache max_entries ({cache.max_entries}) has no LiteLLM equivalent")

    header = (f"# LiteLLM proxy config exported by routing-playground (`playground export --format litellm`),\n"
              f"# checked against {LITELLM_VERSION}.\n"
              f"# Router strategy: {plan.strategy}. Clients call model: {plan.entry}\n"
              f"# Keys are read from the environment (api_key: os.environ/NAME); no key is stored here.\n"
              f"# Run: LITELLM_MASTER_KEY=sk-<choose-a-key> litellm --config config.yaml --port 4000\n"
              f"# (the proxy refuses to start without a master key; clients send it as their API key)\n")
    text = header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return ExportResult(text, with_version(notes, LITELLM_VERSION), ".yaml")


def _deployment(catalog: Catalog, model_id: str, model_name: str, ids: set[str], extra: dict[str, Any],
                env: Mapping[str, str] | None) -> dict[str, Any]:
    spec = catalog.get(model_id)
    provider = provider_of(catalog, spec)
    params: dict[str, Any]
    native = native_provider(catalog, spec, env)
    if native:
        params = {"model": f"{native}/{spec.api_name}"}
    else:
        # Any other server speaks the protocol of its kind: openai/ (OpenAI-compatible, base URL with /v1)
        # or anthropic/ (LiteLLM appends /v1/messages to api_base).
        url = base_url(provider, env)
        params = {"model": f"{provider.kind}/{spec.api_name}",
                  "api_base": anthropic_root(url) if provider.kind == "anthropic" else url}
    params["api_key"] = f"os.environ/{provider.api_key_env}" if provider.api_key_env else NO_KEY
    params["input_cost_per_token"] = spec.input_per_mtok / 1_000_000
    params["output_cost_per_token"] = spec.output_per_mtok / 1_000_000
    params.update(extra)
    deployment_id = model_id if model_id not in ids else f"{model_id}@{model_name}"
    ids.add(deployment_id)
    return {
        "model_name": model_name,
        "litellm_params": params,
        "model_info": {
            "id": deployment_id,
            "input_cost_per_token": spec.input_per_mtok / 1_000_000,
            "output_cost_per_token": spec.output_per_mtok / 1_000_000,
            "max_input_tokens": spec.context_window,
            "max_output_tokens": spec.max_output_tokens,
            "max_tokens": spec.max_output_tokens,
        },
    }


def _window(catalog: Catalog, deployments: list[dict[str, Any]], model_name: str) -> int:
    """The smallest context window among a model name's deployments."""
    windows = [catalog.models[d["model_info"]["id"].split("@")[0]].context_window for d in deployments
               if d["model_name"] == model_name and "id" in d.get("model_info", {})]
    return min(windows) if windows else 0


def _retry_policy(retry_on: Sequence[str], retries: int) -> dict[str, int]:
    policy = {field: (retries if kind in retry_on else 0) for kind, field in RETRY_FIELDS.items()}
    policy.update(
        {"AuthenticationErrorRetries": 0, "BadRequestErrorRetries": 0, "ContentPolicyViolationErrorRetries": 0}
    )
    return policy


def _resilience_notes(settings: Settings, num_retries: int, router: dict[str, Any], worst: int,
                      cut: list[str]) -> list[str]:
    policy = settings.policy
    retry, breaker, timeouts = policy.retry, policy.breaker, policy.timeouts
    max_fallbacks = router.get("max_fallbacks", 0)
    cut_note = f"; cut to that length: the fallbacks of {', '.join(cut)}" if cut else ""
    notes = [
        f"one retry budget per request (max_attempts {retry.max_attempts} across retries and fallbacks) has no "
        f"LiteLLM equivalent: LiteLLM gives every fallback its own {num_retries} retries and tries every listed "
        f"fallback whatever max_fallbacks says, so each fallback list holds at most {max_fallbacks} models: at most "
        f"{worst} attempts per request (the playground makes at most {retry.max_attempts}){cut_note}",
        f"retry backoff (base {retry.base_delay_s:g}s × {retry.multiplier:g}^n, max {retry.max_delay_s:g}s, jitter "
        f"{retry.jitter:g}) and the Retry-After cap ({retry.max_retry_after_s:g}s) cannot be set: LiteLLM uses its "
        "own backoff and honours Retry-After",
        f"circuit breaker: LiteLLM cools a deployment down for cooldown_time {breaker.wait_in_open_s:g}s after "
        f"allowed_fails {router['allowed_fails']} failures in a minute (or a >50% failure rate in a minute), "
        f"not on a failure rate ≥ {breaker.failure_rate_threshold:g}% over a {breaker.window_type} window of "
        f"{breaker.window_size}; there are no half-open probes ({breaker.half_open_calls}) and no slow-call "
        f"threshold ({breaker.slow_call_rate_threshold:g}% slower than {breaker.slow_call_duration_s:g}s)",
        f"timeouts: LiteLLM applies timeout to each attempt, not to the request: {router['timeout']:g}s is the "
        f"policy's total {timeouts.total_s:g}s over the {worst} attempts a request can make (backoff waits come on "
        f"top); stream_timeout {router['stream_timeout']:g}s is the longer of first-token "
        f"{timeouts.first_token_s:g}s and idle {timeouts.idle_s:g}s, at most the timeout; connect "
        f"({timeouts.connect_s:g}s) cannot be set apart",
        "a stream that breaks after its first chunk (cut, stall, a mid-stream overloaded error) reaches the client "
        "as an error: LiteLLM neither retries nor falls back once streaming has started, where the playground "
        "falls back and counts the partial attempt",
    ]
    if "connection" in retry.retry_on:
        notes.append("retry on connection errors: LiteLLM's RetryPolicy has no field for them (num_retries applies)")
    return notes
