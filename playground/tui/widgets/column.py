"""One strategy's column: which model it chose and why, the streamed answer,
and live figures; for a multi-call plan (ensemble, cascade, LLM router) a
pane per call and the verdict above the answer (`members`).

The column owns its streaming worker (`exclusive` within this widget only, so
columns never cancel each other). The engine's synchronous `emit` folds each
event into the run's `RunState`; text goes through a queue to a
`MarkdownStream` (which coalesces fragments), and the figures footer is
refreshed by a 10 Hz timer instead of per token.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, HorizontalScroll, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from playground.core.events import (
    AttemptStarted,
    Decided,
    Event,
    FallbackStarted,
    FirstToken,
    ModelSkipped,
    RequestFinished,
    RetryScheduled,
    TextDelta,
    Verdict,
)
from playground.core.messages import ChatRequest
from playground.engine.runner import Engine
from playground.eval.tuning import describe_tuning
from playground.runview.run_state import RunState
from playground.strategies.base import Strategy
from playground.tui.formatting import (
    describe_error,
    format_cost,
    format_ms,
    format_rate,
    format_tokens,
)
from playground.tui.widgets.follow_scroll import AnswerScroll
from playground.tui.widgets.members import MembersPanel

# Below this width per column, columns keep this width and the row scrolls
# (Textual gives `1fr` columns with a `min-width` the full width instead).
MIN_COLUMN_WIDTH = 34

STATES = ("idle", "waiting", "streaming", "done", "error", "cancelled")
_BADGES = {
    "idle": "idle",
    "waiting": "◌ waiting",
    "streaming": "● streaming",
    "done": "✓ done",
    "error": "✗ error",
    "cancelled": "■ cancelled",
}
# How long a new run waits for the previous run of the same column to flush.
_PREVIOUS_RUN_GRACE_S = 10.0
FIGURES_HZ = 10


async def _wait_finished(run: RunState, timeout_s: float) -> None:
    if not run.finished.is_set():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await run.finished.wait()


class StrategyColumn(Vertical):
    """Runs one strategy on each prompt and shows the run as it happens."""

    class Finished(Message):
        """A run of this column ended (done, error or cancelled)."""

        def __init__(self, column: StrategyColumn, run: RunState) -> None:
            super().__init__()
            self.column = column
            self.run = run

    def __init__(self, strategy: Strategy) -> None:
        super().__init__(id=f"column-{strategy.name}", classes="-idle")
        self.strategy = strategy
        self.current: RunState | None = None
        # Earlier runs of this column (cancelled ones included): their cost
        # was spent, so it stays counted.
        self.history: list[RunState] = []
        self.state = "idle"
        self._ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="column-header"):
            with Horizontal(classes="title-row"):
                yield Static(self._title(), id="strategy-name", markup=False)
                yield Static(_BADGES["idle"], id="badge", markup=False)
            yield Static("not run yet", id="model", markup=False)
            yield Static(self.strategy.summary, id="reason", markup=False)
        yield MembersPanel(id="members")
        with AnswerScroll(id="body"):
            yield Markdown(id="answer")
            yield Static("", id="notice", markup=False)
        yield Static("", id="figures")

    def on_mount(self) -> None:
        self.query_one("#reason", Static).tooltip = self.strategy.summary
        self.query_one("#notice", Static).display = False
        self._ticker = self.set_interval(1 / FIGURES_HZ, self._tick, pause=True)
        self.refresh_figures()

    def _title(self) -> str:
        """The strategy's name and the parameters tuned away from their defaults."""
        tuned = describe_tuning(self.strategy)
        return f"{self.strategy.name} · {tuned}" if tuned else self.strategy.name

    # -- public API ---------------------------------------------------------
    def set_strategy(self, strategy: Strategy) -> None:
        """Use a re-tuned instance from the next run on (a running one keeps its own)."""
        self.strategy = strategy
        title = self.query_one("#strategy-name", Static)
        title.update(self._title())
        title.tooltip = self._title()

    @property
    def running(self) -> bool:
        return self.current is not None and self.current.running

    @property
    def spent_usd(self) -> float:
        """Everything this column has spent: earlier runs plus the current one."""
        runs = self.history + ([self.current] if self.current else [])
        return sum(r.cost_usd for r in runs)

    def start(self, engine: Engine, request: ChatRequest, input_estimate: int,
              observe: Callable[[Event], None] | None = None) -> RunState:
        """Start a run; a run still streaming in this column is cancelled
        (its partial text and cost are kept in its `RunState`). `observe`
        also gets every event as it arrives (the history store)."""
        previous = self.current
        if previous is not None:
            self.history.append(previous)
        run = RunState(self.strategy.name, engine.catalog, engine.counter, input_estimate)
        self.current = run
        if previous is not None:
            self._settle_unstarted(previous)
        self._set_state("waiting")
        self._show_header(run)
        self._show_members(run)
        self._set_notice("waiting for the strategy to decide…")
        if self._ticker is not None:
            self._ticker.resume()
        self.refresh_figures()
        self._stream(engine, request, run, previous, observe)
        return run

    def cancel(self) -> bool:
        """Cancel the streaming run, if any. Returns whether one was running."""
        was_running = self.running
        self.workers.cancel_group(self, "stream")
        if self.current is not None:
            self._settle_unstarted(self.current)
        return was_running

    async def retire(self) -> list[RunState]:
        """Before removal: cancel, let the run settle, and hand back every
        run so the session total keeps what they spent."""
        run = self.current
        self.cancel()
        if run is not None:
            await _wait_finished(run, _PREVIOUS_RUN_GRACE_S)
        return self.history + ([run] if run is not None else [])

    def _settle_unstarted(self, run: RunState) -> None:
        """A worker cancelled before its first step never runs its own
        cleanup (the coroutine is never entered): settle its run here."""
        if not run.worker_started and not run.finished.is_set():
            run.cancel_before_start()
            self._after_run(run)
            run.finished.set()

    async def clear(self) -> None:
        """Back to idle; the spending history is kept."""
        run = self.current
        self.cancel()
        if run is not None:
            self.history.append(run)
            self.current = None
            await _wait_finished(run, _PREVIOUS_RUN_GRACE_S)
        if self._ticker is not None:
            self._ticker.pause()
        await self.query_one("#answer", Markdown).update("")
        self.query_one("#body", AnswerScroll).reset()
        self.query_one("#members", MembersPanel).reset()
        self._set_state("idle")
        self.query_one("#model", Static).update("not run yet")
        self._set_reason(self.strategy.summary)
        self._set_notice("")
        self.refresh_figures()

    # -- the worker ----------------------------------------------------------
    @work(exclusive=True, group="stream", exit_on_error=False)
    async def _stream(self, engine: Engine, request: ChatRequest, run: RunState, previous: RunState | None,
                      observe: Callable[[Event], None] | None = None) -> None:
        run.worker_started = True
        # Work on the Markdown widget runs shielded in its own task: cancelling
        # a task while it awaits a widget removal (Markdown.update removes the
        # old blocks) cancels the removed widgets' message pumps, and the app's
        # own wait on that removal then ends the app's message loop. `cleanup`
        # is the latest such task; the run is finished once it is done.
        cleanup: asyncio.Future[None] | None = None
        try:
            if previous is not None:
                await _wait_finished(previous, _PREVIOUS_RUN_GRACE_S)
            answer = self.query_one("#answer", Markdown)
            cleanup = asyncio.ensure_future(self._clear_answer(answer))
            await asyncio.shield(cleanup)
            self.query_one("#body", AnswerScroll).follow()
            stream = Markdown.get_stream(answer)
            pending: asyncio.Queue[str | None] = asyncio.Queue()

            def emit(event: Event) -> None:
                # Runs inside the engine: it must never raise, or the request
                # would fail because of the display (e.g. a column being
                # removed while the app shuts down).
                try:
                    if observe is not None:
                        observe(event)
                    markdown = run.apply(event)
                    if markdown:
                        pending.put_nowait(markdown)
                    if not isinstance(event, TextDelta) and run is self.current and self.is_attached:
                        self._on_event(run, event)
                except NoMatches:
                    pass
                except Exception as exc:
                    self.log.error(f"{self.strategy.name}: cannot show {type(event).__name__}: {exc!r}")

            pump = asyncio.create_task(self._pump(pending, stream))
            try:
                await engine.run(self.strategy, request, emit)
            finally:
                # Also shielded so that a second cancel (the user re-sending
                # twice quickly) cannot cut the flush of the partial answer.
                cleanup = asyncio.ensure_future(self._flush(pending, pump, stream, answer, run))
                await asyncio.shield(cleanup)
        except asyncio.CancelledError:
            run.cancel_before_start()
            raise
        except Exception as exc:  # a bug shows in the column, not as a traceback
            run.fail_internally(exc)
        finally:
            self._after_run(run)
            if cleanup is None or cleanup.done():
                run.finished.set()
            else:
                cleanup.add_done_callback(lambda _: run.finished.set())

    @staticmethod
    async def _clear_answer(answer: Markdown) -> None:
        await answer.update("")

    @staticmethod
    async def _pump(pending: asyncio.Queue[str | None], stream: MarkdownStream) -> None:
        done = False
        while not done:
            parts = [await pending.get()]
            while not pending.empty():
                parts.append(pending.get_nowait())
            done = None in parts
            text = "".join(p for p in parts if p is not None)
            if text:
                await stream.write(text)

    @staticmethod
    async def _flush(
        pending: asyncio.Queue[str | None], pump: asyncio.Task[None], stream: MarkdownStream, answer: Markdown,
        run: RunState,
    ) -> None:
        pending.put_nowait(None)
        try:
            await pump
        finally:
            await stream.stop()
        if run.final_markdown is not None:
            # The delivered answer is not what streamed (a judge's pick, a
            # cache hit): show it instead.
            await answer.update(run.final_markdown)

    def _after_run(self, run: RunState) -> None:
        """Final rendering of a run and its `Finished` message, once per run."""
        if run.announced:
            return
        run.announced = True
        try:
            if run is self.current:
                if self._ticker is not None:
                    self._ticker.pause()
                self._set_state(run.status)
                self._show_header(run)
                self._show_outcome(run)
                self._show_members(run)
                self.call_after_refresh(self.query_one("#body", AnswerScroll).keep_up)
            self.refresh_figures()
        except NoMatches:  # the column is being removed
            pass
        self.post_message(self.Finished(self, run))

    # -- rendering --------------------------------------------------------------
    def _on_event(self, run: RunState, event: Event) -> None:
        if run.members.active or isinstance(event, (Decided, RequestFinished)):
            self._show_members(run)
        if isinstance(event, (Decided, AttemptStarted)):
            self._show_header(run)
            if isinstance(event, AttemptStarted) and run.focus is None:
                what = f"{event.role} · {event.model}" if event.role else event.model
                self._set_notice(f"waiting for the first token from {what}…")
        elif isinstance(event, FirstToken) or isinstance(event, (RetryScheduled, FallbackStarted, ModelSkipped, Verdict)):
            self._set_state(run.status)
            self._set_notice(run.last_note)
        elif isinstance(event, RequestFinished):
            self._set_state(run.status)

    def _tick(self) -> None:
        self.refresh_figures()
        run = self.current
        if run is not None and run.members.active:
            self._show_members(run)
        self.query_one("#body", AnswerScroll).keep_up()

    def _show_members(self, run: RunState) -> None:
        self.query_one("#members", MembersPanel).show(run.members)

    def _set_state(self, state: str) -> None:
        self.state = state
        for name in STATES:
            self.set_class(name == state, f"-{name}")
        self.query_one("#badge", Static).update(_BADGES.get(state, state))

    def _set_notice(self, text: str) -> None:
        notice = self.query_one("#notice", Static)
        notice.update(text)
        notice.display = bool(text)

    def _set_reason(self, reason: str) -> None:
        widget = self.query_one("#reason", Static)
        widget.update(reason or "—")
        widget.tooltip = reason or None

    def _show_header(self, run: RunState) -> None:
        planned = any(r.role for r in run.records) or any(c.role for c in run.live.values())
        if planned or (run.result is not None and run.result.cached_text is not None):
            # A multi-call plan (or the cache): name the call that answers.
            models = [run.model] if run.model else []
        else:
            # One call after another: show the path, "claude-opus-4-5 → gpt-5-4".
            models = run.models_path
            if run.model and run.model not in models:
                models.append(run.model)
        parts = [" → ".join(models) if models else "deciding…"]
        if run.provider:
            parts.append(run.provider)
        if run.simulated or (run.result is not None and run.result.simulated):
            parts.append("simulated")
        self.query_one("#model", Static).update(" · ".join(parts))
        self._set_reason(run.reason)

    def _show_outcome(self, run: RunState) -> None:
        if run.status == "error" and run.error is not None:
            self._set_notice("✗ " + describe_error(run.error))
        elif run.status == "cancelled":
            kept = "partial answer kept above; " if run.displayed else ""
            self._set_notice(f"■ cancelled — {kept}its cost ({format_cost(run.cost_usd, run.estimated)}) is counted")
        else:
            self._set_notice(run.last_note if run.final_markdown is not None or run.retries or run.fallbacks else "")

    def figures_text(self) -> str:
        """The footer as plain text (what tests and screen readers see)."""
        return self._figures().plain

    def _figures(self) -> Content:
        run = self.current
        if run is None:
            lines = [Content.from_markup("[$text-muted]in — · out — · cost —\nTTFT — · total — · tok/s —")]
        else:
            est = run.estimated
            lines = [
                Content.from_markup(
                    "[$text-muted]in[/] $inp [$text-muted]· out[/] $out [$text-muted]·[/] [b]$cost[/b]",
                    inp=format_tokens(run.input_tokens, est),
                    out=format_tokens(run.output_tokens, est),
                    cost=format_cost(run.cost_usd, est),
                ),
                Content.from_markup(
                    "[$text-muted]TTFT[/] $ttft [$text-muted]· total[/] $lat [$text-muted]·[/] $rate",
                    ttft=format_ms(run.ttft_ms),
                    lat=format_ms(run.latency_ms),
                    rate=format_rate(run.tokens_per_s),
                ),
            ]
        if run is not None and (run.retries or run.fallbacks or run.calls > 1):
            parts = []
            if run.calls > 1:
                parts.append(f"{run.calls} calls")
            if run.retries:
                parts.append(f"{run.retries} retr{'y' if run.retries == 1 else 'ies'}")
            if run.fallbacks:
                parts.append(f"{run.fallbacks} fallback{'' if run.fallbacks == 1 else 's'}")
            if run.wasted_usd > 0:
                parts.append(f"wasted {format_cost(run.wasted_usd)}")
            lines.append(Content.from_markup("[$text-muted]$text", text=" · ".join(parts)))
        earlier = [r for r in self.history if r.cost_usd > 0]
        if earlier:
            cancelled = sum(1 for r in earlier if r.status == "cancelled")
            note = f" ({cancelled} cancelled)" if cancelled else ""
            lines.append(
                Content.from_markup(
                    "[$text-muted]earlier runs[/] $cost$note",
                    cost=format_cost(sum(r.cost_usd for r in earlier)),
                    note=note,
                )
            )
        return Content("\n").join(lines)

    def refresh_figures(self) -> None:
        self.query_one("#figures", Static).update(self._figures())


class ColumnsRow(HorizontalScroll):
    """The row of columns: they share the width equally while each gets at
    least `MIN_COLUMN_WIDTH` cells; past that the row scrolls sideways
    (the `-narrow` class switches the columns to a fixed width)."""

    def fit(self) -> None:
        count = len(self.query_children(StrategyColumn))
        # +1 for each column's left margin.
        self.set_class(count * (MIN_COLUMN_WIDTH + 1) > self.size.width, "-narrow")

    def on_resize(self, event: events.Resize) -> None:
        self.fit()
