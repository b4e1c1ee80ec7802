"""Quality next to cost in the tuning preview: with a replay dataset loaded
(the evaluation screen), the setting being tuned is replayed on it and its
quality, PGR and savings are shown beside the values in effect, so moving a
threshold shows what it does to quality, not only to cost."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.content import Content

from playground.core.pricing import format_usd
from playground.eval.workbench import Figures, Workbench


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _delta(after: float | None, before: float | None, better_up: bool = True) -> Content:
    if after is None or before is None or abs(after - before) < 5e-5:
        return Content("")
    points = (after - before) * 100
    style = "$success" if (points > 0) == better_up else "$warning"
    return Content.from_markup(f" [{style}]($sign$pts pts)", sign="+" if points > 0 else "−", pts=f"{abs(points):.1f}")


def quality_summary(bench: Workbench, name: str, after: Mapping[str, Any], before: Mapping[str, Any]) -> Content:
    """Lines for the preview: quality, PGR, savings and replay cost of the
    pending setting (`after`), each with its change from the applied one."""
    now = bench.figures(name, after)
    was = bench.figures(name, before)
    head = Content.from_markup("[b $primary]Quality on $label[/] [$text-muted]($n prompts, replayed)",
                               label=bench.dataset.name, n=str(bench.dataset.n))
    if isinstance(now, str):
        return Content("\n").join([head, Content.from_markup("[$text-error]$why", why=now)])
    old = was if isinstance(was, Figures) else None

    def before_of(field: str) -> float | None:
        return getattr(old, field) if old is not None else None

    lines = [
        head,
        Content.from_markup("quality [b]$q[/b]", q=_pct(now.quality)) + _delta(now.quality, before_of("quality")),
        Content.from_markup("PGR [b]$p[/b]", p=_pct(now.pgr)) + _delta(now.pgr, before_of("pgr"))
        + Content.from_markup("  [$text-muted]gap to the strong model recovered"),
        Content.from_markup("savings vs best single [b]$s[/b]", s=_pct(now.savings_vs_best_single))
        + _delta(now.savings_vs_best_single, before_of("savings_vs_best_single")),
        Content.from_markup("cost / 1,000 on the dataset [b]$c[/b]$est  strong share $share",
                            c=format_usd(now.cost_per_1k), est=" est." if now.cost_estimated else "",
                            share=_pct(now.strong_share)),
    ]
    return Content("\n").join(lines)
