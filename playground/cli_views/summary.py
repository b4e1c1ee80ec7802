"""A readable side-by-side summary of several strategies' results."""

from __future__ import annotations

import shutil
import textwrap

from playground.core.events import RequestResult
from playground.core.pricing import format_usd


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def figure_rows(result: RequestResult) -> list[tuple[str, str]]:
    approx = "~" if result.usage_estimated else ""
    tps = result.tokens_per_s
    return [
        ("model", result.model or "-"),
        ("provider", (result.provider or "-") + (" (sim)" if result.simulated else "")),
        ("tokens in/out", f"{approx}{result.input_tokens:,} / {approx}{result.output_tokens:,}"),
        ("cost", approx + format_usd(result.cost_usd)),
        ("ttft", _ms(result.ttft_ms)),
        ("latency", _ms(result.latency_ms)),
        ("tok/s", "-" if tps is None else f"{tps:,.0f}"),
        ("status", "ok" if result.error is None else f"{result.error.kind}"),
    ]


def render_summary(results: list[RequestResult], mode_label: str, width: int | None = None) -> str:
    width = width or shutil.get_terminal_size((120, 40)).columns
    label_w = 14
    col_w = max(18, (width - label_w) // max(1, len(results)) - 2)
    lines = [mode_label, ""]

    def row(label: str, cells: list[str]) -> str:
        return label.ljust(label_w) + "  ".join(textwrap.shorten(c, col_w, placeholder="…").ljust(col_w) for c in cells)

    lines.append(row("strategy", [r.strategy for r in results]))
    lines.append("-" * min(width, label_w + len(results) * (col_w + 2)))
    table = [figure_rows(r) for r in results]
    for index, (label, _) in enumerate(table[0]):
        lines.append(row(label, [rows[index][1] for rows in table]))
    baseline = next((r for r in results if r.strategy == "fixed" and r.error is None and r.cost_usd > 0), None)
    if baseline:
        lines.append(row("vs fixed", [f"{r.cost_usd / baseline.cost_usd:.0%} of cost" for r in results]))
    lines.append("")
    for result in results:
        lines.append(f"== {result.strategy} → {result.model or '-'}")
        if result.decision:
            lines.append(f"   why: {result.decision.reason}")
        if result.error is not None:
            lines.append(f"   error ({result.error.kind}): {result.error.message}")
        else:
            body = result.text.strip()
            lines.extend("   " + line for line in body.splitlines())
            lines.extend(f"   tool call: {call.name}({call.arguments})" for call in result.tool_calls)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
