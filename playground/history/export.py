"""A stored run as Markdown (to read or paste) or JSON (to process), written
owner-only and atomically into the exports dir."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Literal

from playground.config import paths
from playground.config.files import write_private
from playground.core.pricing import format_usd
from playground.history.store import StoredAnswer, StoredRun

ExportFormat = Literal["markdown", "json"]


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def format_ms(value: float | None) -> str:
    return "—" if value is None else (f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.2f} s")


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def decision_markdown(answer: StoredAnswer) -> str:
    """Why the model was chosen, the parameters, the candidates, every attempt
    and every event of one column: its trace."""
    lines = [f"**Why:** {answer.reason or '—'}", ""]
    if answer.params:
        lines += ["**Parameters:** " + ", ".join(f"`{k}={v}`" for k, v in answer.params.items()), ""]
    candidates = (answer.trace or {}).get("candidates") or []
    if candidates:
        lines += ["| candidate | score | chosen | note |", "|---|---|---|---|"]
        for c in candidates:
            score = "" if c.get("score") is None else f"{c['score']:.4g}"
            lines.append(f"| {_cell(c.get('model'))} | {score} | {'✓' if c.get('accepted') else ''} | "
                         f"{_cell(c.get('note') or '')} |")
        lines.append("")
    if answer.attempts:
        lines += ["| # | call | model | outcome | TTFT | time | tokens in/out | cost |",
                  "|---|---|---|---|---|---|---|---|"]
        for a in answer.attempts:
            outcome = a.outcome + (f": {a.error.get('kind')}" if a.error else "")
            cost = "—" if a.cost_usd is None else format_usd(a.cost_usd)
            lines.append(f"| {a.attempt} | {_cell(a.role or 'answer')} | {_cell(a.model)} | {_cell(outcome)} | "
                         f"{format_ms(a.ttft_ms)} | {format_ms(a.latency_ms)} | "
                         f"{a.input_tokens or 0}/{a.output_tokens or 0} | {cost} |")
        lines.append("")
    if answer.notes:
        lines += [f"- {n['kind']}: " + ", ".join(f"{k}={v}" for k, v in n.items() if k not in ("kind", "at"))
                  for n in answer.notes]
        lines.append("")
    return "\n".join(lines)


def run_markdown(run: StoredRun) -> str:
    mode = "simulated" if run.simulated else "live"
    lines = [f"# Run {run.id[:8]} — {_when(run.started)} ({mode}, {run.status})", "", "## Prompt", "", run.prompt, ""]
    for answer in run.answers:
        state = answer.status if not answer.partial else "interrupted: the text below is what had streamed"
        lines += [f"## {answer.strategy} → {answer.model or '—'}", "",
                  f"*{state} · cost {format_usd(answer.cost_usd)} · TTFT {format_ms(answer.ttft_ms)} · "
                  f"total {format_ms(answer.latency_ms)}*", "", answer.text or "*(no answer)*", "",
                  "### Trace", "", decision_markdown(answer)]
    lines.append(f"**Total:** {format_usd(run.cost_usd)}")
    return "\n".join(lines) + "\n"


def run_json(run: StoredRun) -> str:
    return json.dumps(asdict(run), indent=2, ensure_ascii=False, default=str) + "\n"


def export_run(run: StoredRun, fmt: ExportFormat, directory: Path | None = None) -> Path:
    """Write the run into `directory` (default: the exports dir); returns the file."""
    directory = directory or paths.exports_dir()
    suffix = "md" if fmt == "markdown" else "json"
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(run.started))
    path = directory / f"run-{stamp}-{run.id[:8]}.{suffix}"
    write_private(path, run_markdown(run) if fmt == "markdown" else run_json(run))
    return path
