"""The policy file's schema. One schema serves the user's config file, saved
profiles and the `toml` export, so what was tuned is exactly what is shipped.

Constraints live on the fields: a validation error can then say what is
allowed, not only that a value is wrong.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from playground.core.catalog import CAPABILITY_NAMES

SCHEMA_VERSION = 1
# An environment variable NAME as keys are referenced by (OPENAI_API_KEY).
# Upper case only: a pasted key (sk-..., gsk_...) never matches.
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")


class _Section(BaseModel):
    # No NaN or infinity anywhere: `inf` prices would export as invalid JSON
    # (`Infinity`) and YAML `.inf`, an infinite timeout disables hang detection.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class RouterSection(_Section):
    # The strategy `Router.from_file` runs and exports describe.
    strategy: str = "complexity"
    # Columns the TUI opens with.
    columns: list[str] = Field(default_factory=lambda: ["fixed", "complexity", "task", "cost"], min_length=1)


class ProviderSection(_Section):
    """A new provider, or an override of a catalog one (any subset of fields)."""

    kind: Literal["openai", "anthropic"] | None = None
    base_url: str | None = Field(default=None, min_length=1)
    # The NAME of the environment variable holding the key, never the key.
    api_key_env: str | None = None
    base_url_env: str | None = None
    local: bool | None = None
    # Use this provider with no key (a local server). A provider with a key
    # is used when its variable is set; one without needs this (or discover).
    enabled: bool = False
    # List the server's models (GET {base_url}/models) and add them at price 0.
    discover: bool = False

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        if "@" in urlsplit(value).netloc:
            # Files are shared and exported; a key belongs in the environment.
            raise ValueError("must not carry credentials (user:key@host); put the key in an environment variable "
                             "and name it in api_key_env")
        return value.rstrip("/")

    @field_validator("api_key_env", "base_url_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value and not ENV_NAME.match(value):
            raise ValueError("must be an environment variable NAME in capitals, such as OPENAI_API_KEY, not a key")
        return value


class SimSection(_Section):
    ttft_ms: float | None = Field(default=None, gt=0)
    tokens_per_s: float | None = Field(default=None, gt=0)
    quality: float | None = Field(default=None, ge=0, le=1)


class FeaturesSection(_Section):
    """What a model accepts beyond text (any subset; see ModelFeatures in
    core/catalog.py). A new model without this table is a text-only model."""

    images: bool | None = None
    tools: bool | None = None
    parallel_tool_calls: bool | None = None
    json_mode: bool | None = None
    json_schema: bool | None = None
    system_prompt: bool | None = None
    source: str | None = None
    checked: str | None = None


class ModelSection(_Section):
    """An override of a catalog model (any subset of fields) or a new model
    (then provider, api_name and context_window are required)."""

    provider: str | None = None
    api_name: str | None = None
    tier: Literal["flagship", "mid", "small", "local"] | None = None
    input_per_mtok: float | None = Field(default=None, ge=0)
    output_per_mtok: float | None = Field(default=None, ge=0)
    context_window: int | None = Field(default=None, gt=0)
    max_output_tokens: int | None = Field(default=None, gt=0)
    source: str | None = None
    price_date: str | None = None
    capabilities: dict[str, float] | None = None
    sim: SimSection | None = None
    features: FeaturesSection | None = None

    @field_validator("capabilities")
    @classmethod
    def _known_capabilities(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        for name, score in (value or {}).items():
            if name not in CAPABILITY_NAMES:
                raise ValueError(f"unknown capability {name!r}; allowed: {', '.join(CAPABILITY_NAMES)}")
            if not 0 <= score <= 10:
                raise ValueError(f"capability {name} = {score} is outside 0..10")
        return value


class RetrySection(_Section):
    max_attempts: int = Field(default=6, ge=1, le=50)
    retries_per_model: int = Field(default=1, ge=0, le=10)
    base_delay_s: float = Field(default=0.25, ge=0, le=60)
    multiplier: float = Field(default=2.0, ge=1, le=10)
    max_delay_s: float = Field(default=8.0, ge=0, le=300)
    jitter: float = Field(default=0.5, ge=0, le=1)
    honor_retry_after: bool = True
    max_retry_after_s: float = Field(default=20.0, ge=0, le=600)
    # HTTP-level outcomes that are retried; auth and bad requests never are.
    retry_on: list[Literal["rate_limited", "overloaded", "server_error", "timeout", "connection"]] = Field(
        default_factory=lambda: ["rate_limited", "overloaded", "server_error", "timeout", "connection"])


# Upper bounds of the timeouts (seconds); the CLI's timeout flags use them too.
MAX_IDLE_S = 3600.0
MAX_TOTAL_S = 7200.0


class TimeoutsSection(_Section):
    connect_s: float = Field(default=5.0, gt=0, le=600)
    first_token_s: float = Field(default=30.0, gt=0, le=3600)
    idle_s: float = Field(default=20.0, gt=0, le=MAX_IDLE_S)
    total_s: float = Field(default=180.0, gt=0, le=MAX_TOTAL_S)


class BreakerSection(_Section):
    window_type: Literal["count", "time"] = "count"
    window_size: int = Field(default=100, ge=1, le=100_000)
    minimum_calls: int = Field(default=20, ge=1, le=100_000)
    failure_rate_threshold: float = Field(default=60.0, gt=0, le=100)
    slow_call_rate_threshold: float = Field(default=100.0, gt=0, le=100)
    slow_call_duration_s: float = Field(default=30.0, gt=0, le=3600)
    wait_in_open_s: float = Field(default=10.0, ge=0, le=86_400)
    half_open_calls: int = Field(default=3, ge=1, le=1000)
    count_rate_limits: bool = False


class CacheSection(_Section):
    enabled: bool = False
    similarity_threshold: float = Field(default=0.92, gt=0, le=1)
    ttl_s: float = Field(default=3600.0, gt=0)
    # engine.cache.MAX_ENTRIES (a lookup compares against every entry); a test keeps them equal.
    max_entries: int = Field(default=1000, ge=1, le=50_000)
    embedding_model: str = "text-embedding-3-small"


class FallbacksSection(_Section):
    enabled: bool = True
    # Explicit chains per model id; models without one get the default chain.
    chains: dict[str, list[str]] = Field(default_factory=dict)


class UiSection(_Section):
    # A built-in theme (playground-dark, playground-light, playground-high-contrast,
    # phosphor), one of Textual's, or a file in the user themes dir. The theme
    # picked in the app (palette: Change theme) is remembered and wins.
    theme: str | None = None


class HistorySection(_Section):
    # Every run is kept in the user data dir (SQLite); the oldest go past this.
    enabled: bool = True
    keep_runs: int = Field(default=1000, ge=1, le=1_000_000)


class PolicyFile(_Section):
    version: int = Field(default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)
    router: RouterSection = Field(default_factory=RouterSection)
    strategies: dict[str, dict[str, Any]] = Field(default_factory=dict)
    providers: dict[str, ProviderSection] = Field(default_factory=dict)
    models: dict[str, ModelSection] = Field(default_factory=dict)
    groups: dict[str, list[str]] = Field(default_factory=dict)
    fallbacks: FallbacksSection = Field(default_factory=FallbacksSection)
    retry: RetrySection = Field(default_factory=RetrySection)
    timeouts: TimeoutsSection = Field(default_factory=TimeoutsSection)
    breaker: BreakerSection = Field(default_factory=BreakerSection)
    cache: CacheSection = Field(default_factory=CacheSection)
    ui: UiSection = Field(default_factory=UiSection)
    history: HistorySection = Field(default_factory=HistorySection)
    # Binding id -> keys ("send" = "ctrl+s,f5"); F1 (Help) lists the ids.
    keymap: dict[str, str] = Field(default_factory=dict)
