"""Turn a LiteLLM proxy config.yaml into a policy file.

model_list entries become models (with their providers); several deployments
under one model_name become a group and a `loadbalance` strategy with their
weights; router_settings become retry, breaker, timeouts, fallbacks and the
strategy; what has no counterpart is reported in `notes`. The shape read is
LiteLLM's proxy config (https://docs.litellm.ai/docs/proxy/configs,
https://docs.litellm.ai/docs/router/api_reference/configuration).

A value that does not fit is a `UserError` naming the file, the LiteLLM key
and the value (`{file}: {key} = {value}: {message}`), never a traceback;
nothing under api_key is ever repeated.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import yaml
from pydantic import BaseModel, ValidationError

from playground.config.limits import MAX_BYTES, MAX_DEPTH
from playground.config.load import _from_pydantic, read_capped
from playground.config.problems import problem
from playground.config.schema import (
    ENV_NAME,
    BreakerSection,
    CacheSection,
    ModelSection,
    PolicyFile,
    ProviderSection,
    RetrySection,
    TimeoutsSection,
)
from playground.core.catalog import default_catalog_raw
from playground.core.errors import UserError

# LiteLLM provider prefix -> (our provider name, kind, usual base URL, usual key variable).
KNOWN_PREFIXES: dict[str, tuple[str, str]] = {
    "openai": ("openai", "openai"),
    "anthropic": ("anthropic", "anthropic"),
    "groq": ("groq", "openai"),
    "deepseek": ("deepseek", "openai"),
    "openrouter": ("openrouter", "openai"),
    # Servers speaking the OpenAI protocol under LiteLLM's own prefixes.
    "hosted_vllm": ("vllm", "openai"),
    "ollama_chat": ("ollama", "openai"),
    "lm_studio": ("lm-studio", "openai"),
}
LB_POLICIES = {"simple-shuffle": "weighted", "least-busy": "least-busy", "latency-based-routing": "latency"}
KNOWN_ROUTER_KEYS = {"routing_strategy", "num_retries", "retry_policy", "allowed_fails", "allowed_fails_policy",
                     "cooldown_time", "fallbacks", "context_window_fallbacks", "timeout", "stream_timeout",
                     "enable_pre_call_checks", "max_fallbacks", "enable_tag_filtering"}
# api_key: os.environ/NAME, NAME as the schema's ENV_NAME allows.
ENV_PREFIX = "os.environ/"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
DEFAULT_CONTEXT = 128_000
# A field whose value is never repeated in an error (it may be a key).
HIDDEN = object()
Section = TypeVar("Section", bound=BaseModel)


def import_litellm(path: str | Path, notes: list[str] | None = None) -> PolicyFile:
    """Read a LiteLLM proxy config; append what could not be imported to `notes`."""
    notes = [] if notes is None else notes
    path = Path(path)
    try:
        text = read_capped(path)
    except UnicodeDecodeError as exc:
        raise UserError(f"cannot read {path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(text) > MAX_BYTES:
        raise UserError(f"{path}: larger than {MAX_BYTES:,} characters; not a LiteLLM proxy config")
    try:
        data = yaml.load(text, Loader=_BoundedLoader)  # a SafeLoader with limits
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise UserError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    except (ValueError, RecursionError) as exc:  # an integer past Python's digit limit
        raise UserError(f"{path}: not a usable YAML config ({str(exc).split(';')[0]})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: not a LiteLLM config (expected a mapping with model_list)")
    entries = data.get("model_list")
    if not isinstance(entries, list) or not entries:
        raise UserError(f"{path}: model_list: missing or empty (a LiteLLM proxy config lists its deployments there)")
    return _Importer(path, notes).run(data, entries)


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with limits: nesting depth, and the number of
    nodes the document stands for once aliases are expanded (a
    "billion laughs" document is a few lines that stand for 10^9 nodes)."""

    MAX_NODES = 100_000

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0
        self._sizes: dict[str, int] = {}

    def _count(self, nodes: int) -> None:
        self._nodes += nodes
        if self._nodes > self.MAX_NODES:
            raise yaml.YAMLError(f"the document expands to more than {self.MAX_NODES:,} values (aliases repeat "
                                 "their anchor's whole value); a LiteLLM config is much smaller")

    def compose_node(self, parent: Any, index: Any) -> Any:
        anchor = self.peek_event().anchor
        if self.check_event(yaml.AliasEvent):
            self._count(self._sizes.get(anchor, 1) if anchor is not None else 1)
            return super().compose_node(parent, index)
        before = self._nodes
        self._count(1)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.YAMLError(f"nested more than {MAX_DEPTH} levels deep")
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if anchor is not None:
            self._sizes[anchor] = self._nodes - before
        return node


class _Importer:
    def __init__(self, path: Path, notes: list[str]) -> None:
        self.path = path
        self.notes = notes
        self.providers: dict[str, ProviderSection] = {}
        self.models: dict[str, ModelSection] = {}
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.weights: dict[str, float] = {}
        self.complexity: dict[str, Any] | None = None

    def fail(self, key: str, message: str) -> UserError:
        return UserError(f"{self.path}: {key}: {message}")

    def bad(self, key: str, value: Any, message: str) -> UserError:
        """`{file}: {key} = {value}: {message}`; a value shaped like a key is not repeated."""
        return UserError(str(problem((key,), message, value, origin=str(self.path))))

    def validated(self, section: type[Section], data: dict[str, Any], sources: dict[str, tuple[str, Any]]) -> Section:
        """Validate one section built from the file; an error names the LiteLLM
        key (and value) each field came from, `sources[field] = (key, value)`."""
        try:
            return section.model_validate(data)
        except ValidationError as exc:
            found = _from_pydantic(exc.errors()[0])
            key, value = sources.get(found.key[0] if found.key else "", (".".join(found.key), HIDDEN))
            raise (self.fail(key, found.message) if value is HIDDEN else self.bad(key, value, found.message)) from None

    def number(self, key: str, value: Any, *, whole: bool = False) -> None:
        """A number (whole when `whole`) or nothing; YAML booleans are not numbers."""
        if value is None:
            return
        if whole and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.bad(key, value, "must be a whole number")
        if not _is_number(value):
            raise self.bad(key, value, f"must be a finite number of at most {_LARGEST:.0e} in size")

    def run(self, data: dict[str, Any], entries: list[Any]) -> PolicyFile:
        for index, entry in enumerate(entries):
            self.deployment(index, entry)
        if not self.models:
            raise self.fail("model_list", "no deployment to import (only routers)")
        router = data.get("router_settings") or {}
        if not isinstance(router, dict):
            raise self.fail("router_settings", "expected a mapping")
        policy: dict[str, Any] = {"providers": {k: v.model_dump(exclude_defaults=True) | {"base_url": v.base_url}
                                                for k, v in self.providers.items()},
                                  "models": {k: v.model_dump(exclude_none=True) for k, v in self.models.items()}}
        groups = {name: ids for name, ids in self.by_name.items() if len(ids) > 1}
        policy["groups"] = groups
        policy.update(self.resilience(router))
        policy["router"], policy["strategies"] = self.strategy(router, groups)
        for key in ("litellm_settings", "general_settings", "environment_variables"):
            if data.get(key):
                policy.update(self.settings(key, data[key]) if key == "litellm_settings" else {})
                if key != "litellm_settings":
                    self.notes.append(f"{key} not imported (proxy administration, not routing policy)")
        unknown = sorted(set(data) - {"model_list", "router_settings", "litellm_settings", "general_settings",
                                      "environment_variables"}, key=str)
        for key in unknown:
            self.notes.append(f"{key} not imported (unknown section)")
        try:
            return PolicyFile.model_validate(policy)
        except ValidationError as exc:  # every section was checked with its LiteLLM key above; a safety net
            found = _from_pydantic(exc.errors()[0])
            raise UserError(str(found.at(f"{self.path} (imported)", None))) from None

    # --- model_list --------------------------------------------------------

    def deployment(self, index: int, entry: Any) -> None:
        where = f"model_list[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("model_name"), str):
            raise self.fail(where, "each deployment needs model_name and litellm_params")
        params = entry.get("litellm_params")
        if not isinstance(params, dict) or not isinstance(params.get("model"), str):
            raise self.fail(f"{where}.litellm_params.model", "missing (expected e.g. openai/gpt-4o)")
        name = entry["model_name"]
        model = params["model"]
        if model.startswith("auto_router/complexity_router"):
            self.complexity = {"name": name, **self.complexity_config(f"{where}.litellm_params", params)}
            return
        prefix, sep, api_name = model.partition("/")
        if not sep:
            prefix, api_name = ("anthropic", model) if model.startswith("claude") else ("openai", model)
        if prefix not in KNOWN_PREFIXES:
            raise self.fail(f"{where}.litellm_params.model", f"unsupported provider prefix {prefix!r} in {model!r}; "
                            f"supported: {', '.join(KNOWN_PREFIXES)} (any OpenAI-compatible server as openai/ "
                            "with api_base)")
        info = entry.get("model_info")
        if info is None:
            info = {}
        elif not isinstance(info, dict):
            raise self.fail(f"{where}.model_info", "expected a mapping (input_cost_per_token, max_input_tokens...)")
        weight = params.get("weight")
        if weight is not None and not (_is_number(weight) and weight >= 0):
            raise self.bad(f"{where}.litellm_params.weight", weight, "must be a number ≥ 0")
        provider = self.provider(where, prefix, params)
        model_id = self.model_id(name, info)
        sources: dict[str, tuple[str, Any]] = {"api_name": (f"{where}.litellm_params.model", model)}
        costs: list[float | None] = []
        for key, field in (("input_cost_per_token", "input_per_mtok"), ("output_cost_per_token", "output_per_mtok")):
            found = self.first(where, params, info, key)
            if found is not None:
                sources[field] = found
            costs.append(None if found is None else float(found[1]))
        in_cost, out_cost = costs
        window_key = next((k for k in ("max_input_tokens", "max_tokens") if info.get(k) is not None), None)
        window = info.get(window_key) if window_key else None
        section: dict[str, Any] = {"provider": provider, "api_name": api_name}
        local = self.providers[provider].local
        if in_cost is None or out_cost is None:
            if not local:
                self.notes.append(f"{where} ({name}): no input/output_cost_per_token; costs set to 0, edit "
                                  f"models.{model_id}.input_per_mtok / output_per_mtok")
            in_cost, out_cost = in_cost or 0.0, out_cost or 0.0
        section["input_per_mtok"] = round(in_cost * 1_000_000, 6)
        section["output_per_mtok"] = round(out_cost * 1_000_000, 6)
        if window_key is None:
            self.notes.append(f"{where} ({name}): no model_info.max_input_tokens; context window set to "
                              f"{DEFAULT_CONTEXT:,}")
            window = DEFAULT_CONTEXT
        else:
            self.number(f"{where}.model_info.{window_key}", window, whole=True)
            sources["context_window"] = (f"{where}.model_info.{window_key}", window)
        assert window is not None  # the default, or a checked whole number
        section["context_window"] = window
        max_output = info.get("max_output_tokens")
        if max_output is not None:
            self.number(f"{where}.model_info.max_output_tokens", max_output, whole=True)
            section["max_output_tokens"] = min(max_output, window)
            sources["max_output_tokens"] = (f"{where}.model_info.max_output_tokens", max_output)
        section["source"] = f"imported from {self.path.name}"
        self.models[model_id] = self.validated(ModelSection, section, sources)
        self.by_name[name].append(model_id)
        if weight is not None:
            self.weights[model_id] = float(weight)
        for key in ("rpm", "tpm", "order", "tags", "max_parallel_requests"):
            if key in params or key in entry:
                self.notes.append(f"{where} ({name}): {key} not imported (no counterpart in the playground)")

    def first(self, where: str, params: dict[str, Any], info: dict[str, Any], key: str) -> tuple[str, float] | None:
        """(the key it was read from, value) of a cost set in litellm_params or model_info."""
        for part, source in (("litellm_params", params), ("model_info", info)):
            if source.get(key) is not None:
                self.number(f"{where}.{part}.{key}", source[key])
                return f"{where}.{part}.{key}", float(source[key])
        return None

    def complexity_config(self, where: str, params: dict[str, Any]) -> dict[str, Any]:
        config = params.get("complexity_router_config")
        if config is None:
            return {}
        if not isinstance(config, dict):
            raise self.fail(f"{where}.complexity_router_config", "expected a mapping with tiers")
        tiers = config.get("tiers")
        if tiers is not None and not isinstance(tiers, dict):
            raise self.fail(f"{where}.complexity_router_config.tiers", "expected a mapping of tier to model name")
        for tier, value in (tiers or {}).items():
            if not (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
                raise self.bad(f"{where}.complexity_router_config.tiers.{tier}", value,
                               "expected a model_name (or a list of them)")
        return config

    def model_id(self, name: str, info: dict[str, Any]) -> str:
        wanted = str(info.get("id") or name).split("@", 1)[0]
        model_id = _SAFE.sub("-", wanted).strip("-") or "model"
        n = 2
        base = model_id
        while model_id in self.models:
            model_id = f"{base}-{n}"
            n += 1
        return model_id

    def provider(self, where: str, prefix: str, params: dict[str, Any]) -> str:
        name, kind = KNOWN_PREFIXES[prefix]
        known = default_catalog_raw()["providers"].get(name, {})
        base = params.get("api_base") or known.get("base_url")
        if not base:
            raise self.fail(f"{where}.litellm_params.api_base", f"needed for {prefix}/ models")
        if not isinstance(base, str):
            raise self.bad(f"{where}.litellm_params.api_base", base, "must be a URL such as http://localhost:8000/v1")
        if base.startswith(ENV_PREFIX):
            raise self.fail(f"{where}.litellm_params.api_base", "read from the environment; write the URL instead")
        key = params.get("api_key")
        env = ""
        if isinstance(key, str) and key.startswith(ENV_PREFIX):
            env = key.removeprefix(ENV_PREFIX)
            if not ENV_NAME.match(env):
                # Never repeated: what follows the prefix may be a pasted key.
                raise self.fail(f"{where}.litellm_params.api_key", "os.environ/ must be followed by an environment "
                                "variable NAME in capitals, such as os.environ/OPENAI_API_KEY")
        elif key is not None and key != "":
            # A literal key is never copied into a policy file.
            self.notes.append(f"{where}: api_key is a literal value and was NOT imported; set api_key_env "
                              "to the name of an environment variable holding it")
        elif known.get("api_key_env"):
            env = known["api_key_env"]
        host = urlparse(str(base)).hostname or ""
        local = host in ("localhost", "127.0.0.1", "::1") or bool(known.get("local"))
        if str(base).rstrip("/") != str(known.get("base_url", "")).rstrip("/"):
            name = re.sub(r"[^A-Za-z0-9]+", "-", host).strip("-") or name
        # LiteLLM calls a keyless local server; so must the imported policy.
        section = self.validated(ProviderSection, {"kind": kind, "base_url": base, "api_key_env": env, "local": local,
                                                   "enabled": local and not env},
                                 {"base_url": (f"{where}.litellm_params.api_base", base),
                                  "api_key_env": (f"{where}.litellm_params.api_key", HIDDEN)})
        existing = self.providers.get(name)
        if existing is not None and existing != section:
            name = f"{name}-{len(self.providers) + 1}"
        self.providers.setdefault(name, section)
        return name

    # --- router_settings -----------------------------------------------------

    def resilience(self, router: dict[str, Any]) -> dict[str, Any]:
        for key in ("num_retries", "max_fallbacks", "allowed_fails"):
            self.number(f"router_settings.{key}", router.get(key), whole=True)
        for key in ("timeout", "stream_timeout", "cooldown_time"):
            self.number(f"router_settings.{key}", router.get(key))
        routing = router.get("routing_strategy")
        if routing is not None and not isinstance(routing, str):
            raise self.bad("router_settings.routing_strategy", routing,
                           "must be a strategy name such as simple-shuffle")
        out: dict[str, Any] = {}
        retry: dict[str, Any] = {}
        if isinstance(router.get("num_retries"), int):
            retry["retries_per_model"] = max(0, min(10, router["num_retries"]))
        if isinstance(router.get("max_fallbacks"), int):
            tries = (1 + retry.get("retries_per_model", 1)) * (1 + router["max_fallbacks"])
            retry["max_attempts"] = max(1, min(50, tries))
        if retry:
            self.validated(RetrySection, retry, {
                "retries_per_model": ("router_settings.num_retries", router.get("num_retries")),
                "max_attempts": ("router_settings.max_fallbacks", router.get("max_fallbacks"))})
            out["retry"] = retry
        breaker: dict[str, Any] = {}
        if isinstance(router.get("allowed_fails"), int):
            # LiteLLM: N failures in a minute -> cooldown. Closest here: a 60 s
            # time window needing N calls, tripping at 50% (LiteLLM's own rate rule).
            breaker.update(window_type="time", window_size=60, minimum_calls=max(1, router["allowed_fails"]),
                           failure_rate_threshold=50.0)
        if isinstance(router.get("cooldown_time"), (int, float)):
            breaker["wait_in_open_s"] = float(router["cooldown_time"])
        if breaker:
            self.validated(BreakerSection, breaker, {
                "minimum_calls": ("router_settings.allowed_fails", router.get("allowed_fails")),
                "wait_in_open_s": ("router_settings.cooldown_time", router.get("cooldown_time"))})
            out["breaker"] = breaker
            self.notes.append("breaker: LiteLLM's allowed_fails (failures per minute) imported as a 60 s time window "
                              "with that many minimum calls and a 50% failure-rate threshold")
        if router.get("timeout") is not None:
            out["timeouts"] = {"total_s": float(router["timeout"])}
            self.validated(TimeoutsSection, out["timeouts"],
                           {"total_s": ("router_settings.timeout", router["timeout"])})
        chains: dict[str, list[str]] = {}
        for key in ("fallbacks", "context_window_fallbacks"):
            items = router.get(key)
            if items is None:
                continue
            if not isinstance(items, list):
                raise self.fail(f"router_settings.{key}", "expected a list of {model: [fallbacks]}")
            for index, item in enumerate(items):
                self.check_fallback(f"router_settings.{key}[{index}]", item)
                for source, targets in item.items():
                    ids = [self.resolve(t) for t in (targets or [])]
                    for model_id in self.ids_of(source):
                        chain = chains.setdefault(model_id, [])
                        chain += [t for t in ids if t and t not in chain and t != model_id]
        if chains:
            out["fallbacks"] = {"enabled": True, "chains": chains}
        for key in sorted(set(router) - KNOWN_ROUTER_KEYS, key=str):
            self.notes.append(f"router_settings.{key} not imported (no counterpart in the playground)")
        if router.get("retry_policy") or router.get("allowed_fails_policy"):
            self.notes.append("retry_policy / allowed_fails_policy per exception type not imported: the playground "
                              "never retries auth or bad-request errors and never counts them against the breaker")
        return out

    def check_fallback(self, key: str, item: Any) -> None:
        """One {model_name: [model_name, ...]} entry of a fallbacks list."""
        if not isinstance(item, dict) or not item:
            raise self.fail(key, "expected {model: [fallbacks]}, e.g. {gpt-4o: [claude-sonnet]}")
        for source, targets in item.items():
            if not isinstance(source, str):
                raise self.bad(key, source, "a fallback source must be a model_name")
            if targets is not None and not (isinstance(targets, list) and all(isinstance(t, str) for t in targets)):
                raise self.bad(f"{key}.{source}", targets, "expected a list of model_names")

    def ids_of(self, name: str) -> list[str]:
        return list(self.by_name.get(name, []))

    def resolve(self, name: str) -> str:
        """A LiteLLM model_name to one model id (a group's first deployment)."""
        ids = self.ids_of(name)
        if not ids:
            self.notes.append(f"fallback target {name!r} is not in model_list; dropped")
            return ""
        return ids[0]

    def strategy(self, router: dict[str, Any], groups: dict[str, list[str]]) -> tuple[dict[str, Any], dict[str, Any]]:
        routing = router.get("routing_strategy", "simple-shuffle")
        if self.complexity is not None:
            tiers = self.complexity.get("tiers") or {}
            pick = {k: self.resolve(v if isinstance(v, str) else str(v[0])) for k, v in tiers.items() if v}
            tier_of = (("small_model", "SIMPLE"), ("mid_model", "MEDIUM"), ("large_model", "COMPLEX"))
            values = {k: pick[t] for k, t in tier_of
                      if pick.get(t)}
            self.notes.append("complexity_router imported as the complexity strategy (SIMPLE, MEDIUM, COMPLEX tiers); "
                              "its tier_boundaries score a different rule set and were not imported")
            return {"strategy": "complexity", "columns": ["complexity", "fixed"]}, {"complexity": values}
        if groups:
            group = next(iter(groups))
            if len(groups) > 1:
                self.notes.append(f"several load-balanced groups; the loadbalance strategy uses {group!r} "
                                  f"(others: {', '.join(list(groups)[1:])})")
            if routing == "cost-based-routing":
                self.notes.append("cost-based-routing imported as loadbalance (weighted); try the cost strategy")
            policy = LB_POLICIES.get(routing, "weighted")
            if routing not in LB_POLICIES and routing != "cost-based-routing":
                self.notes.append(f"routing_strategy {routing!r} imported as weighted load balancing")
            values: dict[str, Any] = {"group": group, "policy": policy}
            weights = {m: self.weights[m] for m in groups[group] if m in self.weights}
            if weights:
                values["weights"] = weights
            return {"strategy": "loadbalance", "columns": ["loadbalance", "fixed"]}, {"loadbalance": values}
        first = next(iter(self.models))
        chains = router.get("fallbacks") or []
        if chains and isinstance(chains[0], dict):
            (source, targets), *_ = chains[0].items()
            primary = self.resolve(source)
            chain = [t for t in (self.resolve(x) for x in targets or []) if t and t != primary]
            if primary and chain:
                return ({"strategy": "fallback", "columns": ["fallback", "fixed"]},
                        {"fallback": {"primary": primary, "chain": chain}})
        return {"strategy": "fixed", "columns": ["fixed"]}, {"fixed": {"model": first}}

    def settings(self, key: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "expected a mapping")
        out: dict[str, Any] = {}
        if value.get("cache"):
            params = value.get("cache_params") or {}
            if not isinstance(params, dict):
                raise self.fail(f"{key}.cache_params", "expected a mapping (type, ttl, similarity_threshold...)")
            cache: dict[str, Any] = {"enabled": True}
            self.number(f"{key}.cache_params.ttl", params.get("ttl"))
            self.number(f"{key}.cache_params.similarity_threshold", params.get("similarity_threshold"))
            if params.get("ttl") is not None and params["ttl"] > 0:
                cache["ttl_s"] = float(params["ttl"])
            if params.get("similarity_threshold") is not None:
                cache["similarity_threshold"] = float(params["similarity_threshold"])
            self.validated(CacheSection, cache, {
                "ttl_s": (f"{key}.cache_params.ttl", params.get("ttl")),
                "similarity_threshold": (f"{key}.cache_params.similarity_threshold",
                                         params.get("similarity_threshold"))})
            out["cache"] = cache
        for extra in sorted(set(value) - {"cache", "cache_params"}, key=str):
            self.notes.append(f"{key}.{extra} not imported (no counterpart in the playground)")
        return out


# Larger numbers are not prices, windows or timeouts (and may not fit a float).
_LARGEST = 1e15


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return abs(value) <= _LARGEST if isinstance(value, int) else math.isfinite(value) and abs(value) <= _LARGEST
