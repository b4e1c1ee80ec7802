"""The catalog's feature declarations (image input, tools, JSON output):
every packaged model declares them with a source and a date, and the config
can declare or override them for user-defined and discovered models."""

from __future__ import annotations

import re

import pytest

from playground.config.load import parse_policy_text
from playground.config.problems import ConfigError
from playground.core.catalog import default_catalog, default_catalog_raw

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_every_packaged_model_declares_its_features_with_a_source_and_a_date() -> None:
    raw = default_catalog_raw()["models"]
    for model in default_catalog().models.values():
        assert "features" in raw[model.id], f"{model.id} does not declare its features"
        assert model.features.source.startswith("https://"), model.id
        assert DATE.match(model.features.checked), model.id
        # Parallel tool calls only make sense with tool calling at all.
        assert model.features.tools or not model.features.parallel_tool_calls, model.id


def test_the_catalog_knows_both_vision_and_text_only_models() -> None:
    catalog = default_catalog()
    assert catalog.get("gpt-4o").features.images and catalog.get("claude-haiku-4-5").features.images
    assert not catalog.get("deepseek-chat").features.images
    assert not catalog.get("groq-llama-3-3-70b").features.json_schema
    assert catalog.get("groq-llama-3-3-70b").features.json_mode
    # The simulator reads the same declarations (one source of truth).
    assert catalog.get("gpt-4o").supports_images and not catalog.get("ollama-llama3-2").supports_images


def test_config_declares_features_for_a_new_model_and_overrides_a_catalog_one() -> None:
    settings = parse_policy_text(
        '[models.ollama-llama3-2.features]\nimages = true\nsource = "my test"\n'
        '[models.house-vision]\nprovider = "ollama"\napi_name = "llava:7b"\ncontext_window = 4096\n'
        '[models.house-vision.features]\nimages = true\ntools = false\n'
        '[models.house-text]\nprovider = "ollama"\napi_name = "phi3"\ncontext_window = 4096\n', "c.toml")
    overridden = settings.catalog.get("ollama-llama3-2").features
    # The override changes only what it names.
    assert overridden.images and overridden.tools and overridden.source == "my test"
    vision = settings.catalog.get("house-vision").features
    assert vision.images and not vision.tools and vision.source == "c.toml"
    # A new model that declares nothing is a text-only model.
    text = settings.catalog.get("house-text").features
    assert not (text.images or text.tools or text.json_mode or text.json_schema) and text.system_prompt


def test_an_unknown_feature_name_is_a_located_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policy_text('[models.gpt-4o.features]\nvision = true\n', "c.toml")
    assert "models.gpt-4o.features.vision" in str(caught.value)
