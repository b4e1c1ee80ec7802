import tomllib

import pytest

from playground.core.catalog import default_catalog, parse_catalog
from playground.core.errors import UserError
from playground.core.pricing import blended_price_per_mtok, cost_usd, format_usd


def test_catalog_has_required_families_with_sources() -> None:
    catalog = default_catalog()
    providers = {m.provider for m in catalog.models.values()}
    assert {"openai", "anthropic", "groq", "deepseek", "openrouter", "ollama"} <= providers
    tiers = {(m.provider, m.tier) for m in catalog.models.values()}
    for provider in ("openai", "anthropic"):
        assert {(provider, "flagship"), (provider, "mid"), (provider, "small")} <= tiers
    for model in catalog.models.values():
        assert model.source.startswith("https://"), model.id
        assert len(model.price_date) == 10, model.id
        assert model.capabilities, model.id
    assert all(m.input_per_mtok == 0 for m in catalog.models.values() if m.provider == "ollama")
    assert catalog.models[catalog.flagship].tier == "flagship"


def test_cost_uses_per_million_prices() -> None:
    model = default_catalog().get("claude-sonnet-4-5")  # $3 in, $15 out
    assert cost_usd(model, 1_000_000, 0) == pytest.approx(3.0)
    assert cost_usd(model, 1000, 2000) == pytest.approx(0.003 + 0.030)
    assert blended_price_per_mtok(model) == pytest.approx(3 * 0.75 + 15 * 0.25)


def test_format_usd_keeps_small_costs_visible() -> None:
    assert format_usd(0) == "$0"
    assert format_usd(0.00000123) == "$0.0000012"
    assert format_usd(0.0042) == "$0.00420"
    assert format_usd(1.5) == "$1.5000"


def test_unknown_model_error_lists_known_models() -> None:
    with pytest.raises(UserError, match="unknown model 'gpt-99'.*claude-opus-4-5"):
        default_catalog().get("gpt-99")


def test_invalid_catalog_names_the_entry() -> None:
    raw = tomllib.loads(
        """
catalog_date = "2026-01-01"
flagship = "a"
[providers.p]
kind = "openai"
base_url = "http://x"
[models.a]
provider = "p"
api_name = "a"
tier = "flagship"
input_per_mtok = -1
output_per_mtok = 1
context_window = 10
max_output_tokens = 10
source = "https://x"
price_date = "2026-01-01"
sim = { ttft_ms = 1, tokens_per_s = 1, quality = 0.5 }
"""
    )
    with pytest.raises(UserError, match=r"my.toml: invalid catalog entry at models\.a\.input_per_mtok"):
        parse_catalog(raw, "my.toml")
