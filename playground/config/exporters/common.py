"""What the exporters share: the result type, where a model's provider
really is (a well-known API at its usual address, or a server elsewhere —
the provider config's base URL, or its *_BASE_URL variable as the playground
reads it), how one retry budget splits into retries and fallbacks, and the
per-attempt timeout that keeps the worst case within the policy's total."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from playground.config.schema import RetrySection
from playground.core.catalog import Catalog, ModelSpec, ProviderSpec, default_catalog_raw

# Providers both gateways know by name (LiteLLM "<name>/<api name>", Portkey "provider": name).
NATIVE_PROVIDERS = ("openai", "anthropic", "groq", "deepseek", "openrouter")
# The gateway versions the exports' notes were checked against (issue #12:
# loaded into each with the simulator upstream and faults injected).
LITELLM_VERSION = "LiteLLM proxy 1.108.7"
PORTKEY_VERSION = "Portkey gateway 1.15.2"


@dataclass
class ExportResult:
    text: str
    # One line per feature of the policy the target format cannot express.
    unexpressed: list[str] = field(default_factory=list)
    # File name suffix for --out suggestions: ".toml", ".yaml", ".json".
    suffix: str = ".toml"


def provider_of(catalog: Catalog, model: ModelSpec) -> ProviderSpec:
    return catalog.providers[model.provider]


def default_base_url(provider: ProviderSpec) -> str | None:
    """The packaged catalog's base URL for a provider of this name, if any."""
    known = default_catalog_raw().get("providers", {}).get(provider.name)
    return known["base_url"].rstrip("/") if known else None


def base_url(provider: ProviderSpec, env: Mapping[str, str] | None = None) -> str:
    """Where the playground calls this provider: its *_BASE_URL variable when
    set (as `providers.endpoints` reads it), else the configured base URL."""
    env = os.environ if env is None else env
    override = env.get(provider.base_url_env, "") if provider.base_url_env else ""
    return (override or provider.base_url).rstrip("/")


def native_provider(catalog: Catalog, model: ModelSpec, env: Mapping[str, str] | None = None) -> str | None:
    """The gateway's own provider name for this model's provider, when it is
    that well-known API at its usual address; None for any other server."""
    provider = provider_of(catalog, model)
    usual = default_base_url(provider)
    at_usual = usual is not None and base_url(provider, env) == usual and not provider.local
    return provider.name if provider.name in NATIVE_PROVIDERS and at_usual else None


def anthropic_root(url: str) -> str:
    """An Anthropic base URL without a trailing /v1 (the SDK's form: it, and
    LiteLLM, append /v1/messages)."""
    return url.rstrip("/").removesuffix("/v1")


def attempt_budget(retry: RetrySection, max_retries: int | None = None) -> tuple[int, int]:
    """(retries per model, fallbacks) for a gateway that retries each target
    and then falls back, so that (1 + retries) × (1 + fallbacks) stays within
    the policy's one budget of max_attempts. `max_retries` is the gateway's own cap."""
    retries = min(retry.retries_per_model, retry.max_attempts - 1)
    if max_retries is not None:
        retries = min(retries, max_retries)
    return retries, max(0, retry.max_attempts // (1 + retries) - 1)


def per_attempt_timeout(total_s: float, worst_attempts: int) -> float:
    """Both gateways apply their timeout to each attempt: dividing the
    policy's per-request total by the most attempts a request can make keeps
    the worst case within the total (backoff waits aside). Tenths of a second."""
    return max(0.1, math.floor(total_s / max(1, worst_attempts) * 10) / 10)


def with_version(notes: list[str], gateway: str) -> list[str]:
    """Each note names the gateway version it is true for."""
    return [f"{note} [{gateway}]" for note in notes]
