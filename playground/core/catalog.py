"""The model catalog: prices, context windows, capabilities and simulator
profiles, loaded from the packaged `data/catalog.toml`."""

from __future__ import annotations

import copy
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from playground.core.errors import UserError

Tier = Literal["flagship", "mid", "small", "local"]
ProviderKind = Literal["openai", "anthropic"]

SIM_PREFIX = "sim-"
# Capability names scored in the catalog (0-10).
CAPABILITY_NAMES = ("reasoning", "coding", "creative", "speed", "long_context")


class SimProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    ttft_ms: float = Field(gt=0)
    tokens_per_s: float = Field(gt=0)
    quality: float = Field(ge=0, le=1)


class ModelFeatures(BaseModel):
    """What a model accepts and offers beyond plain text, as its provider
    documents it (`source`, read on `checked`). Routing treats each as a hard
    constraint: a request that needs one never goes to a model without it.
    The defaults are a plain text model (what an undeclared local or
    discovered model is assumed to be until the config says otherwise)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    images: bool = False  # image input (OpenAI image_url parts, Anthropic image blocks)
    tools: bool = False  # function / tool calling
    parallel_tool_calls: bool = False  # several tool calls in one turn
    json_mode: bool = False  # "any JSON object" output (OpenAI response_format json_object)
    json_schema: bool = False  # output constrained to a given JSON Schema (structured outputs)
    system_prompt: bool = True
    source: str = ""
    checked: str = ""


FEATURE_LABELS = {
    "images": "image input",
    "tools": "tool calling",
    "parallel_tool_calls": "parallel tool calls",
    "json_mode": "JSON mode",
    "json_schema": "JSON schema output",
    "system_prompt": "system prompts",
}


class ModelSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    provider: str
    api_name: str
    tier: Tier
    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)
    context_window: int = Field(gt=0)
    max_output_tokens: int = Field(gt=0)
    source: str
    price_date: str
    capabilities: dict[str, float] = Field(default_factory=dict)
    sim: SimProfile
    features: ModelFeatures = Field(default_factory=ModelFeatures)

    @property
    def supports_images(self) -> bool:
        return self.features.images

    @property
    def supports_parallel_tool_calls(self) -> bool:
        return self.features.parallel_tool_calls

    def capability(self, name: str) -> float:
        return self.capabilities.get(name, 0.0)

    @property
    def sim_name(self) -> str:
        """The name the simulator serves this model's counterpart under."""
        return SIM_PREFIX + self.id


class EmbeddingModelSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    provider: str
    api_name: str
    dimensions: int = Field(gt=0)
    input_per_mtok: float = Field(ge=0)
    source: str
    price_date: str

    @property
    def sim_name(self) -> str:
        return SIM_PREFIX + self.api_name


class ProviderSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    kind: ProviderKind
    base_url: str
    api_key_env: str = ""
    base_url_env: str = ""
    local: bool = False


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True)
    catalog_date: str
    flagship: str
    providers: dict[str, ProviderSpec]
    models: dict[str, ModelSpec]
    groups: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    embedding_models: dict[str, EmbeddingModelSpec] = Field(default_factory=dict)

    def get(self, model_id: str) -> ModelSpec:
        try:
            return self.models[model_id]
        except KeyError:
            raise UserError(f"unknown model {model_id!r}; known models: {', '.join(sorted(self.models))}") from None

    def by_sim_name(self, name: str) -> ModelSpec | None:
        if name.startswith(SIM_PREFIX):
            return self.models.get(name[len(SIM_PREFIX):])
        return None

    def cheapest_first(self) -> list[ModelSpec]:
        return sorted(self.models.values(), key=lambda m: (m.input_per_mtok + m.output_per_mtok, m.id))


def parse_catalog(raw: dict, origin: str) -> Catalog:
    data = dict(raw)
    data["providers"] = {name: {"name": name, **spec} for name, spec in raw.get("providers", {}).items()}
    data["models"] = {mid: {"id": mid, **spec} for mid, spec in raw.get("models", {}).items()}
    data["embedding_models"] = {mid: {"id": mid, **spec} for mid, spec in raw.get("embedding_models", {}).items()}
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserError(f"{origin}: invalid catalog entry at {where}: {first['msg']}") from None
    for model in catalog.models.values():
        if model.provider not in catalog.providers:
            raise UserError(f"{origin}: model {model.id!r} names unknown provider {model.provider!r}")
    for group, members in catalog.groups.items():
        unknown = [m for m in members if m not in catalog.models]
        if unknown or not members:
            raise UserError(f"{origin}: group {group!r} needs known models; unknown: {', '.join(unknown) or '(empty)'}")
    if catalog.flagship not in catalog.models:
        raise UserError(f"{origin}: flagship {catalog.flagship!r} is not a model in the catalog")
    return catalog


DEFAULT_CATALOG_ORIGIN = "playground/core/data/catalog.toml"


@lru_cache(maxsize=1)
def _packaged_catalog_data() -> dict:
    text = resources.files("playground.core").joinpath("data/catalog.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def default_catalog_raw() -> dict:
    """The packaged catalog as plain TOML data, for merging user overrides: a copy of what was
    parsed once (every settings rebuild, e.g. each tuning change, starts from it)."""
    return copy.deepcopy(_packaged_catalog_data())


def is_packaged_catalog_data(raw: dict) -> bool:
    """True when `raw` is the packaged catalog unchanged, so `default_catalog()` can stand for it."""
    return raw == _packaged_catalog_data()


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return parse_catalog(default_catalog_raw(), DEFAULT_CATALOG_ORIGIN)
