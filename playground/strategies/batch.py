"""Helpers for vectorised `decide_batch` implementations: the context-window
checks and substitutions `decide` makes, applied to whole columns, with the
rare rows that need a substitute or cannot be routed handed to the very
functions `decide` uses, so both give the same answer and the same words."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from playground.core.decision import Decision
from playground.core.errors import UserError
from playground.strategies.features import BatchDecision, FeatureTable
from playground.strategies.routing import RouteInput, RoutingContext


def unfit_rows(table: FeatureTable, ctx: RoutingContext) -> dict[int, str]:
    """Rows no available model can hold, with `ensure_some_fit`'s message."""
    errors: dict[int, str] = {}
    for i in np.flatnonzero(table.needed_tokens > ctx.widest_window).tolist():
        try:
            ctx.ensure_some_fit(table.route_input(i))
        except UserError as exc:
            errors[i] = str(exc)
    return errors


def refusals(decide: Callable[[RouteInput, RoutingContext], Decision], table: FeatureTable, ctx: RoutingContext,
             rows: np.ndarray, errors: dict[int, str]) -> dict[int, str]:
    """`errors` plus `decide`'s own refusal of each of `rows` (a boolean mask:
    the rows a vectorised pass found no model for), in its words."""
    for i in np.flatnonzero(rows).tolist():
        if i in errors:
            continue
        try:
            decision = decide(table.route_input(i), ctx)
        except UserError as exc:
            errors[i] = str(exc)
        else:
            raise RuntimeError(f"row {i}: the vectorised decision found no model where decide picks {decision.model}")
    return errors


def resolve_rows(table: FeatureTable, ctx: RoutingContext, wanted: np.ndarray,
                 errors: dict[int, str] | None = None) -> BatchDecision:
    """Each row's wanted model (an object array of ids), or the substitute
    `ctx.resolve` picks where it is unavailable or too small; rows already in
    `errors` stay None."""
    errors = dict(errors or {})
    models = wanted.copy()
    if errors:
        models[list(errors)] = None
    needed = table.needed_tokens
    for model_id in {m for m in models.tolist() if m is not None}:
        rows = models == model_id
        if ctx.is_available(model_id):
            rows &= needed > ctx.catalog.get(model_id).context_window
        for i in np.flatnonzero(rows).tolist():
            try:
                models[i] = ctx.resolve(model_id, table.route_input(i))[0].id
            except UserError as exc:
                models[i] = None
                errors[i] = str(exc)
    return BatchDecision(models, None, errors)


def constant(n: int, model_id: str) -> np.ndarray:
    """An (n,) object array holding one model id."""
    models = np.empty(n, dtype=object)
    models[:] = model_id
    return models
