"""Judge a trained `threshold` model the way every router is judged: replayed
on the held-out split beside the heuristics (threshold's fixed logistic of
complexity, complexity's tiers) and the baselines, each with its whole
knob curve (APGR, CPT)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playground.config.files import write_private
from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.eval.dataset import ReplayDataset, Split
from playground.eval.evaluate import Evaluator, baselines
from playground.eval.metrics import Metrics, Pair
from playground.eval.sweep import knob_for
from playground.strategies.registry import strategy_class
from playground.strategies.winrate import WinRateModel

HEURISTICS = ("threshold", "complexity")


def save_model(model: WinRateModel, path: Path) -> None:
    """Atomically and owner-only: a crash never leaves half a model."""
    if path.is_dir():
        raise UserError(f"{path}: is a directory; give a file name for the model")
    write_private(path, model.to_json())


def compare_on_held_out(
    dataset: ReplayDataset, table: Any, catalog: Catalog, pair: Pair, split: Split, model_path: str
) -> list[Metrics]:
    """Rows on the held-out split: baselines, the heuristics at their default
    setting with their knob curves, and the trained model with its curve —
    every router choosing between the pair's two models only (RouteLLM's
    setting), so their APGRs compare."""
    held = Evaluator(dataset, table, catalog, pair, pair_only=True).subset(split.held_out)
    rows = baselines(held, split.seed)
    for name, params in [*((h, {}) for h in HEURISTICS), ("threshold", {"model": model_path})]:
        params = held.with_pair_models(name, params)
        got = held.outcome(name, params)
        if isinstance(got, str):
            continue
        row = held.metrics(got)
        knob = knob_for(strategy_class(name))
        if knob is not None:
            curve = held.knob_curve(name, params, knob)
            row.apgr, row.cpt50, row.cpt80 = curve.apgr, curve.cpt50, curve.cpt80
        row.note = "trained win-rate model" if "model" in params else "heuristic"
        rows.append(row)
    return rows
