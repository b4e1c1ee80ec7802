"""One strategy's column: which model it chose and why, the streamed answer,
and live figures; for a multi-call plan (ensemble, cascade, LLM router) a
pane per call and the verdict above the answer (`members`).

The column owns its streaming worker (`exclusive` within this widget only, so
columns never cancel each other). The engine's synchronous `emit` folds each
event into the run's `RunState` and queues the text it returns; nothing is
drawn per token. The screen's frame ticker calls `flush` (text, 7 times a
second; the history store's tee gets its text then too, `BatchedObserver`)
and `tick` (figures and members, ~3 times a second); the last token is drawn
as soon as the engine reports the end. The answer is plain text while it
streams and Markdown once the run ended (`AnswerPane`): its rows are built
in a thread and shown in the column's next turn. The state class is swapped
without restyling every descendant (`_swap_state_class`).

Only the run on screen is kept: earlier runs are summed (what they spent)
and handed off in `Finished`, so memory stays flat over a long session.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.reactive import var
from textual.widgets import Static

from playground.core.decision import Decision
from playground.core.events import (
    AttemptStarted,
    Decided,
    Event,
    FallbackStarted,
    FirstToken,
    ModelSkipped,
    RequestFinished,
    RequestResult,
    RetryScheduled,
    TextDelta,
    Verdict,
)
from playground.core.messages import ChatRequest
from playground.engine.runner import Engine
from playground.eval.tuning import describe_tuning
from playground.runview.run_state import RunState
from playground.runview.text_batch import BatchedObserver
from playground.strategies.base import Strategy
from playground.tui.css import css_beside
from playground.tui.formatting import (
    describe_error,
    format_cost,
    format_ms,
    format_rate,
    format_tokens,
)
from playground.tui.widgets.answer_pane import AnswerPane, answer_lines_sliced
from playground.tui.widgets.members import MembersPanel
from playground.tui.widgets.tool_calls_view import follow as follow_tool_calls

State = str  # "idle" or a RunStatus: waiting, streaming, done, error, cancelled
# The column's class changes twice a run (a class change restyles the whole
# column, costly): "-running" while waiting or streaming, then the outcome.
# The badge shows the exact state.
_RUNNING_STATES = ("waiting", "streaming")
# The badge carries its colour (a class on the header would restyle it).
_BADGES = {
    "idle": ("idle", "$foreground-muted"),
    "waiting": ("◌ waiting", "$text-warning"),
    "streaming": ("● streaming", "bold $text-accent"),
    "done": ("✓ done", "$text-success"),
    "error": ("✗ error", "bold $text-error"),
    "cancelled": ("■ cancelled", "$text-warning"),
}


# How long a new run waits for the previous run of the same column to flush.
_PREVIOUS_RUN_GRACE_S = 10.0
# How long an ended run waits for a frame, then for its turn to draw its Markdown (then goes on anyway).
_MARKDOWN_TURN_WAIT_S = 1.0
# Earlier runs kept to look back at; older ones are only summed (what they spent).
KEEP_EARLIER_RUNS = 4


def badge(state: State) -> Content:
    text, style = _BADGES.get(state, (state, ""))
    return Content.styled(text, style)


def _column_class(state: State) -> str:
    return "-running" if state in _RUNNING_STATES else f"-{state}"


async def _wait_finished(run: RunState, timeout_s: float) -> None:
    if not run.finished.is_set():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await run.finished.wait()


@dataclass(eq=False)
class RunFeed:
    """What a run wrote that the screen has not drawn yet, and what the
    column needs from its events beyond `RunState` (the decision, for a
    live trace)."""

    run: RunState
    pending: list[str] = field(default_factory=list)
    # The history store's tee, its text passed on at the frame rate.
    observer: BatchedObserver | None = None
    attempts: str = ""
    decision: Decision | None = None
    ended: bool = False


class StrategyColumn(Vertical):
    """Runs one strategy on each prompt and shows the run as it happens."""

    DEFAULT_CSS = css_beside(__file__, "column.tcss")

    class Finished(Message):
        """A run of this column ended (done, error or cancelled). It bubbles
        to the app, which hands the run to whatever keeps past runs."""

        def __init__(self, column: StrategyColumn, run: RunState) -> None:
            super().__init__()
            self.column = column
            self.run = run

    # The state reaches CSS as one class on the column, swapped, never a loop
    # over all (see above).
    state: var[State] = var("idle")

    def __init__(self, strategy: Strategy) -> None:
        super().__init__(id=f"column-{strategy.name}", classes="-idle")
        self.strategy = strategy
        self.current: RunState | None = None
        # A few earlier runs (cancelled ones included), newest last; all of
        # them are summed in `earlier_usd`, their cost was spent.
        self.history: deque[RunState] = deque(maxlen=KEEP_EARLIER_RUNS)
        self.earlier_usd = 0.0
        self.earlier_cancelled = 0
        self.feed: RunFeed | None = None
        # An ended run waiting for its turn: its feed, the future its end
        # waits on, and its rows when built ahead (width, lines).
        self._markdown_due: tuple[RunFeed, asyncio.Future[None], tuple[int, list[Content]] | None] | None = None
        self._figures_shown: Content | None = None
        self._notice = ""
        # A new run's answer area is emptied in the column's next turn (`_draw_pending`).
        self._clear_due = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="column-header"):
            with Horizontal(classes="title-row"):
                yield Static(self._title(), id="strategy-name", markup=False)
                yield Static(badge("idle"), id="badge")
            yield Static("not run yet", id="model", markup=False)
            yield Static(self.strategy.summary, id="reason", markup=False)
        yield MembersPanel(id="members")
        yield AnswerPane(id="body")
        yield Static("", id="notice", markup=False)
        yield Static("", id="figures")

    def on_mount(self) -> None:
        self.query_one("#reason", Static).tooltip = self.strategy.summary
        self.query_one("#notice", Static).display = False
        self.refresh_figures()

    def _title(self) -> str:
        """The strategy's name and the parameters tuned away from their defaults."""
        tuned = describe_tuning(self.strategy)
        return f"{self.strategy.name} · {tuned}" if tuned else self.strategy.name

    # -- state ----------------------------------------------------------------
    def watch_state(self, old: State, new: State) -> None:
        column_old, column_new = (_column_class(state) for state in (old, new))
        if column_old != column_new:
            self._swap_state_class(column_old, column_new)
        if self.is_mounted:
            # Fixed width, one line: a repaint, not a layout.
            self.query_one("#badge", Static).update(badge(new), layout=False)

    def _swap_state_class(self, old: str, new: str) -> None:
        """Swap the state class and restyle only what it styles: the column
        and its notice (column.tcss). A class change makes Textual restyle
        every descendant (a dozen widgets, several milliseconds on a busy
        machine), twice a run in each column, in bursts when eight start or
        end together."""
        self.remove_class(old, update=False)
        self.add_class(new, update=False)
        if self.is_mounted:
            self.app.stylesheet.update_nodes([self, self.query_one("#notice", Static)], animate=True)

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
        return self.earlier_usd + (self.current.cost_usd if self.current else 0.0)

    @property
    def answer(self) -> AnswerPane:
        return self.query_one("#body", AnswerPane)

    @property
    def shown_text(self) -> str:
        """What the column's answer area shows now: the text streaming in, or
        the run's Markdown (and its calls) once it ended."""
        return self.answer.source

    @property
    def decision(self) -> Decision | None:
        """The current run's decision, once the strategy made it."""
        feed = self.feed
        return feed.decision if feed is not None and feed.run is self.current else None

    def start(self, engine: Engine, request: ChatRequest, input_estimate: int,
              observe: Callable[[Event], None] | None = None) -> RunState:
        """Start a run; a run still streaming in this column is cancelled
        (its partial text and cost are kept in its `RunState`). `observe`
        also gets every event as it arrives (the history store)."""
        previous = self.current
        if previous is not None:
            self._retire_run(previous)
        run = RunState(self.strategy.name, engine.catalog, engine.counter, input_estimate)
        self.current = run
        if previous is not None:
            self._settle_unstarted(previous)
        self._show_header(run)
        self._show_members(run)
        self._set_notice("")
        self.answer.set_placeholder("waiting for the strategy to decide…")
        self.refresh_figures()
        self._stream(engine, request, run, previous, observe)
        return run

    def _retire_run(self, run: RunState) -> None:
        """The run leaves the screen: kept only among the last few, and summed
        once it ended (now, or in `_after_run` if it is still settling)."""
        self.history.append(run)
        if run.announced:
            self._sum_earlier(run)

    def _sum_earlier(self, run: RunState) -> None:
        self.earlier_usd += run.cost_usd
        self.earlier_cancelled += run.status == "cancelled"

    def cancel(self) -> bool:
        """Cancel the streaming run, if any. Returns whether one was running."""
        was_running = self.running
        self.workers.cancel_group(self, "stream")
        if self.current is not None:
            self._settle_unstarted(self.current)
        return was_running

    async def retire(self) -> list[RunState]:
        """Before removal: cancel, let the run settle, and hand back the runs
        the session total may not have counted yet."""
        run = self.current
        self.cancel()
        if run is not None:
            await _wait_finished(run, _PREVIOUS_RUN_GRACE_S)
        return [*self.history, *([run] if run is not None else [])]

    def _settle_unstarted(self, run: RunState) -> None:
        """A worker cancelled before its first step never runs its own
        cleanup (the coroutine is never entered): settle its run here."""
        if not run.worker_started and not run.finished.is_set():
            run.cancel_before_start()
            self._after_run(run)
            run.finished.set()

    class Cleared(Message):
        """The column is back to idle (its spending is kept)."""

    def clear(self) -> None:
        """Back to idle; the spending is kept. Runs as a worker (it waits for
        the run to settle); `Cleared` says when it is done."""
        self._clear()

    @work(description="clear the column", exclusive=True, group="clear", exit_on_error=False)
    async def _clear(self) -> None:
        run = self.current
        self.cancel()
        if run is not None:
            await _wait_finished(run, _PREVIOUS_RUN_GRACE_S)
            self._retire_run(run)
            self.current = None
        self.feed = None
        self._clear_due = False
        self.answer.clear()
        self.query_one("#members", MembersPanel).reset()
        self.state = "idle"
        self.query_one("#model", Static).update("not run yet", layout=False)
        self._set_reason(self.strategy.summary)
        self._set_notice("")
        self.refresh_figures()
        self.post_message(self.Cleared())

    # -- the worker ----------------------------------------------------------
    @work(description="stream a run", exclusive=True, group="stream", exit_on_error=False)
    async def _stream(self, engine: Engine, request: ChatRequest, run: RunState, previous: RunState | None,
                      observe: Callable[[Event], None] | None = None) -> None:
        run.worker_started = True
        # Work on the Markdown widgets runs shielded in its own task:
        # cancelling a task while it awaits a widget removal cancels the
        # removed widgets' message pumps, and the app's own wait on that
        # removal then ends the app's message loop. `cleanup` is the latest
        # such task; the run is finished once it is done.
        cleanup: asyncio.Future[None] | None = None
        try:
            if previous is not None:
                await _wait_finished(previous, _PREVIOUS_RUN_GRACE_S)
            feed = RunFeed(run, observer=BatchedObserver(observe) if observe is not None else None)
            observer = feed.observer
            begin = asyncio.ensure_future(self._begin(feed))
            if not await asyncio.shield(begin):
                run.cancel_before_start()  # the column is going away, or a newer run took it
                return

            def emit(event: Event) -> None:
                # Runs inside the engine: it must never raise, or the request
                # would fail because of the display (e.g. a column being
                # removed while the app shuts down).
                try:
                    if observer is not None:
                        observer(event)
                    markdown = run.apply(event)
                    if isinstance(event, TextDelta):
                        if markdown:
                            feed.pending.append(markdown)
                        return
                    if markdown:
                        if isinstance(event, RequestFinished):
                            feed.attempts = markdown
                        else:
                            feed.pending.append(markdown)
                    if isinstance(event, Decided):
                        feed.decision = event.decision
                    elif isinstance(event, RequestFinished) and feed is self.feed:
                        self._draw_pending(feed)  # the last token now, not after the engine's wind-down
                    if run is self.current and self.is_attached:
                        self._on_event(run, event)
                except NoMatches:
                    pass
                except Exception as exc:
                    self.log.error(f"{self.strategy.name}: cannot show {type(event).__name__}: {exc!r}")

            try:
                await engine.run(self.strategy, request, emit)
            finally:
                if observer is not None:
                    observer.flush()  # text after the last event the engine sent (a cut stream)
                # Also shielded so that a second cancel (the user re-sending
                # twice quickly) cannot cut the flush of the partial answer.
                cleanup = asyncio.ensure_future(self._end(feed))
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

    async def _begin(self, feed: RunFeed) -> bool:
        """Empty the answer area for a new run; False if the column is going
        away, or if a newer run took the column first (a re-send while this
        one waited for its predecessor must not clear the newer answer)."""
        if feed.run is not self.current:
            return False
        try:
            answer = self.answer
        except NoMatches:
            return False
        if self.display:
            # Emptied in this column's next turn (`_draw_pending`): a send's
            # first frame no longer repaints every visible column's whole
            # answer area at once (40-55 ms of CPU with five, which keys
            # typed then waited for; bench_tui).
            self._clear_due = True
        else:
            answer.clear(answer.placeholder)  # off the page it draws nothing anyway
        self.feed = feed
        # The run's state shows from here (its class swap restyles the
        # column and its notice only: `_swap_state_class`).
        if feed.run is self.current and feed.run.running:
            self.state = feed.run.status
        return True

    def flush(self) -> None:
        """Draw the text the run wrote since the last flush (the screen's frame tick).

        A column off the page (not displayed) only hands its text on to the
        history's tee and draws nothing until it is shown (`catch_up`): a
        hidden widget's repaint makes Textual rebuild its map of every widget
        on the screen, ~7 ms each time (a fifth of the app's CPU at real model
        speeds with three of eight columns off the page, bench_tui)."""
        feed = self.feed
        if feed is not None and feed.observer is not None:
            feed.observer.flush()
        if feed is not None and not feed.ended and self.display:
            self._draw_pending(feed)

    def catch_up(self) -> None:
        """Shown again (paged into view): draw what the run wrote meanwhile, and its figures."""
        self.flush()
        self.tick()

    def _draw_pending(self, feed: RunFeed) -> None:
        """Draw what the run wrote since the last draw, into an emptied area the first time."""
        if self._clear_due:
            self._clear_due = False
            self.answer.clear(self.answer.placeholder)
        if feed.pending:
            text = "".join(feed.pending)
            feed.pending.clear()
            self.answer.append(text)

    async def _end(self, feed: RunFeed) -> None:
        """The run ended: draw the rest, the final answer if it differs from
        what streamed (a judge's pick, the cache), and the attempts."""
        if self.feed is not feed:
            return
        feed.ended = True
        try:
            self._draw_pending(feed)  # the last token, now (if the end event did not draw it)
        except NoMatches:
            return  # the column is being removed (the app closes)
        # The frame that shows the last token goes out first. Then the
        # Markdown's rows are built on the loop in slices, one column at a
        # time (keys and the other columns' frames wait for one slice, not a
        # whole answer: `render_markdown_sliced`), and shown in this column's
        # next turn of the screen's ticker: eight columns ending together do
        # not all repaint at once.
        await self._after_next_frame()
        markdown, attempts, result = self._final_answer(feed)
        width = self.answer.text_width
        try:
            lines = (width, await answer_lines_sliced(markdown, attempts, result, width))
        except Exception as exc:  # drawn in the turn instead, where an error shows in the log
            self.log.error(f"{self.strategy.name}: cannot render the answer: {exc!r}")
            lines = None
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._markdown_due = (feed, done, lines)
        self.post_message(self.MarkdownDue())
        try:
            async with asyncio.timeout(_MARKDOWN_TURN_WAIT_S):
                await asyncio.shield(done)
        except TimeoutError:
            self.render_markdown()  # no turn came (the screen is busy or closing)

    async def _after_next_frame(self) -> None:
        """Return once the screen has refreshed (or after `_MARKDOWN_TURN_WAIT_S`, if the app is
        closing and no refresh comes)."""
        refreshed = asyncio.Event()
        if self.call_after_refresh(refreshed.set):
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_MARKDOWN_TURN_WAIT_S):
                    await refreshed.wait()

    class MarkdownDue(Message):
        """A run ended: its Markdown waits for this column's turn."""

    def on_unmount(self) -> None:
        """The column is going (removed, or the app closing): a run waiting for its turn to draw
        stops waiting now. Else its `_end` task outlived the app by up to `_MARKDOWN_TURN_WAIT_S`,
        and, when the event loop closed first (an app run by a test or a library caller), for
        good: a pending task that kept the whole app, every drawn line included, alive."""
        due, self._markdown_due = self._markdown_due, None
        if due is not None and not due[1].done():
            due[1].set_result(None)

    @property
    def markdown_due(self) -> bool:
        return self._markdown_due is not None

    def render_markdown(self) -> None:
        """Draw the ended run's answer as Markdown (in the column's turn)."""
        due, self._markdown_due = self._markdown_due, None
        if due is None:
            return
        feed, done, lines = due
        if feed is not self.feed:
            # A newer run took the column while this one waited for its turn
            # (re-sends faster than a run settles): its Markdown must not
            # replace the newer answer, which would then stop streaming.
            if not done.done():
                done.set_result(None)
            return
        try:
            self.answer.render_markdown(*self._final_answer(feed), lines=lines)
        except NoMatches:
            pass  # the column is being removed (the app closes)
        finally:
            if not done.done():
                done.set_result(None)

    def _final_answer(self, feed: RunFeed) -> tuple[str, str, RequestResult | None]:
        """What an ended run shows (Markdown, its calls, the result): the
        delivered answer when it is not what streamed (a judge's pick, the
        cache: then the calls are not listed), else what streamed."""
        run = feed.run
        if run.final_markdown is not None:
            return run.final_markdown, "", None
        return self.answer.text, feed.attempts, run.result

    def _after_run(self, run: RunState) -> None:
        """Final rendering of a run and its `Finished` message, once per run."""
        if run.announced:
            return
        run.announced = True
        if run is not self.current:
            self._sum_earlier(run)
        try:
            if run is self.current:
                self.state = run.status
                self._show_header(run)
                self._show_outcome(run)
                self._show_members(run)
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
                self.answer.set_placeholder(f"waiting for the first token from {what}…")
        elif isinstance(event, (FirstToken, RetryScheduled, FallbackStarted, ModelSkipped, Verdict)):
            self.state = run.status
            self._set_notice(run.last_note)

    def tick(self) -> None:
        """Figures and members while running (a few times a second, in the
        column's turn; not while off the page, see `flush`)."""
        if not self.display:
            return
        self.refresh_figures()
        run = self.current
        if run is not None and run.members.active:
            self._show_members(run)

    def _show_members(self, run: RunState) -> None:
        self.query_one("#members", MembersPanel).show(run.members)

    def _set_notice(self, text: str) -> None:
        if text == self._notice:
            return  # its height may change: lay out only when the text does
        self._notice = text
        notice = self.query_one("#notice", Static)
        notice.update(text)
        notice.display = bool(text)

    def _set_reason(self, reason: str) -> None:
        widget = self.query_one("#reason", Static)
        widget.update(reason or "—", layout=False)  # one line, clipped
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
        self.query_one("#model", Static).update(" · ".join(parts), layout=False)  # one line, clipped
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
            lines = [Content.from_markup("[$foreground-muted]in — · out — · cost —\nTTFT — · total — · tok/s —")]
        else:
            est = run.estimated
            lines = [
                Content.from_markup(
                    "[$foreground-muted]in[/] $inp [$foreground-muted]· out[/] $out "
                    "[$foreground-muted]·[/] [b]$cost[/b]",
                    inp=format_tokens(run.input_tokens, est),
                    out=format_tokens(run.output_tokens, est),
                    cost=format_cost(run.cost_usd, est),
                ),
                Content.from_markup(
                    "[$foreground-muted]TTFT[/] $ttft [$foreground-muted]· total[/] $lat [$foreground-muted]·[/] $rate",
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
            lines.append(Content.from_markup("[$foreground-muted]$text", text=" · ".join(parts)))
        if self.earlier_usd > 0:
            note = f" ({self.earlier_cancelled} cancelled)" if self.earlier_cancelled else ""
            lines.append(Content.from_markup("[$foreground-muted]earlier runs[/] $cost$note",
                                             cost=format_cost(self.earlier_usd), note=note))
        return Content("\n").join(lines)

    def refresh_figures(self) -> None:
        follow_tool_calls(self, self.current)  # tool calls and JSON answers, when a request has them
        figures = self._figures()
        shown = self._figures_shown
        if shown is not None and figures.plain == shown.plain:
            return
        self._figures_shown = figures
        # The same number of lines: no layout pass (they are as wide as the column).
        same_height = shown is None or shown.plain.count("\n") == figures.plain.count("\n")
        self.query_one("#figures", Static).update(figures, layout=not same_height)

