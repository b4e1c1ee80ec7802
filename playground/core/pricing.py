"""Cost arithmetic. Prices are per million tokens."""

from __future__ import annotations

from playground.core.catalog import ModelSpec


def cost_usd(model: ModelSpec, input_tokens: int, output_tokens: int) -> float:
    return (input_tokens * model.input_per_mtok + output_tokens * model.output_per_mtok) / 1_000_000


def blended_price_per_mtok(model: ModelSpec, output_share: float = 0.25) -> float:
    """One number to sort models by price: a typical chat spends about a
    quarter of its tokens on output."""
    return model.input_per_mtok * (1 - output_share) + model.output_per_mtok * output_share


def format_usd(value: float) -> str:
    if value == 0:
        return "$0"
    if value < 0.0001:
        return f"${value:.7f}"
    if value < 0.01:
        return f"${value:.5f}"
    return f"${value:.4f}"
