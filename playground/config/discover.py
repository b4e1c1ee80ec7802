"""Add the models of local servers to the catalog at price 0: a local model
costs nothing per token.

Discovery runs before the file is validated, from its raw `[providers]`
tables, so the file itself may name a discovered model.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from playground.config.env_overrides import apply_overrides, env_overrides
from playground.config.load import LoadedConfig, load_config, parse_toml, read_capped, resolve_config_path
from playground.config.problems import ConfigError
from playground.core.catalog import default_catalog_raw
from playground.providers.discovery import DISCOVERED_CONTEXT_WINDOW, list_models, model_id_for


def _raw_section(path: Path, env: Mapping[str, str], name: str) -> dict[str, Any]:
    """One table of the file with environment overrides, unvalidated
    (validation, with its precise errors, comes after)."""
    try:
        data = parse_toml(read_capped(path), str(path))
    except (OSError, ValueError, ConfigError):  # missing, unreadable, not UTF-8, not TOML: validation reports it
        data = {}
    section = apply_overrides(data, env_overrides(env)).get(name, {})
    return section if isinstance(section, dict) else {}


def _targets(path: Path, env: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(provider, base URL, key) of every server to ask: a provider the file
    sets `discover = true` on, or a local catalog provider (Ollama) whose
    base URL variable is set."""
    catalog = default_catalog_raw()["providers"]
    given = _raw_section(path, env, "providers")
    targets = []
    for name in dict.fromkeys([*catalog, *given]):
        entry = given.get(name)
        spec = {**catalog.get(name, {}), **(entry if isinstance(entry, dict) else {})}
        base_env, key_env = str(spec.get("base_url_env") or ""), str(spec.get("api_key_env") or "")
        if name in given:
            wanted = spec.get("discover") is True
        else:
            wanted = bool(spec.get("local")) and bool(base_env and env.get(base_env))
        base = (env.get(base_env, "") if base_env else "") or str(spec.get("base_url") or "")
        if wanted and base.startswith(("http://", "https://")):
            targets.append((name, base.rstrip("/"), env.get(key_env, "") if key_env else ""))
    return targets


def discovered_specs(path: Path, env: Mapping[str, str]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    specs: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    # Models the catalog or the file already has (with real context windows) win.
    declared = [*default_catalog_raw()["models"].values(), *_raw_section(path, env, "models").values()]
    known = {(m.get("provider"), m.get("api_name")) for m in declared if isinstance(m, dict)}
    for name, base, key in _targets(path, env):
        found = list_models(name, base, key)
        if found.error:
            notes.append(f"{name}: {found.error}; its models are left out (is the server running?)")
            continue
        added = []
        for model in found.models:
            if (name, model) in known or (name, model.removesuffix(":latest")) in known:
                continue
            model_id = model_id_for(name, model)
            added.append(model_id)
            specs[model_id] = {
                "provider": name, "api_name": model, "tier": "local",
                "input_per_mtok": 0.0, "output_per_mtok": 0.0,
                "context_window": DISCOVERED_CONTEXT_WINDOW, "max_output_tokens": 4096,
                "source": f"discovered from {base}/models", "price_date": date.today().isoformat(),
                "capabilities": {"reasoning": 4, "coding": 4, "creative": 4, "speed": 6, "long_context": 3},
                "sim": {"ttft_ms": 300, "tokens_per_s": 40, "quality": 0.55},
            }
        notes.append(f"{name}: {len(found.models)} model(s) at {base}; added {', '.join(added) or 'none'}"
                     + (f" ({len(found.models) - len(added)} already in the catalog)" if len(added) < len(found.models)
                        else ""))
    return specs, notes


def load_user_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> LoadedConfig:
    """The config file, with the models of the servers it asks to discover."""
    env = os.environ if env is None else env
    resolved, _ = resolve_config_path(path, env)
    specs, notes = discovered_specs(resolved, env)
    loaded = load_config(path, env=env, extra_models=specs)
    return replace(loaded, info=[*loaded.info, *notes]) if notes else loaded
