"""What a model accepts beyond text, as the simulator serves it: exactly what
the catalog declares (`ModelSpec.features`, core/data/catalog.toml, with its
sources), so routing and the simulated API agree on every model."""

from __future__ import annotations

from playground.core.catalog import ModelSpec


def supports_images(model: ModelSpec) -> bool:
    return model.features.images


def supports_parallel_tool_calls(model: ModelSpec) -> bool:
    return model.features.parallel_tool_calls
