"""The full decision trace of a run as Markdown: why the model was chosen,
what else was considered, every verdict and every attempt; for a run still
going, the decision and the calls so far."""

from __future__ import annotations

import json
from typing import Any

from playground.core.decision import Decision
from playground.core.events import AttemptRecord, RequestResult
from playground.core.pricing import format_usd
from playground.runview.run_state import RunState
from playground.tui.formatting import format_ms


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _details(details: dict[str, Any]) -> str:
    return "```json\n" + json.dumps(details, indent=2, default=str, ensure_ascii=False) + "\n```"


def _decision_lines(decision: Decision) -> list[str]:
    lines = ["", f"**Why:** {decision.reason}"]
    if decision.fallbacks:
        lines += ["", f"**Fallbacks:** {' → '.join(decision.fallbacks)}"]
    if decision.candidates:
        lines += ["", "| candidate | score | chosen | note |", "|---|---|---|---|"]
        for c in decision.candidates:
            score = "" if c.score is None else f"{c.score:.4g}"
            lines.append(f"| {_cell(c.model)} | {score} | {'✓' if c.accepted else ''} | {_cell(c.note)} |")
    if decision.details:
        lines += ["", "**Details**", "", _details(decision.trace()["details"])]
    return lines


def _attempt_lines(attempts: tuple[AttemptRecord, ...] | list[AttemptRecord]) -> list[str]:
    lines = ["", "| # | call | model | outcome | TTFT | time | tokens in/out | cost |",
             "|---|---|---|---|---|---|---|---|"]
    for a in attempts:
        outcome = a.outcome if a.error is None else f"{a.outcome}: {a.error.kind}"
        ttft = "" if a.ttft_ms is None else f"{a.ttft_ms:.0f} ms"
        approx = "~" if a.usage_source == "estimate" else ""
        call = _cell(a.role.label or "answer")
        lines.append(f"| {a.attempt} | {call} | {_cell(a.model)} | {_cell(outcome)} | {ttft} | "
                     f"{a.latency_ms:.0f} ms | {approx}{a.input_tokens}/{approx}{a.output_tokens} | "
                     f"{format_usd(a.cost_usd)} |")
    return lines


def column_trace(strategy: str, run: RunState | None, decision: Decision | None) -> str:
    """A column's trace: its finished run's, or what its running run did so far."""
    if run is None:
        return trace_markdown(strategy, None)
    if run.result is not None or not run.running:
        return trace_markdown(strategy, run.result)
    lines = [f"## {strategy} → {run.model or 'deciding…'} · *{run.status}, {format_ms(run.latency_ms)} so far*"]
    if decision is not None:
        lines += _decision_lines(decision)
    if run.records:
        lines += _attempt_lines(run.records)
    for call in run.live.values():
        label = f"{call.role} · {call.model}" if call.role else call.model
        state = "streaming" if call.ttft_ms is not None else "waiting for the first token"
        lines += ["", f"- *{_cell(label)}*: {state}, {call.output_tokens} tokens so far"]
    return "\n".join(lines) + "\n"


def trace_markdown(strategy: str, result: RequestResult | None) -> str:
    if result is None:
        return f"## {strategy}\n\n*No run yet: send a prompt first.*\n"
    lines = [f"## {strategy} → {result.model or '-'}"]
    decision = result.decision
    if decision is not None:
        lines += _decision_lines(decision)
    if result.verdicts:
        lines += ["", "**Verdicts**", ""]
        lines += [f"- *{_cell(v.stage)}*: {_cell(v.summary)}" for v in result.verdicts]
    if result.attempts:
        lines += _attempt_lines(result.attempts)
    lines += ["", f"**Total:** {format_usd(result.cost_usd)} over {len(result.attempts)} call(s), "
                  f"{result.retries} retries, {result.fallbacks} fallbacks, "
                  f"wasted {format_usd(result.wasted_cost_usd)}"]
    if result.error is not None:
        lines += ["", f"**Error ({result.error.kind}):** {result.error.message}"]
    return "\n".join(lines) + "\n"
