"""Every call of a run that made more than one (retries, fallbacks, an
ensemble's members, a judge): the run's table where the column is wide
enough, stacked two lines per call where it is not (a six-column table
squeezed into 40 cells is unreadable). `AnswerPane` shows them."""

from __future__ import annotations

from textual.content import Content

from playground.core.events import AttemptRecord, RequestResult
from playground.core.pricing import format_usd

# Narrower than this, the table is stacked.
TABLE_MIN_WIDTH = 60


def outcome_label(attempt: AttemptRecord) -> str:
    if attempt.outcome == "ok":
        label = "✓ ok"
    elif attempt.outcome == "cancelled":
        label = "■ cancelled"
    else:
        label = f"✗ {attempt.error.kind if attempt.error else 'failed'}"
    return label + (" (partial)" if attempt.outcome != "ok" and attempt.text else "")


def stacked(result: RequestResult) -> Content:
    """Two lines per call: who, then how it went."""
    lines: list[Content] = []
    for a in result.attempts:
        approx = "~" if a.usage_source == "estimate" and a.cost_usd else ""
        lines.append(Content.from_markup("[b]#$n[/b] $call [$foreground-muted]·[/] $model", n=str(a.attempt),
                                         call=a.role.label or "answer", model=a.model))
        lines.append(Content.from_markup("  $outcome [$foreground-muted]·[/] $time [$foreground-muted]·[/] $cost",
                                         outcome=outcome_label(a), time=f"{a.latency_ms / 1000:.2f} s",
                                         cost=approx + format_usd(a.cost_usd)))
    return Content("\n").join(lines)
