"""The full decision trace of a run as Markdown: why the model was chosen,
what else was considered, every verdict and every attempt."""

from __future__ import annotations

import json
from typing import Any

from playground.core.events import RequestResult
from playground.core.pricing import format_usd


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _details(details: dict[str, Any]) -> str:
    return "```json\n" + json.dumps(details, indent=2, default=str, ensure_ascii=False) + "\n```"


def trace_markdown(strategy: str, result: RequestResult | None) -> str:
    if result is None:
        return f"## {strategy}\n\n*No finished run yet: send a prompt first.*\n"
    lines = [f"## {strategy} → {result.model or '-'}"]
    decision = result.decision
    if decision is not None:
        lines += ["", f"**Why:** {decision.reason}"]
        if decision.fallbacks:
            lines += ["", f"**Fallbacks:** {' → '.join(decision.fallbacks)}"]
        if decision.candidates:
            lines += ["", "| candidate | score | chosen | note |", "|---|---|---|---|"]
            for c in decision.candidates:
                score = "" if c.score is None else f"{c.score:.4g}"
                lines.append(f"| {_cell(c.model)} | {score} | {'✓' if c.accepted else ''} | {_cell(c.note)} |")
        if decision.details:
            lines += ["", "**Details**", "", _details(decision.trace()["details"])]
    if result.verdicts:
        lines += ["", "**Verdicts**", ""]
        lines += [f"- *{_cell(v.stage)}*: {_cell(v.summary)}" for v in result.verdicts]
    if result.attempts:
        lines += ["", "| # | call | model | outcome | TTFT | time | tokens in/out | cost |", "|---|---|---|---|---|---|---|---|"]
        for a in result.attempts:
            outcome = a.outcome if a.error is None else f"{a.outcome}: {a.error.kind}"
            ttft = "" if a.ttft_ms is None else f"{a.ttft_ms:.0f} ms"
            approx = "~" if a.usage_source == "estimate" else ""
            lines.append(f"| {a.attempt} | {_cell(a.role.label or 'answer')} | {_cell(a.model)} | {_cell(outcome)} | {ttft} | "
                         f"{a.latency_ms:.0f} ms | {approx}{a.input_tokens}/{approx}{a.output_tokens} | {format_usd(a.cost_usd)} |")
    lines += ["", f"**Total:** {format_usd(result.cost_usd)} over {len(result.attempts)} call(s), "
                  f"{result.retries} retries, {result.fallbacks} fallbacks, wasted {format_usd(result.wasted_cost_usd)}"]
    if result.error is not None:
        lines += ["", f"**Error ({result.error.kind}):** {result.error.message}"]
    return "\n".join(lines) + "\n"
