"""The evaluation results as a table a screen can show and sort, free of
Textual: one row per strategy setting and baseline, each column with its
label, how it is written and how it sorts (missing figures sort last).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from playground.core.pricing import format_usd
from playground.eval.metrics import Metrics
from playground.eval.tuning import format_value
from playground.strategies.registry import STRATEGIES

# Parameters that only name the dataset's strong/weak pair: shown once in the
# screen's header, not on every row.
PAIR_PARAMS = ("strong_model", "weak_model")
ALWAYS = "always "  # how the single-model baselines are named


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    value: Callable[[Metrics], Any]  # what sorts
    text: Callable[[Metrics], str]  # what is shown
    numeric: bool = True


def params_text(row: Metrics) -> str:
    """The setting's parameters that differ from the strategy's defaults."""
    cls = STRATEGIES.get(row.strategy)
    if cls is None:  # a baseline
        return row.note if row.note.startswith("sweep") else ""
    defaults = {p.name: p.default for p in cls.params}
    shown = {k: v for k, v in row.params.items() if k not in PAIR_PARAMS and defaults.get(k, object()) != v}
    return ", ".join(f"{k}={format_value(v, 24)}" for k, v in shown.items()) or "defaults"


COLUMNS: tuple[Column, ...] = (
    Column("strategy", "Strategy", lambda r: r.strategy, lambda r: ("★ " if r.pareto else "  ") + r.strategy,
           numeric=False),
    Column("params", "Params", params_text, params_text, numeric=False),
    Column("quality", "Quality", lambda r: r.quality, lambda r: _pct(r.quality)),
    Column("cost", "Cost/1k", lambda r: r.cost_per_1k_usd,
           lambda r: format_usd(r.cost_per_1k_usd) + (" est." if r.cost_estimated else "")),
    Column("savings", "Savings vs best", lambda r: r.savings_vs_best_single, lambda r: _pct(r.savings_vs_best_single)),
    Column("strong_share", "Strong share", lambda r: r.strong_share, lambda r: _pct(r.strong_share)),
    Column("apgr", "APGR", lambda r: r.apgr, lambda r: _ratio(r.apgr)),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)


def column(key: str, columns: Sequence[Column] = COLUMNS) -> Column:
    for col in columns:
        if col.key == key:
            return col
    raise KeyError(key)


def sort_rows(rows: Sequence[Metrics], key: str, descending: bool = False,
              columns: Sequence[Column] = COLUMNS) -> list[Metrics]:
    """Rows ordered by one column of `columns`; rows without that figure always last."""
    col = column(key, columns)
    known = [r for r in rows if col.value(r) is not None]
    missing = [r for r in rows if col.value(r) is None]
    return sorted(known, key=col.value, reverse=descending) + missing


def setting_of(row: Metrics) -> tuple[str, dict[str, Any]] | None:
    """The strategy and parameters a row stands for: a router's own, `fixed`
    on the model for an "always MODEL" baseline (the same routing), None for
    random and the oracles (no configuration routes like them)."""
    if row.strategy in STRATEGIES:
        return row.strategy, dict(row.params)
    if row.kind == "baseline" and row.strategy.startswith(ALWAYS):
        return "fixed", {"model": row.strategy.removeprefix(ALWAYS)}
    return None


def cells(row: Metrics, columns: Sequence[Column] = COLUMNS) -> tuple[str, ...]:
    return tuple(col.text(row) for col in columns)
