"""What every strategy shares: typed parameters, a pure `decide`, and the
defaults of what each strategy module may override — replay over a feature
table (`decide_batch`), how the preview costs a decision (`preview_calls`)
and what it means for a gateway (`export_plan`).

Strategies are pure: `decide` reads the request and the context and returns a
`Decision`; it never performs I/O. Evaluation calls it millions of times.

A strategy is one module: a `Params` model, a class
`class MyStrategy(Strategy[MyParams])` with `name`, `summary` and `decide`,
and its line in `registry.py`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar, Generic, TypeVar, cast, get_args, get_origin

from playground.core.catalog import Catalog
from playground.core.decision import CascadePlan, Decision, EnsemblePlan, Plan, RouterPlan
from playground.core.errors import UserError
from playground.core.lazy_numpy import np
from playground.strategies.costing import Coster, PlannedCall, PreviewPrompt
from playground.strategies.features import BatchDecision, FeatureTable
from playground.strategies.params import CAPABILITIES, FLAGSHIP, Param, Params, declare, parse_params
from playground.strategies.route_plan import RoutePlan
from playground.strategies.routing import (
    HealthView,
    NoModelFits,
    RouteInput,
    RoutingContext,
    general_quality,
    neutral_route,
)

__all__ = [
    "CAPABILITIES", "FLAGSHIP", "BatchDecision", "FeatureTable", "HealthView", "NoModelFits", "Param", "Params",
    "RouteInput", "RoutingContext", "Strategy", "decide_within_needs", "general_quality", "note_ruled_out",
]

P = TypeVar("P", bound=Params)


class Strategy(ABC, Generic[P]):
    name: ClassVar[str]
    summary: ClassVar[str]
    # The parameter model (from `Strategy[MyParams]`) and its declaration,
    # which tuning editors, the CLI listing, sweeps and config checks read.
    params_model: ClassVar[type[Params]]
    params: ClassVar[tuple[Param, ...]] = ()
    # Features replay needs beyond the prompt and its tokens (see features.py).
    features: ClassVar[tuple[str, ...]] = ()
    # The engine embeds the prompt (a costed call) before `decide` when set.
    needs_embedding: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is Strategy:
                (model,) = get_args(base)
                if isinstance(model, type) and issubclass(model, Params):
                    cls.params_model = model
                    cls.params = declare(model)

    def __init__(self, catalog: Catalog, values: Mapping[str, Any] | None = None) -> None:
        self.catalog = catalog
        # Typed values: `self.p.high_threshold`, "@flagship" already resolved.
        self.p: P = cast(P, parse_params(self.params_model, self.name, values or {}, catalog))
        self.setup()

    def setup(self) -> None:
        """Derive what decisions reuse (tables, compiled patterns) from `self.p`;
        raise `UserError` for what needs more than the parameters to check."""

    @property
    def values(self) -> dict[str, Any]:
        """The parameters as plain data (what a config file holds)."""
        return self.p.model_dump(by_alias=True)

    @classmethod
    def default_values(cls, catalog: Catalog) -> dict[str, Any]:
        """Every parameter's default as `values` gives it ("@flagship" resolved)."""
        return parse_params(cls.params_model, cls.name, {}, catalog).model_dump(by_alias=True)

    def default_model(self) -> str:
        """What answers when the engine cannot give `decide` its input (the
        learned router's embedding failed): a `default_model` parameter if
        the strategy declares one, else the catalog's flagship."""
        return str(self.values.get("default_model") or self.catalog.flagship)

    @property
    def embedding_request(self) -> tuple[str, int | None]:
        """(embedding model id, dimensions) wanted for `RouteInput.embedding`."""
        return "text-embedding-3-small", None

    @abstractmethod
    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision: ...

    # -- replay -------------------------------------------------------------------------
    def decide_batch(self, table: FeatureTable, ctx: RoutingContext) -> BatchDecision:
        """`decide` on every row of the table, in order. Heuristic strategies
        override this with a vectorised version that gives the same models."""
        for name in self.features:
            table.feature(name)  # a missing feature is computed now, or its absence is an error, not N errors
        models = np.empty(len(table), dtype=object)
        plans: list[Plan | None] = [None] * len(table)
        errors: dict[int, str] = {}
        for i in range(len(table)):
            try:
                decision = self.decide(table.route_input(i), ctx)
            except UserError as exc:
                errors[i] = str(exc)
                continue
            models[i] = decision.model
            plans[i] = decision.plan
        return BatchDecision(models, plans if any(p is not None for p in plans) else None, errors)

    # -- preview ------------------------------------------------------------------------
    def preview_calls(self, decision: Decision, item: PreviewPrompt, coster: Coster) -> tuple[list[PlannedCall], bool]:
        """Every call the decision plans for this prompt, and whether the list
        is a lower bound (calls that happen only on failure or disagreement).
        A plain decision is one answer from its model."""
        if decision.plan is not None:
            raise NotImplementedError(f"{self.name}: decisions with a {type(decision.plan).__name__} must say how "
                                      "they are costed (override preview_calls)")
        return [coster.call(decision.model, "answer", item.route.input_tokens, item.output_tokens)], False

    # -- export -------------------------------------------------------------------------
    def export_plan(self, ctx: RoutingContext) -> RoutePlan:
        """What this strategy means for a gateway. The default exports the model
        it picks for a plain prompt (and that decision's fallbacks) and says
        that deciding per request cannot be expressed."""
        decision = self.decide(neutral_route(), ctx)
        chain = list(decision.fallbacks)
        plan = RoutePlan(self.name, "fallback" if chain else "single", decision.model, decision.model,
                         members=[decision.model, *chain], own_chain=bool(chain))
        plan.caveats.append(f"{self.name}: deciding per request ({self.summary.rstrip('.')}) cannot be expressed; "
                            f"exported the model it picks for a plain prompt ({decision.model})"
                            + (" with its fallbacks" if chain else ""))
        return plan

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {"name": cls.name, "summary": cls.summary, "params": [p.to_dict() for p in cls.params],
                "features": list(cls.features)}


def note_ruled_out(decision: Decision, route: RouteInput, narrowed: RoutingContext,
                   base: RoutingContext) -> Decision:
    """The decision with what the request needed and which available models
    that ruled out (and why) in its trace details."""
    ruled_out = {model_id: why for model_id, why in narrowed.excluded.items() if base.is_available(model_id)}
    if not ruled_out:
        return decision
    details = {**decision.details, "needs": route.needs.describe(), "ruled_out": ruled_out}
    # A strategy's own fallback list or plan may name a model the needs ruled
    # out (a fixed route table, configured members): drop or substitute it.
    fallbacks = tuple(m for m in decision.fallbacks if m not in ruled_out)
    substituted: dict[str, str] = {}

    def swap(model_id: str) -> str:
        if model_id not in ruled_out:
            return model_id
        substituted[model_id] = narrowed.resolve(model_id, route)[0].id
        return substituted[model_id]

    plan = decision.plan
    if isinstance(plan, RouterPlan):
        plan = replace(plan, routes=tuple((label, swap(m)) for label, m in plan.routes),
                       default_model=swap(plan.default_model))
    elif isinstance(plan, EnsemblePlan):
        members = tuple(m for m in plan.members if m not in ruled_out) or (swap(plan.members[0]),)
        plan = replace(plan, members=members, escalate_to=plan.escalate_to and swap(plan.escalate_to))
    elif isinstance(plan, CascadePlan):
        plan = replace(plan, tiers=tuple(m for m in plan.tiers if m not in ruled_out) or (swap(plan.tiers[0]),))
    if substituted:
        details["substituted"] = substituted
    return replace(decision, details=details, fallbacks=fallbacks, plan=plan)


def decide_within_needs(strategy: Strategy[Any], route: RouteInput,
                        ctx: RoutingContext) -> tuple[Decision, RoutingContext]:
    """`strategy.decide` over only the models that can serve the request's
    needs (images, tools, JSON output); the narrowed context is returned for
    executing the plan. Raises `NoModelServes` when no available model can."""
    narrowed = ctx.for_request(route.needs)
    decision = strategy.decide(route, narrowed)
    return note_ruled_out(decision, route, narrowed, ctx), narrowed
