"""Fallback chains: which models to try, in order, when one fails."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from playground.core.catalog import Catalog, ModelSpec
from playground.strategies.base import general_quality

_TIER_UP = {"local": "small", "small": "mid", "mid": "flagship", "flagship": "mid"}


def default_chain(model: ModelSpec, catalog: Catalog, length: int = 2) -> tuple[str, ...]:
    """Same-tier models of other providers first (an outage rarely spans
    providers), then the closest tier up; closest in quality first."""
    target = general_quality(model)

    def closeness(m: ModelSpec) -> tuple[float, float, str]:
        return (abs(general_quality(m) - target), m.input_per_mtok, m.id)

    others = [m for m in catalog.models.values() if m.id != model.id]
    same_tier = [m for m in others if m.tier == model.tier]
    same_tier_other = sorted((m for m in same_tier if m.provider != model.provider), key=closeness)
    same_tier_same = sorted((m for m in same_tier if m.provider == model.provider), key=closeness)
    up = sorted((m for m in others if m.tier == _TIER_UP[model.tier]), key=closeness)
    chain: list[str] = []
    for m in [*same_tier_other, *same_tier_same, *up]:
        if m.id not in chain:
            chain.append(m.id)
    return tuple(chain[:length])


def chain_for(model_id: str, catalog: Catalog, configured: Mapping[str, Sequence[str]],
              explicit: Sequence[str] = ()) -> tuple[str, ...]:
    if explicit:
        return tuple(m for m in explicit if m != model_id)
    if model_id in configured:
        return tuple(configured[model_id])
    return default_chain(catalog.get(model_id), catalog)
