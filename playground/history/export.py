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
from playground.history.store import StoredRun

ExportFormat = Literal["markdown", "json"]


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def run_markdown(run: StoredRun) -> str:
    mode = "simulated" if run.simulated else "live"
    lines = [f"# Run {run.id[:8]} — {_when(run.started)} ({mode}, {run.status})", "", "## Prompt", "", run.prompt, ""]
    for answer in run.answers:
        state = answer.status if not answer.partial else "interrupted: the text below is what had streamed"
        lines += [f"## {answer.strategy} → {answer.model or '—'}", ""]
        if answer.params:
            lines += ["Parameters: " + ", ".join(f"`{k}={v}`" for k, v in answer.params.items()), ""]
        if answer.reason:
            lines += [f"**Why:** {answer.reason}", ""]
        lines += [f"*{state} · cost {format_usd(answer.cost_usd)} · TTFT {_ms(answer.ttft_ms)} · "
                  f"total {_ms(answer.latency_ms)}*", "", answer.text or "*(no answer)*", ""]
        if answer.attempts:
            lines += ["| # | call | model | outcome | TTFT | time | tokens in/out | cost |",
                      "|---|---|---|---|---|---|---|---|"]
            for a in answer.attempts:
                outcome = a.outcome + (f": {a.error.get('kind')}" if a.error else "")
                cost = "—" if a.cost_usd is None else format_usd(a.cost_usd)
                lines.append(f"| {a.attempt} | {a.role or 'answer'} | {a.model} | {outcome} | {_ms(a.ttft_ms)} | "
                             f"{_ms(a.latency_ms)} | {a.input_tokens or 0}/{a.output_tokens or 0} | {cost} |")
            lines.append("")
        if answer.notes:
            lines += ["Events:", ""]
            lines += [f"- {n['kind']}: " + ", ".join(f"{k}={v}" for k, v in n.items() if k not in ("kind", "at"))
                      for n in answer.notes]
            lines.append("")
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
