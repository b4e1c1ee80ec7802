"""What a model accepts beyond text. One lookup per feature, so that when
the catalog declares capabilities (core/data/catalog.toml) only this module
changes: the catalog entry wins when it says, else `data/model_features.toml`
(which cites its sources), else "no"."""

from __future__ import annotations

from typing import Any

from playground.core.catalog import ModelSpec
from playground.sim.content.tables import toml_table

# Names a catalog entry may use: a boolean field, or an entry of its
# `capabilities` table (any score above 0 means "yes").
_CATALOG_NAMES = {
    "images": ("supports_images", ("images", "image_input", "vision")),
    "parallel_tool_calls": ("supports_parallel_tool_calls", ("parallel_tool_calls",)),
}


def supports_images(model: ModelSpec) -> bool:
    return _feature(model, "images")


def supports_parallel_tool_calls(model: ModelSpec) -> bool:
    return _feature(model, "parallel_tool_calls")


def _feature(model: ModelSpec, feature: str) -> bool:
    field, keys = _CATALOG_NAMES[feature]
    declared: Any = getattr(model, field, None)
    if isinstance(declared, bool):
        return declared
    for key in keys:
        score = model.capabilities.get(key)
        if score is not None:
            return score > 0
    entry = toml_table("model_features.toml")["models"].get(model.id, {})
    return bool(entry.get(feature, False))
