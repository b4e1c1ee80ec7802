"""What the exporters share: the result type, where a model's provider
really is (a well-known API at its usual address, or a server elsewhere), and
how one retry budget splits into retries and fallbacks."""

from __future__ import annotations

from dataclasses import dataclass, field

from playground.config.schema import RetrySection
from playground.core.catalog import Catalog, ModelSpec, ProviderSpec, default_catalog_raw

# Providers both gateways know by name (LiteLLM "<name>/<api name>", Portkey "provider": name).
NATIVE_PROVIDERS = ("openai", "anthropic", "groq", "deepseek", "openrouter")


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


def at_usual_address(provider: ProviderSpec) -> bool:
    """True when the provider is the well-known API of its name at its usual
    address, so a gateway's native provider can be used without a base URL."""
    usual = default_base_url(provider)
    return usual is not None and provider.base_url.rstrip("/") == usual and not provider.local


def native_provider(catalog: Catalog, model: ModelSpec) -> str | None:
    """The gateway's own provider name for this model's provider, when it is
    that well-known API at its usual address; None for any other server."""
    provider = provider_of(catalog, model)
    return provider.name if provider.name in NATIVE_PROVIDERS and at_usual_address(provider) else None


def attempt_budget(retry: RetrySection, max_retries: int | None = None) -> tuple[int, int]:
    """(retries per model, fallbacks) for a gateway that retries each target
    and then falls back, so that (1 + retries) × (1 + fallbacks) stays within
    the policy's one budget of max_attempts. `max_retries` is the gateway's own cap."""
    retries = min(retry.retries_per_model, retry.max_attempts - 1)
    if max_retries is not None:
        retries = min(retries, max_retries)
    return retries, max(0, retry.max_attempts // (1 + retries) - 1)
