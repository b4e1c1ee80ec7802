"""What the exporters share: the result type and where a model's provider
really is (a well-known API at its usual address, or a server elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass, field

from playground.core.catalog import Catalog, ModelSpec, ProviderSpec, default_catalog_raw


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
