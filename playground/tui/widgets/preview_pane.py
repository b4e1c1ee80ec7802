"""The tuning screen's live preview: each column's pick for the current
prompt, and for the prompt set the share of calls per model (bars) and the
estimated cost per 1,000 requests, each next to its value before the edit."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from playground.core.pricing import format_usd
from playground.eval.preview import Pick, PreviewResult, compare_shares

BAR_WIDTH = 20
NAME_WIDTH = 20


def _cost(value: float, lower_bound: bool) -> str:
    return f"{'≥' if lower_bound else ''}{format_usd(value)}"


def _signed_usd(value: float) -> str:
    return f"{'+' if value >= 0 else '−'}{format_usd(abs(value))}"


def pick_lines(name: str, after: Pick, before: Pick | None, selected: bool) -> Content:
    """Two lines: the model(s) the strategy would call and why."""
    models = " + ".join(after.models) if after.error is None else "cannot route"
    was = " + ".join(before.models) if before is not None and before.error is None else None
    changed = before is not None and was != models
    head = Content.from_markup(
        "[b $primary]$name[/] $models",
        name=f"{'▸ ' if selected else '  '}{name:<12}",
        models=models,
    )
    if changed:
        head = head + Content.from_markup(" [$warning](was $was)", was=was or "cannot route")
    if after.error is None:
        head = head + Content.from_markup("  [$text-muted]$cost est.", cost=_cost(after.cost_usd, after.lower_bound))
    reason = Content.from_markup("[$text-muted]$pad$reason", pad=" " * 15, reason=after.reason)
    return Content("\n").join([head, reason])


def share_bars(before: PreviewResult | None, after: PreviewResult) -> Content:
    lines: list[Content] = []
    for row in compare_shares(before, after):
        filled = round(row.after * BAR_WIDTH)
        delta = round(row.delta * 100)
        note = f"({'+' if delta > 0 else ''}{delta} pts)" if before is not None and delta else ""
        name = row.model if len(row.model) <= NAME_WIDTH else row.model[: NAME_WIDTH - 1] + "…"
        lines.append(Content.from_markup(
            "$name [$accent]$filled[/][$text-muted]$empty[/] $pct [$warning]$note",
            name=f"{name:<{NAME_WIDTH}}", filled="█" * filled, empty="░" * (BAR_WIDTH - filled),
            pct=f"{row.after:>4.0%}", note=note,
        ))
    return Content("\n").join(lines) if lines else Content("no call could be routed")


def cost_line(before: PreviewResult | None, after: PreviewResult) -> Content:
    line = Content.from_markup("cost / 1,000 requests [$text-muted](est.)[/]: [b]$cost[/b]",
                               cost=_cost(after.cost_per_1k, after.lower_bound))
    if before is not None:
        delta = after.cost_per_1k - before.cost_per_1k
        if abs(delta) >= 5e-7:
            style = "$warning" if delta > 0 else "$success"
            line = line + Content.from_markup(
                f"  [{style}](was $was, $delta)",
                was=_cost(before.cost_per_1k, before.lower_bound),
                delta=_signed_usd(delta),
            )
        else:
            line = line + Content.from_markup("  [$text-muted](unchanged)")
    return line


def set_summary(before: PreviewResult | None, after: PreviewResult) -> Content:
    notes = [f"{after.calls_per_request:.2f} calls per request", "output tokens estimated from prompt complexity"]
    if after.lower_bound:
        notes.append("≥: later tiers/escalations not counted")
    parts = [share_bars(before, after), Content(""), cost_line(before, after),
             Content.from_markup("[$text-muted]$notes", notes=" · ".join(notes))]
    if after.errors:
        parts.append(Content.from_markup("[$text-error]$n of $total prompts cannot be routed: $why",
                                         n=str(after.errors), total=str(after.prompts), why=after.first_error or ""))
    return Content("\n").join(parts)


class PreviewPane(VerticalScroll):
    """Updated by the tuning screen on every accepted change."""

    def compose(self) -> ComposeResult:
        # Quality on a loaded replay dataset (evaluation screen): first, so it shows on small terminals.
        yield Static("", id="preview-quality")
        yield Static("For the current prompt", classes="preview-title", markup=False)
        yield Static("", id="preview-current")
        yield Static("Prompt set", id="preview-set-title", classes="preview-title", markup=False)
        yield Static("measuring the prompt set…", id="preview-set")

    def show_current(self, prompt_note: str, rows: Sequence[tuple[str, Pick, Pick | None, bool]]) -> None:
        """`rows`: (strategy, pick now, pick before the edit, selected)."""
        parts = [Content.from_markup("[$text-muted]$note", note=prompt_note)]
        parts += [pick_lines(name, after, before, selected) for name, after, before, selected in rows]
        self.query_one("#preview-current", Static).update(Content("\n").join(parts))

    def show_set(self, title: str, before: PreviewResult | None, after: PreviewResult) -> None:
        self.query_one("#preview-set-title", Static).update(title)
        self.query_one("#preview-set", Static).update(set_summary(before, after))

    def show_set_message(self, title: str, message: str) -> None:
        self.query_one("#preview-set-title", Static).update(title)
        self.query_one("#preview-set", Static).update(message)

    def show_quality(self, content: Content) -> None:
        quality = self.query_one("#preview-quality", Static)
        quality.update(content)
        quality.display = True

    @property
    def text(self) -> str:
        """Everything shown, as plain text (tests, screen readers)."""
        return "\n".join(str(w.visual) for w in self.query(Static))
