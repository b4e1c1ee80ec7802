"""Add the models of configured local servers (`discover = true`) to the
catalog at price 0: a local model costs nothing per token."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from playground.config.load import LoadedConfig, load_config
from playground.providers.discovery import DISCOVERED_CONTEXT_WINDOW, list_models, model_id_for


def discovered_specs(loaded: LoadedConfig, env: Mapping[str, str]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Specs for every model a discoverable provider lists: one the file sets
    `discover = true` on, or a local catalog provider (Ollama) whose base URL
    variable is set. Names the catalog already has for that provider are kept
    as they are (with their real context windows)."""
    specs: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    catalog = loaded.settings.catalog
    sections = loaded.settings.policy.providers
    for name, provider in catalog.providers.items():
        section = sections.get(name)
        wanted = section.discover if section is not None else (
            provider.local and bool(provider.base_url_env and env.get(provider.base_url_env)))
        if not wanted:
            continue
        base = (env.get(provider.base_url_env, "") if provider.base_url_env else "") or provider.base_url
        key = env.get(provider.api_key_env, "") if provider.api_key_env else ""
        found = list_models(name, base, key)
        if found.error:
            notes.append(f"{name}: {found.error}; its models are left out (is the server running?)")
            continue
        known = {m.api_name for m in catalog.models.values() if m.provider == name}
        for model in found.models:
            if model in known or model.removesuffix(":latest") in known:
                continue
            specs[model_id_for(name, model)] = {
                "provider": name, "api_name": model, "tier": "local",
                "input_per_mtok": 0.0, "output_per_mtok": 0.0,
                "context_window": DISCOVERED_CONTEXT_WINDOW, "max_output_tokens": 4096,
                "source": f"discovered from {base}/models", "price_date": date.today().isoformat(),
                "capabilities": {"reasoning": 4, "coding": 4, "creative": 4, "speed": 6, "long_context": 3},
                "sim": {"ttft_ms": 300, "tokens_per_s": 40, "quality": 0.55},
            }
        notes.append(f"{name}: {len(found.models)} model(s) at {base}: "
                     f"{', '.join(model_id_for(name, m) for m in found.models) or 'none'}")
    return specs, notes


def load_user_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> LoadedConfig:
    """The config file, then the models of servers it asks to discover."""
    env = os.environ if env is None else env
    loaded = load_config(path, env=env)
    specs, notes = discovered_specs(loaded, env)
    if not notes:
        return loaded
    if specs and not loaded.problems:
        again = load_config(path, env=env, extra_models=specs)
        return replace(again, created=loaded.created, info=notes)
    return replace(loaded, info=notes)
