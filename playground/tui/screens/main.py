"""The playground's main screen: one prompt, a column per strategy, totals.

Top to bottom: status line (simulated or live), prompt editor, the row of
columns (paged when they do not fit), totals, key footer. The strategies
panel (F2) and the chaos panel (F9) open over the right of the columns, the
circuit breakers (F8) as a drawer over their bottom: nothing takes width
from the answers. Below a size (or on a key) the screen is compact: one-line
prompt and column headers, fewer keys in the footer.

The screen owns sending, the columns, their frame ticker and the totals. It
learns about the session from the app's reactive `engine`, `session` and
`status`, and about the policy from `PolicyState` (data) and the app's
messages; finished runs bubble on to the app as `StrategyColumn.Finished`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import SelectionList, TextArea

from playground.core.errors import UserError
from playground.core.events import Event
from playground.core.messages import ChatRequest
from playground.engine.runner import Engine
from playground.engine.session import Session
from playground.strategies.registry import STRATEGIES
from playground.tui.bindings import MAIN_BINDINGS, key_label
from playground.tui.css import css_beside
from playground.tui.messages import ColumnsChanged, ColumnsWanted, StrategiesChanged
from playground.tui.policy import PolicyState
from playground.tui.spend import SpendLedger
from playground.tui.style_cache import forget_removed_widgets
from playground.tui.trace_format import column_trace
from playground.tui.widgets import tool_calls_view
from playground.tui.widgets.attachments import DIALOG_TEXTS, AttachmentsBar, AttachRequest
from playground.tui.widgets.chaos_panel import ChaosPanel, FaultControl
from playground.tui.widgets.circuit_panel import CircuitPanel
from playground.tui.widgets.column import StrategyColumn
from playground.tui.widgets.columns_row import ColumnsRow
from playground.tui.widgets.key_footer import KeyFooter
from playground.tui.widgets.prompt import PromptBox
from playground.tui.widgets.status import Mode, StatusLine
from playground.tui.widgets.strategy_picker import StrategyPicker
from playground.tui.widgets.totals import Totals, TotalsBar, compute_totals

Observer = Callable[[Event], None]

# Re-measure the prompt this long after the last keystroke.
_MEASURE_DEBOUNCE_S = 0.4
# Each column's streamed text is drawn this often (the end of a run at once),
# its figures and members a third as often. A frame repaints every widget
# across the rows that changed, so columns take turns, one per tick: a key
# waits behind one column's repaint, not eight (nor two: bench_tui's stream
# phase, interleaved runs, frame CPU p99 38-45 ms against 48-61 with two per
# tick at 32 Hz). The frame rate stays under Textual's 60 screen updates a second.
COLUMN_HZ = 7
_COLUMNS_PER_TICK = 1
_TURNS = 8  # ticks per round: up to 8 columns each drawn every round
FRAME_HZ = COLUMN_HZ * _TURNS
_TOTALS_EVERY = FRAME_HZ // 3
# Compact below this size (unless toggled).
COMPACT_BELOW = (100, 30)


class MainScreen(Screen[None]):
    """Compare routing strategies on one prompt, streaming side by side."""

    DEFAULT_CSS = css_beside(__file__, "main.tcss")
    BINDINGS: ClassVar[list[BindingType]] = list(MAIN_BINDINGS)

    compact: reactive[bool] = reactive(False, toggle_class="-compact")

    def __init__(self, policy: PolicyState, *, initial_prompt: str = "", send_initial_prompt: bool = False,
                 chaos_models: Sequence[str] = ()) -> None:
        super().__init__()
        self.policy = policy
        self.engine: Engine | None = None
        self.ledger = SpendLedger()
        self._initial_prompt = initial_prompt
        self._send_initial = send_initial_prompt
        self._chaos_models = list(chaos_models)
        self._measure_timer: Timer | None = None
        self._frame_timer: Timer | None = None
        self._frames = 0
        # None: compact follows the size; True/False: the user's choice
        # until the size crosses the threshold again.
        self._compact_choice: bool | None = None
        self._auto_compact: bool | None = None
        self._shutting_down = False
        self._shown_running = False
        # Set by the app: who records each run's events (history), and what
        # the totals add (spend carried over from earlier sessions).
        self.observe_runs: Callable[[str, Sequence[StrategyColumn]], Mapping[str, Observer]] | None = None
        self.adjust_totals: Callable[[Totals], Totals] | None = None

    # -- layout ---------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="main"):
            with Vertical(id="workspace"):
                yield PromptBox(self._initial_prompt, id="prompt-box")
                yield AttachmentsBar(lambda: self.engine.context if self.engine is not None else None,
                                     id="attachments")
                with ColumnsRow(id="columns"):
                    for name in self.policy.columns:
                        yield StrategyColumn(self.policy.strategy(name))
                yield TotalsBar(id="totals")
            # Over the workspace (its overlay layer), between status line and footer.
            yield StrategyPicker({name: cls.summary for name, cls in STRATEGIES.items()}, self.policy.columns,
                                 id="picker")
            yield CircuitPanel(id="circuits")
            yield ChaosPanel(self._chaos_models, id="chaos")
        yield KeyFooter().data_bind(compact=MainScreen.compact)

    def on_mount(self) -> None:
        self._frame_timer = self.set_interval(1 / FRAME_HZ, self._frame, pause=True)
        # The screen follows the app's state from its mount (a send right
        # after the engine is set must find it); what reaches into the
        # widgets' own children waits for the first refresh, when they exist.
        self.watch(self.app, "status", self._status_changed)
        self.watch(self.app, "session", self._session_changed)
        self.watch(self.app, "engine", self._engine_changed)
        self.call_after_refresh(self.prompt_area.focus)

    def on_screen_resume(self) -> None:
        """Back from another screen (tuning, evaluation, history...): its widgets are gone."""
        forget_removed_widgets()

    def on_resize(self) -> None:
        width, height = self.size
        auto = width < COMPACT_BELOW[0] or height < COMPACT_BELOW[1]
        if auto != self._auto_compact:
            self._auto_compact = auto
            self._compact_choice = None
        self.compact = auto if self._compact_choice is None else self._compact_choice

    # -- what the screen shows (also what tests read) ----------------------------
    @property
    def status_line(self) -> StatusLine:
        return self.query_one("#status", StatusLine)

    @property
    def prompt_area(self) -> TextArea:
        return self.query_one("#prompt", TextArea)

    @property
    def attachments(self) -> AttachmentsBar:
        return self.query_one("#attachments", AttachmentsBar)

    @property
    def picker(self) -> StrategyPicker:
        return self.query_one("#picker", StrategyPicker)

    @property
    def totals(self) -> TotalsBar:
        return self.query_one("#totals", TotalsBar)

    @property
    def row(self) -> ColumnsRow:
        return self.query_one("#columns", ColumnsRow)

    @property
    def columns(self) -> list[StrategyColumn]:
        try:
            return self.row.columns
        except NoMatches:
            return []

    def column(self, name: str) -> StrategyColumn:
        return self.query_one(f"#column-{name}", StrategyColumn)

    def column_names(self) -> list[str]:
        return [c.strategy.name for c in self.columns]

    def strategy_enabled(self, name: str) -> bool:
        return any(c.strategy.name == name for c in self.columns)

    @property
    def running(self) -> bool:
        return any(c.running for c in self.columns)

    # -- the session (the app's reactive state) ----------------------------------------
    def _status_changed(self, status: tuple[Mode, str]) -> None:
        self._now_or_composed(lambda: self.status_line.set_mode(*status))

    def _session_changed(self, session: Session | None) -> None:
        if session is not None:
            sim = session.sim_server  # the launcher's simulator: its fault controls, if it has them
            fault_control = sim if isinstance(sim, FaultControl) else None
            self._now_or_composed(lambda: self.query_one(ChaosPanel).attach(fault_control))

    def _now_or_composed(self, show: Callable[[], None]) -> None:
        """Show something in a child widget now, or once the widgets'
        own children are composed (after the first refresh)."""
        try:
            show()
        except NoMatches:
            self.call_after_refresh(show)

    def _engine_changed(self, old: Engine | None, engine: Engine | None) -> None:
        self.engine = engine
        if engine is None:
            if old is not None:  # the app is closing the session: stop the runs
                self._shutting_down = True
                for column in self.columns:
                    column.cancel()
            return
        self._now_or_composed(lambda: self._attach_health(engine))
        if self._send_initial:
            self._send_initial = False
            self.call_after_refresh(self._send_initial_prompt)  # once the prompt editor exists

    def _attach_health(self, engine: Engine) -> None:
        if engine is self.engine:
            self.query_one(CircuitPanel).attach(engine.health)

    def _send_initial_prompt(self) -> None:
        if self.prompt_area.text.strip():
            self.action_send()

    # -- actions ---------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return True if self.running else None  # None: shown, but dimmed
        return True

    def action_send(self) -> None:
        """Send the prompt to every column; running columns are cancelled first.

        Send is a priority binding, taken as the key arrives; the keys typed just before it may still
        wait in the prompt's own queue (a paste, or typing while eight columns stream). The prompt is
        read from that queue, after them, so what goes is what was typed."""
        self.prompt_area.call_later(self._send_typed)

    def _send_typed(self) -> None:
        if self.engine is None:
            line = self.status_line
            if line.mode == "error":
                self.notify(line.detail, title="Cannot send", severity="error")
            else:
                self.notify("The session is still starting; try again in a moment.", title="Not ready")
            return
        text = self.prompt_area.text
        if not text.strip():
            self.notify("The prompt is empty: type a question first.", title="Nothing to send", severity="warning")
            return
        if not self.columns:
            self.notify(f"No strategy selected: press {key_label(self.app, 'toggle_strategies')} and pick at least "
                        "one.", title="Nothing to compare", severity="warning")
            return
        self._send(text)

    @work(description="send the prompt", exclusive=True, group="send", exit_on_error=False)
    async def _send(self, text: str) -> None:
        engine = self.engine
        if engine is None:
            return
        request = ChatRequest.from_prompt(text, **self.attachments.attachments.request_kwargs())
        # Count once, off the event loop; the columns' counts hit the cache.
        route = await asyncio.to_thread(engine.route_input, request)
        if engine is not self.engine:
            return
        columns = self.columns
        observers = self.observe_runs(text, columns) if self.observe_runs is not None else {}
        for column in columns:
            run = column.start(engine, request, route.input_tokens, observers.get(column.strategy.name))
            tool_calls_view.prepare(column, run, request)
        if self._frame_timer is not None:
            self._frame_timer.resume()
        if not engine.context.fitting(route.needed_tokens):
            self.notify(
                f"The prompt has {route.input_tokens:,} tokens: more than any available model's context window. "
                "Shorten it.",
                title="Prompt too large",
                severity="error",
                timeout=10,
            )
        self.refresh_totals()
        self._bindings_follow_running()

    def _bindings_follow_running(self) -> None:
        """The footer dims Stop when nothing runs: refresh the bindings when
        that flips (a refresh recomposes the footer: not per column)."""
        running = self.running
        if running != self._shown_running:
            self._shown_running = running
            self.refresh_bindings()

    def action_stop(self) -> None:
        stopped = sum(1 for column in self.columns if column.cancel())
        if stopped:
            columns = f"{stopped} column{'s' if stopped != 1 else ''}"
            self.notify(f"Stopped {columns}; partial answers and their cost are kept.",
                        title="Stopped")

    def action_clear(self) -> None:
        for column in self.columns:
            column.clear()

    @on(StrategyColumn.Cleared)
    def _column_cleared(self) -> None:
        self.refresh_totals()
        self._bindings_follow_running()

    def action_attach(self, kind: AttachRequest) -> None:
        """Ask for a file (image, tools, schema, or any of them) to send with the prompt."""

        def chosen(path: str | None) -> None:
            if path:
                self.attachments.attach(kind, path)

        from playground.tui.screens.attach_dialog import AttachDialog  # on first use

        self.app.push_screen(AttachDialog(*DIALOG_TEXTS[kind]), chosen)

    def action_focus_prompt(self) -> None:
        self.picker.opened = False
        self.prompt_area.focus()

    def action_toggle_strategies(self) -> None:
        picker = self.picker
        picker.opened = not picker.opened
        if picker.opened:
            picker.selection_list.focus()
        else:
            self.prompt_area.focus()

    def action_toggle_circuits(self) -> None:
        circuits = self.query_one(CircuitPanel)
        circuits.opened = not circuits.opened

    async def action_toggle_chaos(self) -> None:
        chaos = self.query_one(ChaosPanel)
        if chaos.opened:
            chaos.opened = False
        else:
            await chaos.open()
        # Both open: the breakers' drawer stops where the chaos panel starts.
        self.query_one(CircuitPanel).set_class(chaos.opened, "-beside-chaos")
        if chaos.opened and chaos.sim is not None:
            chaos.query_one("#chaos-model").focus()
        else:
            self.prompt_area.focus()

    def action_toggle_compact(self) -> None:
        self._compact_choice = not self.compact
        self.compact = self._compact_choice

    def action_toggle_maximize(self) -> None:
        self.row.toggle_maximized(self._selected_column())

    def action_page(self, delta: int) -> None:
        self.row.page(delta)

    def _selected_column(self) -> str | None:
        """The column with the focus, else the first one on screen."""
        focused = self.focused
        for column in self.columns:
            if focused is not None and (focused is column or column in focused.ancestors):
                return column.strategy.name
        visible = self.row.visible
        return visible[0].strategy.name if visible else None

    def action_toggle_strategy(self, name: str) -> None:
        """Add or remove one strategy's column."""
        if name not in STRATEGIES:
            self.notify(f"Unknown strategy {name!r}.", severity="error")
            return
        self.picker.set_enabled(name, not self.strategy_enabled(name))

    def action_show_trace(self) -> None:
        from playground.tui.screens.trace import TraceScreen  # on first use: not for the first frame

        self.app.push_screen(TraceScreen(self.trace_markdown, live=lambda: self.running))

    def trace_markdown(self) -> str:
        """Every column's trace: the finished run's, or the running one's so far."""
        return "\n---\n\n".join(column_trace(c.strategy.name, c.current, c.decision) for c in self.columns)

    def action_show_tuning(self, strategy: str | None = None) -> None:
        from playground.tui.screens.tuning import TuningScreen  # on first use, with the evaluation layer it shows

        engine = self.engine
        self.app.push_screen(TuningScreen(self.policy, self.prompt_area.text, strategy,
                                          context=engine.context if engine is not None else None,
                                          counter=engine.counter if engine is not None else None))

    # -- reacting ----------------------------------------------------------------
    @on(SelectionList.SelectedChanged, "#strategy-list")
    async def _strategies_picked(self) -> None:
        await self.sync_columns(self.picker.selected)

    def on_strategies_changed(self, message: StrategiesChanged) -> None:
        for name in message.names:
            with contextlib.suppress(NoMatches):  # not a column now
                self.column(name).set_strategy(self.policy.strategy(name))

    async def on_columns_wanted(self, message: ColumnsWanted) -> None:
        selection = self.picker.selection_list
        with selection.prevent(SelectionList.SelectedChanged):
            selection.deselect_all()
            for column in message.columns:
                selection.select(column)
        await self.sync_columns(message.columns)

    async def sync_columns(self, wanted: Sequence[str]) -> None:
        """Add and remove columns so they match `wanted`, in the policy's order."""
        container = self.row
        order = self.policy.order
        existing = {column.strategy.name: column for column in self.columns}
        for name, column in existing.items():
            if name not in wanted:
                self.ledger.record_all(await column.retire())
                await column.remove()
                container.forget_columns()
        present = [name for name in order if name in existing and name in wanted]
        for name in order:
            if name in wanted and name not in existing:
                try:
                    column = StrategyColumn(self.policy.strategy(name))
                except UserError as exc:
                    self.notify(str(exc), title=f"Cannot add {name}", severity="error", timeout=10)
                    with self.picker.selection_list.prevent(SelectionList.SelectedChanged):
                        self.picker.set_enabled(name, False)
                    continue
                after = [n for n in present if order.index(n) < order.index(name)]
                if after:
                    await container.mount(column, after=self.column(after[-1]))
                    container.forget_columns()
                else:
                    first = self.columns
                    await container.mount(column, before=first[0] if first else None)
                    container.forget_columns()
                present.append(name)
        container.fit()
        self.post_message(ColumnsChanged(self.column_names()))
        self.refresh_totals()
        self._bindings_follow_running()

    @on(StrategyColumn.Finished)
    def _column_finished(self, message: StrategyColumn.Finished) -> None:
        self.ledger.record(message.run)
        if self._shutting_down:  # a run cancelled by closing the app still reports
            return
        self.refresh_totals()
        self._bindings_follow_running()

    @on(TextArea.Changed, "#prompt")
    def _prompt_changed(self) -> None:
        if self._measure_timer is not None:
            self._measure_timer.stop()
        self._measure_timer = self.set_timer(_MEASURE_DEBOUNCE_S, self._measure_prompt)

    def _measure_prompt(self) -> None:
        if not self._shutting_down:
            self._measure(self.prompt_area.text)

    @work(description="measure the prompt", exclusive=True, group="measure", exit_on_error=False)
    async def _measure(self, text: str) -> None:
        """Show the prompt's size and whether it fits the models' windows."""
        box = self.query_one("#prompt-box", PromptBox)
        engine = self.engine
        if engine is None or not text.strip():
            box.set_size_note("")
            return
        request = ChatRequest.from_prompt(text, **self.attachments.attachments.request_kwargs())
        route = await asyncio.to_thread(engine.route_input, request)
        approx = "≈" if route.token_method.startswith("estimate") else ""
        note = f"{approx}{route.input_tokens:,} tokens"
        fitting = len(engine.context.fitting(route.needed_tokens))
        available = len(engine.context.available)
        if fitting == 0:
            note += " — too large for every model's context window"
        elif fitting < available:
            note += f" (fits {fitting} of {available} models)"
        box.set_size_note(note)

    def _frame(self) -> None:
        """One turn: draw what one column's run wrote since its last turn; its
        figures every third round; the totals about three times a second."""
        self._frames += 1
        columns = self.columns
        turn = self._frames % _TURNS
        round_ = self._frames // _TURNS
        for index, column in enumerate(columns):
            if index // _COLUMNS_PER_TICK % _TURNS == turn:
                column.flush()
                column.render_markdown()
                if round_ % 3 == 0 and column.running:
                    column.tick()
        if self._frames % _TOTALS_EVERY == 0:
            self.refresh_totals()
        if not any(c.running or c.markdown_due for c in columns) and self._frame_timer is not None:
            self._frame_timer.pause()

    @on(StrategyColumn.MarkdownDue)
    def _markdown_due(self) -> None:
        if self._frame_timer is not None:
            self._frame_timer.resume()

    def refresh_totals(self) -> None:
        """Show the session's totals now (they also follow runs at the frame rate)."""
        if self._shutting_down:
            return
        current = [c.current for c in self.columns if c.current is not None]
        totals = compute_totals(current, self.ledger)
        self.totals.show(self.adjust_totals(totals) if self.adjust_totals is not None else totals)
