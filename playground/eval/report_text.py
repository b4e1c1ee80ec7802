"""Evaluation results as plain-text tables for the terminal (the CLI prints
these; `--json` prints the rows' `to_dict()` instead)."""

from __future__ import annotations

from typing import Any

from playground.eval.metrics import Metrics
from playground.eval.replay_run import EvalReport
from playground.eval.train_winrate import DEFAULT_PGR


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# Parameters eval fills in from the dataset's pair: not the user's setting.
_IMPLIED = ("strong_model", "weak_model")


def _setting(row: Metrics) -> str:
    shown = {k: v for k, v in row.params.items() if k not in _IMPLIED}
    if row.kind == "baseline" or not shown:
        return row.strategy
    text = ", ".join(
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in shown.items()
        if not isinstance(v, (list, dict))
    )
    return f"{row.strategy} {text}" if text else row.strategy


def render_rows(rows: list[Metrics]) -> str:
    header = (
        f"{'':1}{'strategy / setting':<44}{'quality':>8}{'$/1k req':>11}{'save/best':>10}{'save/strong':>12}"
        f"{'strong':>8}{'APGR':>7}{'CPT50':>7}{'CPT80':>7}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        mark = "*" if row.pareto else " "
        est = "~" if row.cost_estimated else " "
        name = _setting(row)
        if len(name) > 43:
            name = name[:42] + "…"
        lines.append(
            f"{mark}{name:<44}{_num(row.quality):>8}{est}{row.cost_per_1k_usd:>10.4f}{_pct(row.savings_vs_best_single):>10}"
            f"{_pct(row.savings_vs_strongest):>12}{_pct(row.strong_share):>8}{_num(row.apgr, 2):>7}"
            f"{_pct(row.cpt50):>7}{_pct(row.cpt80):>7}"
        )
    return "\n".join(lines) + "\n"


def render_report(report: EvalReport, *, features_cached: bool) -> str:
    data = report.dataset
    out = [f"dataset: {data.name} — {data.n} prompts, models: {', '.join(data.models)}"]
    if report.pair:
        out.append(f"pair: strong {report.pair[0]}, weak {report.pair[1]} (APGR/CPT against this pair)")
    if report.split:
        out.append(report.split.describe())
    out.append(f"features: {'from the cache' if features_cached else 'computed (now cached)'}")
    out += [f"note: {n}" for n in report.notes]
    out.append("")
    out.append(render_rows(report.rows).rstrip("\n"))
    out.append("")
    out.append(
        "* on the cost–quality Pareto front (oracles left out: a ceiling, not an option)   "
        "~ cost estimated from tokens and catalog prices   "
        "save/best, save/strong: cost saved against the best single model / the strongest model"
    )
    notes = sorted({r.note for r in report.rows if r.note})
    out += [f"  {n}" for n in notes]
    for name, reason in report.skipped.items():
        out.append(f"skipped {name}: {reason}")
    return "\n".join(out) + "\n"


def render_training(trained: Any, split: Any, comparison: list[Metrics], out_path: str) -> str:
    model = trained.model
    lines = [
        f"trained threshold's win-rate model: P({model.strong_model} beats {model.weak_model})",
        split.describe(),
        f"{'':10}{'prompts':>8}{'wins':>8}{'log-loss':>10}{'AUC':>7}{'APGR':>7}{'CPT50':>7}{'CPT80':>7}",
    ]
    for label, rep in (("train", trained.train), ("held-out", trained.held_out)):
        lines.append(
            f"{label:<10}{rep.n:>8}{_pct(rep.positives):>8}{rep.log_loss:>10.3f}{_num(rep.auc, 3):>7}"
            f"{_num(rep.apgr, 3):>7}{_pct(rep.cpt50):>7}{_pct(rep.cpt80):>7}"
        )
    default = trained.default
    shares = ", ".join(f"{share:.0%} → {value:g}" for share, value in default.by_share.items())
    lines += [
        "",
        f"default threshold {default.threshold:g}: sends {default.strong_share:.0%} of the fit prompts to "
        f"{model.strong_model}, the share at which their cross-validated ranking recovers "
        f"{DEFAULT_PGR:.0%} of the quality gap (stored in the file; a threshold you give wins)",
        f"thresholds for other strong-model shares (fit split): {shares}; or calibrate: "
        "playground eval -s threshold -p threshold.model=FILE --calibrate strong_share=0.3",
    ]
    lines += ["", "held-out split, replayed (APGR/CPT over each router's threshold):", render_rows(comparison).rstrip()]
    lines += ["", f"wrote {out_path}", f"use it: playground eval -s threshold -p threshold.model={out_path}"]
    return "\n".join(lines) + "\n"
