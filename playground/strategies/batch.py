"""Helpers for vectorised `decide_batch` implementations: the context-window
checks and substitutions `decide` makes, applied to whole columns, with the
rare rows that need a substitute or cannot be routed handed to the very
functions `decide` uses, so both give the same answer and the same words."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from playground.core.decision import Decision, Plan
from playground.core.errors import UserError
from playground.core.lazy_numpy import np
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


def resolve_rows(table: FeatureTable, ctx: RoutingContext, choices: Sequence[str], picked: np.ndarray,
                 errors: dict[int, str] | None = None) -> BatchDecision:
    """Each row's wanted model, `choices[picked[i]]` (integer codes: comparing
    them is cheap where comparing strings row by row is not), or the substitute
    `ctx.resolve` picks where it is unavailable or too small; rows already in
    `errors` stay None."""
    errors = dict(errors or {})
    models = np.asarray(list(choices), dtype=object)[picked] if len(picked) else np.empty(0, dtype=object)
    needed = table.needed_tokens
    buckets = window_buckets(table, ctx)
    refused = np.zeros(len(table), dtype=bool)
    refused[list(errors)] = True
    for code, model_id in enumerate(choices):
        rows = (picked == code) & ~refused
        if ctx.is_available(model_id):
            rows &= needed > ctx.catalog.get(model_id).context_window
        # The substitute depends only on which models fit: one `resolve` per
        # window bucket; a row nothing can hold is refused in its own words.
        for bucket in np.unique(buckets[rows]).tolist():
            members = np.flatnonzero(rows & (buckets == bucket)).tolist()
            try:
                substitute = ctx.resolve(model_id, table.route_input(members[0]))[0].id
            except UserError:
                for i in members:
                    try:
                        ctx.resolve(model_id, table.route_input(i))
                    except UserError as exc:
                        errors[i] = str(exc)
                continue
            models[members] = substitute
    models[list(errors)] = None
    return BatchDecision(models, None, errors)


def window_buckets(table: FeatureTable, ctx: RoutingContext) -> np.ndarray:
    """Per row, how many of the available models' distinct context windows are
    smaller than the tokens it needs: rows with the same number see the same
    models fit, so every fit-based choice (`resolve`, `usable`) is the same."""
    windows = np.array(sorted({m.context_window for m in ctx.available}), dtype=np.int64)
    return np.searchsorted(windows, table.needed_tokens, side="left")


def decide_by_window(decide: Callable[[RouteInput, RoutingContext], Decision], table: FeatureTable,
                     ctx: RoutingContext) -> BatchDecision:
    """For strategies whose decision depends on nothing but which models can
    hold the request (cascade, ensemble, LLM router: the prompt is read by
    the models they call, not by them): rows whose needed tokens fall between
    the same two context windows see the same models fit, so one `decide`
    per such bucket decides them all. Refusals name each row's own token
    counts, so they are `decide`'s, row by row."""
    errors = unfit_rows(table, ctx)
    buckets = window_buckets(table, ctx)
    models = np.empty(len(table), dtype=object)
    plans: list[Plan | None] = [None] * len(table)
    open_rows = np.ones(len(table), dtype=bool)
    open_rows[list(errors)] = False
    for bucket in np.unique(buckets[open_rows]).tolist():
        rows = np.flatnonzero(open_rows & (buckets == bucket)).tolist()
        try:
            decision = decide(table.route_input(rows[0]), ctx)
        except UserError:
            for i in rows:  # refused: in each row's own words
                try:
                    decide(table.route_input(i), ctx)
                except UserError as exc:
                    errors[i] = str(exc)
            continue
        models[rows] = decision.model
        for i in rows:
            plans[i] = decision.plan
    models[list(errors)] = None
    return BatchDecision(models, plans if any(p is not None for p in plans) else None, errors)
