"""What a strategy means for a gateway, independent of any gateway's syntax:
which models it can reach, which one a client gets by default, how it
chooses among them, what falls back to what, and what no gateway can do.

Each strategy builds its own plan (`Strategy.export_plan`); the exporters
(`config/exporters/`) render any plan by its `mode`, and add the lines that
are about their own format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# single: one model. fallback: a primary, then a chain. loadbalance: weighted
# or health-based spread over deployments. cheapest: the cheapest model of a
# pool. conditional: a label (set by the caller, or by a gateway classifier
# for tiered strategies) picks the model.
Mode = Literal["single", "fallback", "loadbalance", "cheapest", "conditional"]


@dataclass
class RoutePlan:
    strategy: str
    mode: Mode
    # The name a client asks for (LiteLLM's model_name of the entry point).
    entry: str
    # The model used when nothing else decides (conditional default, fallback primary...).
    primary: str
    # Models in routing order: fallback chain, pool members, branch targets.
    members: list[str] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)
    # loadbalance: weighted | least-busy | latency | health.
    policy: str = "weighted"
    # conditional: the metadata key the caller sets and (value, model) pairs, in order.
    label_key: str = ""
    branches: list[tuple[str, str]] = field(default_factory=list)
    # tiered strategies (complexity, threshold): small/mid/large models a gateway
    # complexity classifier can pick from, and how the playground itself picks
    # (e.g. "complexity thresholds (low 0.25, high 0.5)").
    tiers: dict[str, str] = field(default_factory=dict)
    classifier: str = ""
    # Fallback chains per routed model (the engine's chain_for), when the
    # strategy does not carry its own chain.
    chains: dict[str, list[str]] = field(default_factory=dict)
    # The strategy's own failover order is in `members`: no engine chains are added.
    own_chain: bool = False
    # Models the strategy would have considered but the context cannot call
    # (the exporter names their providers in a caveat).
    unreachable: list[str] = field(default_factory=list)
    # Model groups the strategy spreads over, in full (the TOML export writes them).
    groups: dict[str, list[str]] = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)

    def routed_models(self) -> list[str]:
        """Every model the strategy itself may send a request to, in order, without duplicates."""
        return unique([self.primary, *self.members, *(m for _, m in self.branches), *self.tiers.values()])

    def all_models(self) -> list[str]:
        """Routed models and every model of their fallback chains."""
        return unique([*self.routed_models(), *(m for chain in self.chains.values() for m in chain)])


def unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))
