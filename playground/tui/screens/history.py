"""Past runs: a searchable list (full text over prompts and answers), a run
re-opened with its columns side by side (answers or traces), re-sent, or
exported as Markdown or JSON. Reads the history store; writes nothing but
exports."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Markdown, Static

from playground.core.errors import UserError
from playground.core.pricing import format_usd
from playground.history import HistoryStore, RunSummary, StoredAnswer, StoredRun, export_run
from playground.history.export import ExportFormat, decision_markdown, format_ms
from playground.tui.widgets.key_footer import KeyFooter

Resend = Callable[[StoredRun], None]


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def answer_header(answer: StoredAnswer) -> str:
    state = "interrupted (what had streamed)" if answer.partial else answer.status
    return (f"{answer.strategy} → {answer.model or '—'}\n{state} · {format_usd(answer.cost_usd)} · "
            f"TTFT {format_ms(answer.ttft_ms)} · total {format_ms(answer.latency_ms)}")


def _export(screen: Screen[Any], run: StoredRun, fmt: ExportFormat) -> None:
    try:
        path = export_run(run, fmt)
    except UserError as exc:
        screen.notify(str(exc), title="Cannot export", severity="error")
        return
    screen.notify(str(path), title=f"Exported run as {fmt}", markup=False)


class RunView(ModalScreen[None]):
    """One past run, its columns side by side; `t` switches answers and traces."""

    DEFAULT_CSS = """
    RunView { background: $background; }
    RunView #run-prompt { height: auto; max-height: 6; padding: 0 1; background: $panel; }
    RunView #run-columns { height: 1fr; }
    RunView .past-column { width: 1fr; min-width: 30; border-left: vkey $panel; }
    RunView .past-header { height: 2; padding: 0 1; background: $surface; color: $text-muted; }
    RunView .past-body { height: 1fr; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Back", id="close_run"),
        Binding("t", "toggle_trace", "Answers/traces", id="run_toggle_trace"),
        Binding("r", "resend", "Re-send", id="run_resend"),
        Binding("m", "export('markdown')", "Export .md", id="run_export_markdown"),
        Binding("j", "export('json')", "Export .json", id="run_export_json"),
    ]

    def __init__(self, run: StoredRun, resend: Resend | None = None) -> None:
        super().__init__()
        self.run = run
        self._resend = resend
        self.showing_traces = False

    def compose(self) -> ComposeResult:
        mode = "simulated" if self.run.simulated else "live"
        yield Static(f"{_when(self.run.started)} · {mode} · {self.run.status} · {format_usd(self.run.cost_usd)}\n"
                     f"{self.run.prompt}", id="run-prompt", markup=False)
        with Horizontal(id="run-columns"):
            for answer in self.run.answers:
                with Vertical(classes="past-column"):
                    yield Static(answer_header(answer), classes="past-header", markup=False)
                    with VerticalScroll(classes="past-body"):
                        yield Markdown(answer.text or "*(no answer)*", classes="past-answer")
        yield KeyFooter()

    def action_toggle_trace(self) -> None:
        self.showing_traces = not self.showing_traces
        for answer, markdown in zip(self.run.answers, self.query(".past-answer").results(Markdown), strict=True):
            markdown.update(decision_markdown(answer) if self.showing_traces else answer.text or "*(no answer)*")

    def action_resend(self) -> None:
        if self._resend is not None:
            self._resend(self.run)  # the app closes the history screens and sends

    def action_export(self, fmt: ExportFormat) -> None:
        _export(self, self.run, fmt)


class HistoryScreen(ModalScreen[None]):
    """The list of past runs, newest first; type to search."""

    DEFAULT_CSS = """
    HistoryScreen { align: center middle; }
    HistoryScreen > Vertical { width: 95%; height: 90%; background: $surface; border: round $primary; }
    HistoryScreen #history-search { margin: 0 1; }
    HistoryScreen #history-count { color: $text-muted; padding: 0 1; height: 1; }
    HistoryScreen DataTable { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="close_history"),
        Binding("ctrl+r", "resend", "Re-send", id="history_resend"),
        Binding("ctrl+e", "export('markdown')", "Export .md", id="history_export_markdown"),
        Binding("ctrl+j", "export('json')", "Export .json", id="history_export_json"),
    ]

    def __init__(self, store: HistoryStore, resend: Resend | None = None) -> None:
        super().__init__()
        self.store = store
        self._resend = resend
        self.rows: list[RunSummary] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(placeholder="search prompts and answers…", id="history-search")
            yield Static("", id="history-count", markup=False)
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
            yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("when", "status", "cost", "strategies", "prompt")
        self._load("")
        self.query_one("#history-search", Input).focus()

    @on(Input.Changed, "#history-search")
    def _search(self, event: Input.Changed) -> None:
        self._load(event.value)

    @on(Input.Submitted, "#history-search")
    def _to_table(self) -> None:
        self.query_one(DataTable).focus()

    @work(description="search the history", exclusive=True, group="history-search")
    async def _load(self, query: str) -> None:
        self.rows = self.store.runs(query)
        table = self.query_one(DataTable)
        table.clear()
        for run in self.rows:
            prompt = " ".join(run.prompt.split())
            table.add_row(_when(run.started), run.status, format_usd(run.cost_usd), ", ".join(run.strategies),
                          prompt[:200], key=run.id)
        total = self.store.count()
        runs = "run" if total == 1 else "runs"
        what = f"{len(self.rows)} of {total} {runs} match" if query.strip() else f"{total} {runs}"
        self.query_one("#history-count", Static).update(
            f"{what} · type to search · Enter: to the list, again: re-open side by side")

    def selected(self) -> StoredRun | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.store.load(self.rows[table.cursor_row].id)

    @on(DataTable.RowSelected)
    def _open(self) -> None:
        run = self.selected()
        if run is not None:
            self.app.push_screen(RunView(run, self._resend))

    def action_resend(self) -> None:
        run = self.selected()
        if run is not None and self._resend is not None:
            self._resend(run)

    def action_export(self, fmt: ExportFormat) -> None:
        run = self.selected()
        if run is not None:
            _export(self, run, fmt)
