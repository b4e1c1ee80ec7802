"""What a policy's router strategy means for a gateway, independent of any
gateway's syntax: which models it can reach, which one a client gets by
default, how it chooses among them, and what falls back to what.

Each exporter renders a `RoutePlan`; what a strategy does that no gateway can
do (quality checks, judges, fan-out, per-prompt scoring) is written into the
plan's `caveats` here, once, and each exporter adds the lines that are about
its own format.

Strategies that pick among the models they can reach (capability, cost) are
planned with the providers the playground itself would call: those with a key
(or base URL, or set up keyless) in the environment; with none, the playground
runs on the simulator where every model is there, and so does the plan.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from playground.config.build import Settings
from playground.core.catalog import Catalog, ModelSpec
from playground.core.errors import UserError
from playground.core.messages import ChatRequest
from playground.engine.fallbacks import chain_for
from playground.providers.endpoints import real_endpoints
from playground.strategies.base import RouteInput, RoutingContext, Strategy, general_quality
from playground.strategies.registry import make_strategy

# single: one model. fallback: a primary, then a chain. loadbalance: weighted
# or health-based spread over deployments. cheapest: the cheapest model of a
# pool. conditional: a label (set by the caller, or by a gateway classifier
# for `tiered`) picks the model.
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
    # complexity classifier can pick from.
    tiers: dict[str, str] = field(default_factory=dict)
    # Fallback chains per routed model (the engine's chain_for), when the
    # strategy does not carry its own chain.
    chains: dict[str, list[str]] = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)

    def routed_models(self) -> list[str]:
        """Every model the strategy itself may send a request to, in order, without duplicates."""
        return _unique([self.primary, *self.members, *(m for _, m in self.branches), *self.tiers.values()])

    def all_models(self) -> list[str]:
        """Routed models and every model of their fallback chains."""
        return _unique([*self.routed_models(), *(m for chain in self.chains.values() for m in chain)])


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def router_strategy(settings: Settings) -> Strategy:
    return make_strategy(settings.router_strategy, settings.catalog, settings.values_for(settings.router_strategy))


def reachable_context(settings: Settings, env: Mapping[str, str] | None = None) -> tuple[RoutingContext, list[str]]:
    """The models the playground would route to with this environment, and the
    providers left out (none when no provider is configured: the simulator
    serves every model)."""
    catalog = settings.catalog
    reachable = real_endpoints(catalog, os.environ if env is None else env, settings.keyless_providers)
    if not reachable:
        return RoutingContext.for_all(catalog), []
    available = tuple(m for m in catalog.models.values() if m.provider in reachable)
    left_out = [name for name in catalog.providers if name not in reachable]
    return RoutingContext(catalog, available, "not configured (no API key or base URL in the environment)"), left_out


def build_plan(settings: Settings, env: Mapping[str, str] | None = None, *, every_model: bool = False) -> RoutePlan:
    """`env` (default os.environ) says which providers can be called;
    `every_model` plans as if all were (a policy file re-decides where it runs)."""
    strategy = router_strategy(settings)
    catalog = settings.catalog
    context, left_out = (RoutingContext.for_all(catalog), []) if every_model else reachable_context(settings, env)
    name = strategy.name
    v = strategy.values

    def model(value: str) -> str:
        return catalog.flagship if value == "@flagship" else value

    explicit_chain = False
    if name == "fixed":
        plan = RoutePlan(name, "single", model(v["model"]), model(v["model"]))
    elif name == "fallback":
        primary = model(v["primary"])
        plan = RoutePlan(name, "fallback", primary, primary, members=[primary, *v["chain"]])
        explicit_chain = True
    elif name == "loadbalance":
        members = list(catalog.groups[v["group"]])
        weights = {m: float(v["weights"].get(m, 1.0)) for m in members}
        members = [m for m in members if weights[m] > 0]
        if not members:
            raise UserError(f"loadbalance: every deployment of group {v['group']!r} has weight 0; nothing to export")
        plan = RoutePlan(name, "loadbalance", v["group"], members[0], members=members,
                         weights={m: weights[m] for m in members}, policy=v["policy"])
        if v["policy"] == "health":
            plan.caveats.append("loadbalance policy 'health' (weight × success rate² discounted by measured TTFT) "
                                "has no gateway equivalent: exported as a weighted spread; the gateway's "
                                "cooldowns / circuit breaker take failing deployments out instead")
        explicit_chain = True
    elif name == "cost":
        pool = _cost_pool(strategy, catalog, context)
        if not pool:
            raise UserError(f"cost: no model{' of the configured providers' if left_out else ''} has quality ≥ "
                            f"{v['min_quality']:g}; nothing to export")
        plan = RoutePlan(name, "cheapest", "playground-cost", pool[0], members=pool)
        plan.caveats.append(f"cost: the per-request budget (${v['budget_usd']:g}, estimated from "
                            f"{v['expected_output_tokens']} output tokens) cannot be expressed; the pool is the "
                            f"{len(pool)} models with quality ≥ {v['min_quality']:g}"
                            f"{'' if v['allow_local'] else ' (local models excluded)'}, cheapest first")
        _left_out(plan, catalog, left_out, [m for m in _cost_pool(strategy, catalog) if m not in pool])
    elif name == "capability":
        decision = strategy.decide(_neutral_route(), context)
        chain = list(decision.fallbacks)
        plan = RoutePlan(name, "fallback", decision.model, decision.model, members=[decision.model, *chain])
        plan.caveats.append("capability: scoring each prompt (auto_weights raise coding/reasoning/creative/long-context "
                            f"weights from its words) cannot be expressed; exported the model the configured weights "
                            f"pick ({decision.model}) with the runners-up as fallbacks")
        _left_out(plan, catalog, left_out, [m.id for m in catalog.models.values() if not context.is_available(m.id)])
        explicit_chain = True
    elif name == "abtest":
        weights = {m: float(w) for m, w in v["variants"].items() if w > 0}
        members = list(weights)
        plan = RoutePlan(name, "loadbalance", "playground-abtest", members[0], members=members, weights=weights)
        if v["sticky"] != "none":
            plan.caveats.append(f"abtest: stickiness per {v['sticky']} id (hash with experiment {v['experiment']!r}) "
                                "cannot be expressed: the gateway draws a variant per request")
        explicit_chain = True
    elif name == "complexity":
        tiers = {"small": model(v["small_model"]), "mid": model(v["mid_model"]), "large": model(v["large_model"])}
        plan = RoutePlan(name, "conditional", "playground-complexity", tiers["mid"], label_key="complexity",
                         branches=[("low", tiers["small"]), ("medium", tiers["mid"]), ("high", tiers["large"])],
                         tiers=tiers)
    elif name == "threshold":
        strong, weak = model(v["strong_model"]), model(v["weak_model"])
        plan = RoutePlan(name, "conditional", "playground-threshold", weak, label_key="complexity",
                         branches=[("low", weak), ("high", strong)], tiers={"small": weak, "mid": weak, "large": strong})
    elif name == "task":
        branches = [(rule["task"], rule["model"]) for rule in v["rules"]]
        plan = RoutePlan(name, "conditional", "playground-task", v["default_model"], label_key="task", branches=branches)
        plan.caveats.append(f"task: the {len(branches)} regex rules that classify the prompt cannot be expressed; the "
                            "caller must classify the request and send the task label")
    elif name == "llmrouter":
        branches = list(v["routes"].items())
        plan = RoutePlan(name, "conditional", "playground-llmrouter", v["default_model"], label_key="label",
                         branches=branches)
        plan.caveats.append(f"llmrouter: asking {v['router_model']} to label each request (its prompt and its cost) "
                            "cannot be expressed; the caller must classify the request and send the label")
    elif name == "learned":
        counts = Counter(max(e.scores(), key=lambda m: e.scores()[m]) for e in strategy.router.examples)  # type: ignore[attr-defined]
        named = sorted({m for e in strategy.router.examples for m in e.scores()})  # type: ignore[attr-defined]
        ranked = [m for m, _ in counts.most_common()] + [m for m in named if m not in counts]
        plan = RoutePlan(name, "fallback", ranked[0], ranked[0], members=ranked)
        plan.caveats.append(f"learned: the k-nearest-neighbour router over prompt embeddings (k={v['k']}) cannot be "
                            f"expressed; exported the model most often best in its {len(strategy.router.examples)} "  # type: ignore[attr-defined]
                            f"examples ({ranked[0]}), the others as fallbacks")
        explicit_chain = True
    elif name == "ensemble":
        members = list(v["members"])
        if v["mode"] == "consensus":
            members.append(model(v["escalate_to"]))
        plan = RoutePlan(name, "fallback", members[0], members[0], members=_unique(members))
        how = {"vote": "majority vote", "best_of": f"best-of-N picked by judge {model(v['judge'])}",
               "consensus": f"consensus, escalating to {model(v['escalate_to'])}", "race": "a race (first answer wins)"}
        plan.caveats.append(f"ensemble ({how[v['mode']]}) fans out to {len(v['members'])} models at once; gateways "
                            "send a request to one target: exported the members as a fallback chain")
        explicit_chain = True
    elif name == "cascade":
        tiers = list(v["tiers"])
        plan = RoutePlan(name, "fallback", tiers[0], tiers[0], members=tiers)
        checks = ", ".join(spec["type"] for spec in strategy.checks()) or "no checks"  # type: ignore[attr-defined]
        plan.caveats.append(f"cascade escalates when an answer fails quality checks ({checks}); gateways escalate on "
                            "errors only: exported the tiers as a fallback chain, cheapest first")
        if v["judge"]:
            plan.caveats.append(f"cascade with an LLM judge ({v['judge']}, min score {v['judge_min_score']:g}) has no "
                                "gateway equivalent")
        explicit_chain = True
    else:  # pragma: no cover - every registered strategy is handled above
        raise AssertionError(name)

    if not explicit_chain and settings.resilience.fallbacks_enabled:
        configured = settings.resilience.fallbacks
        for routed in plan.routed_models():
            chain = [m for m in chain_for(routed, catalog, configured) if m != routed]
            if chain:
                plan.chains[routed] = chain
    if not settings.resilience.fallbacks_enabled and not explicit_chain:
        plan.caveats.append("fallbacks are disabled in this policy: no fallback chains exported")
    return plan


def _neutral_route() -> RouteInput:
    return RouteInput(ChatRequest.from_prompt("hello", max_output_tokens=256), input_tokens=8)


def _left_out(plan: RoutePlan, catalog: Catalog, left_out: list[str], unreachable: list[str]) -> None:
    """One caveat naming the providers whose models the strategy would have
    considered but the environment gives no way to call."""
    providers = [p for p in left_out if any(catalog.models[m].provider == p for m in unreachable)]
    if providers:
        plan.caveats.append(f"models of {', '.join(providers)} left out: no key (or base URL) in the environment "
                            "when exported; set them and export again to include those models")


def _cost_pool(strategy: Strategy, catalog: Catalog, context: RoutingContext | None = None) -> list[str]:
    v = strategy.values

    def eligible(m: ModelSpec) -> bool:
        return (general_quality(m) >= v["min_quality"] and (v["allow_local"] or m.tier != "local")
                and (context is None or context.is_available(m.id)))

    ordered = sorted((m for m in catalog.models.values() if eligible(m)),
                     key=lambda m: (m.input_per_mtok + m.output_per_mtok, m.id))
    return [m.id for m in ordered]


def jsonable(value: Any) -> Any:
    """Tuples to lists, for YAML/JSON/TOML writers."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
