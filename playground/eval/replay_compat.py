"""Adapter to the strategies' replay interface (`strategies/features.py`:
`FeatureTable`, `Strategy.features`, `Strategy.decide_batch`).

Until that module lands, a minimal `FeatureTable` stands in (prompt, token
count and, when asked, the embedding) and `decide_batch` falls back to calling
`strategy.decide` row by row. Once the interface is merged this file shrinks
to the two imports: everything else in `eval/` codes against the interface.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from playground.core.decision import Plan
from playground.core.errors import UserError
from playground.core.messages import ChatRequest
from playground.core.tokens import TokenCounter
from playground.strategies.base import RouteInput, RoutingContext

Embed = Callable[[list[str]], np.ndarray]
DEFAULT_MAX_OUTPUT_TOKENS = 1024


@dataclass
class LoopFeatureTable:
    """The part of `FeatureTable` replay needs when no strategy computes
    features of its own: prompts, token counts, optional embeddings."""

    prompts: Sequence[str]
    tokens: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def compute(
        cls, prompts: Sequence[str], counter: TokenCounter, names: Iterable[str], embed: Embed | None = None
    ) -> LoopFeatureTable:
        tokens = np.array([counter.count_request(ChatRequest.from_prompt(p)).tokens for p in prompts], dtype=np.int64)
        columns: dict[str, np.ndarray] = {}
        if "embedding" in set(names) and embed is not None:
            columns["embedding"] = np.asarray(embed(list(prompts)), dtype=np.float32)
        return cls(list(prompts), tokens, columns)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"tokens": self.tokens, **self.columns}

    @classmethod
    def from_arrays(cls, prompts: Sequence[str], arrays: dict[str, np.ndarray]) -> LoopFeatureTable:
        columns = {k: v for k, v in arrays.items() if k != "tokens"}
        return cls(list(prompts), np.asarray(arrays["tokens"], dtype=np.int64), columns)

    def route_input(self, i: int, max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS) -> RouteInput:
        embedding = self.columns.get("embedding")
        return RouteInput(
            ChatRequest.from_prompt(self.prompts[i], max_output_tokens=max_output_tokens),
            int(self.tokens[i]),
            embedding=None if embedding is None else embedding[i],
        )


def feature_table_class() -> Any:
    """The strategies' `FeatureTable` when it exists, else the stand-in."""
    try:
        return importlib.import_module("playground.strategies.features").FeatureTable
    except ImportError:
        return LoopFeatureTable


def features_of(strategy_cls: Any) -> tuple[str, ...]:
    """Feature names a strategy's replay needs beyond prompt and tokens."""
    names = tuple(getattr(strategy_cls, "features", ()))
    if getattr(strategy_cls, "needs_embedding", False) and "embedding" not in names:
        names += ("embedding",)
    return names


@dataclass(frozen=True, slots=True)
class Batch:
    """Every row's decision: the model that answers (for plans: the first
    call's model) and, for multi-call strategies, the plan per row. Rows the
    strategy refuses (no model fits...) hold None, with the reason in `errors`."""

    models: np.ndarray  # (N,) object array of catalog ids
    plans: Sequence[Plan | None] | None = None
    errors: dict[int, str] = field(default_factory=dict)


def decide_batch(strategy: Any, table: Any, ctx: RoutingContext) -> Batch:
    """`strategy.decide_batch` when strategies have it, else `decide` per row."""
    batch_fn = getattr(strategy, "decide_batch", None)
    if batch_fn is not None:
        result = batch_fn(table, ctx)
        return Batch(np.asarray(result.models, dtype=object), result.plans, dict(getattr(result, "errors", {}) or {}))
    models = np.empty(len(table.prompts), dtype=object)
    plans: list[Plan | None] = [None] * len(table.prompts)
    errors: dict[int, str] = {}
    for i in range(len(table.prompts)):
        try:
            decision = strategy.decide(table.route_input(i), ctx)
        except UserError as exc:
            errors[i] = str(exc)
            continue
        models[i], plans[i] = decision.model, decision.plan
    return Batch(models, plans if any(p is not None for p in plans) else None, errors)


@dataclass(frozen=True, slots=True)
class NumericParam:
    name: str
    type: str  # "int" or "float"
    default: float
    min: float | None
    max: float | None


def numeric_params(strategy_cls: Any) -> dict[str, NumericParam]:
    """A strategy's declared int/float parameters with their bounds: what a
    sweep may vary. Reads the `Param` declarations of today's strategies; the
    typed-parameter models replace this one function."""
    found: dict[str, NumericParam] = {}
    for param in getattr(strategy_cls, "params", ()):
        if param.type in ("int", "float"):
            found[param.name] = NumericParam(param.name, param.type, float(param.default), param.min, param.max)
    return found
