"""Every call of a run that made more than one (retries, fallbacks, an
ensemble's members, a judge): a table where the column is wide enough,
stacked two lines per call where it is not (a six-column table squeezed
into 40 cells is unreadable)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Markdown, Static

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
        lines.append(Content.from_markup("[b]#$n[/b] $call [$text-muted]·[/] $model", n=str(a.attempt),
                                         call=a.role or "answer", model=a.model))
        lines.append(Content.from_markup("  $outcome [$text-muted]·[/] $time [$text-muted]·[/] $cost",
                                         outcome=outcome_label(a), time=f"{a.latency_ms / 1000:.2f} s",
                                         cost=approx + format_usd(a.cost_usd)))
    return Content("\n").join(lines)


class AttemptsView(Vertical):
    """Shows `source` (the run's attempts table, Markdown) or its stacked form."""

    DEFAULT_CSS = """
    AttemptsView {
        height: auto;
        display: none;
    }
    AttemptsView.-shown {
        display: block;
    }
    AttemptsView > Markdown {
        margin: 0;
        padding: 0;
        background: transparent;
    }
    AttemptsView > .attempts-stacked {
        display: none;
        margin: 1 0 0 0;
    }
    AttemptsView.-stacked > Markdown {
        display: none;
    }
    AttemptsView.-stacked > .attempts-stacked {
        display: block;
    }
    """

    shown: reactive[bool] = reactive(False, toggle_class="-shown")
    narrow: reactive[bool] = reactive(False, toggle_class="-stacked")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = ""

    def compose(self) -> ComposeResult:
        yield Markdown(classes="attempts-table")
        yield Static("", classes="attempts-stacked")

    def show(self, result: RequestResult | None, source: str) -> None:
        """`source`: the attempts table the run wrote ("" for none)."""
        if source == self.source:
            return
        self.source = source
        self.shown = bool(source) and result is not None
        self.query_one(Markdown).update(source)
        self.query_one(".attempts-stacked", Static).update(stacked(result) if result is not None and source else "")

    def on_resize(self) -> None:
        self.narrow = self.size.width < TABLE_MIN_WIDTH
