"""The totals row: what this prompt cost across columns, each strategy's cost
relative to the `fixed` baseline (the point of routing), and what the whole
session spent, cancelled partial runs included."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from playground.runview.run_state import RunState
from playground.tui.css import css_beside
from playground.tui.formatting import format_cost, format_relative
from playground.tui.spend import SpendLedger

BASELINE = "fixed"


@dataclass(frozen=True, slots=True)
class Totals:
    prompt_usd: float
    prompt_estimated: bool
    running: int
    relative: tuple[tuple[str, str], ...]  # (strategy, "−83%")
    baseline_usd: float | None
    session_usd: float
    cancelled_runs: int
    cancelled_usd: float


def compute_totals(current: Sequence[RunState], ledger: SpendLedger) -> Totals:
    """`current`: each column's latest run; `ledger`: the session's ended runs
    (a run still going is added live)."""
    baseline = next((r for r in current if r.strategy == BASELINE and r.status == "done"), None)
    relative: list[tuple[str, str]] = []
    if baseline is not None:
        for run in current:
            if run.strategy != BASELINE and run.status == "done":
                relative.append((run.strategy, format_relative(run.cost_usd, baseline.cost_usd)))
    live = [r for r in current if not ledger.counted(r)]
    return Totals(
        prompt_usd=sum(r.cost_usd for r in current),
        prompt_estimated=any(r.estimated and r.cost_usd > 0 for r in current),
        running=sum(1 for r in current if r.running),
        relative=tuple(relative),
        baseline_usd=baseline.cost_usd if baseline else None,
        session_usd=ledger.total_usd + sum(r.cost_usd for r in live),
        cancelled_runs=ledger.cancelled_runs + sum(1 for r in live if r.status == "cancelled"),
        cancelled_usd=ledger.cancelled_usd + sum(r.cost_usd for r in live if r.status == "cancelled"),
    )


class TotalsBar(Horizontal):
    """This prompt's cost across columns, against the baseline, and the session's."""

    DEFAULT_CSS = css_beside(__file__, "totals.tcss")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.totals: Totals | None = None

    def compose(self) -> ComposeResult:
        yield Static("No prompt sent yet.", id="totals-prompt")
        yield Static("", id="totals-session")

    def show(self, totals: Totals) -> None:
        before, self.totals = self.totals, totals
        if totals == before:
            return
        # One line whatever the figures: no layout pass for the left part;
        # the right part is as wide as its text.
        self.query_one("#totals-prompt", Static).update(self._prompt_content(totals), layout=False)
        session = self._session_content(totals)
        shown = None if before is None else self._session_content(before)
        if shown is None or session.plain != shown.plain:
            # As wide as its text: a layout only when the width changes.
            self.query_one("#totals-session", Static).update(session, layout=shown is None
                                                             or session.cell_length != shown.cell_length)

    @staticmethod
    def _prompt_content(t: Totals) -> Content:
        text = Content.from_markup(
            "[$foreground-muted]This prompt[/] [b]$cost[/b]", cost=format_cost(t.prompt_usd, t.prompt_estimated)
        )
        if t.running:
            text += Content.from_markup(" [$foreground-muted](running: $n)", n=str(t.running))
        if t.baseline_usd is not None:
            text += Content.from_markup(
                "  [$foreground-muted]vs fixed[/] $base[$foreground-muted]:[/]", base=format_cost(t.baseline_usd)
            )
            for name, change in t.relative:
                style = "$text-success" if change.startswith("−") else "$text-warning"
                text += Content.from_markup(f" $name [{style}]$change[/]", name=name, change=change)
        return text

    @staticmethod
    def _session_content(t: Totals) -> Content:
        text = Content.from_markup("[$foreground-muted]Session[/] [b]$cost[/b]", cost=format_cost(t.session_usd))
        if t.cancelled_runs:
            text += Content.from_markup(
                " [$foreground-muted](incl. $cost in $n cancelled)",
                cost=format_cost(t.cancelled_usd),
                n=f"{t.cancelled_runs} run{'s' if t.cancelled_runs != 1 else ''}",
            )
        return text

    @property
    def text(self) -> str:
        """Plain text of the row, for tests and logs."""
        if self.totals is None:
            return "No prompt sent yet."
        return f"{self._prompt_content(self.totals).plain}  {self._session_content(self.totals).plain}"
