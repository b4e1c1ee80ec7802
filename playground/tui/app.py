"""The playground app: one prompt, several routing strategies side by side.

Layout, top to bottom: status line (simulated or live), prompt editor, one
column per selected strategy, totals row, key footer; the strategies panel
docks on the right (F2).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult, ScreenStackError
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, SelectionList, TextArea

from playground.config.build import Settings
from playground.config.load import parse_policy_text
from playground.core.errors import UserError
from playground.core.messages import ChatRequest
from playground.engine.runner import Engine
from playground.engine.session import Session, SessionOptions
from playground.eval.preview import PreviewInputs
from playground.eval.prompt_sets import PromptSet, builtin_prompt_set
from playground.eval.tuning import Tuning
from playground.eval.workbench import Workbench
from playground.launch import open_session
from playground.runview.run_state import RunState
from playground.session_memory import restore_session
from playground.strategies.base import Strategy
from playground.strategies.registry import (
    DEFAULT_STRATEGIES,
    STRATEGIES,
    coerce_values,
    make_strategy,
    strategy_class,
)
from playground.tui.app_extras import AppExtras, theme_variable_defaults
from playground.tui.commands import PlaygroundCommands
from playground.tui.counting import CachedCounter
from playground.tui.policy_actions import PolicyActions
from playground.tui.screens.trace import TraceScreen
from playground.tui.trace_format import trace_markdown
from playground.tui.widgets.chaos_panel import ChaosPanel
from playground.tui.widgets.circuit_panel import CircuitPanel
from playground.tui.widgets.column import ColumnsRow, StrategyColumn
from playground.tui.widgets.prompt import PromptBox
from playground.tui.widgets.status import StatusLine, split_mode_label
from playground.tui.widgets.strategy_picker import StrategyPicker
from playground.tui.widgets.totals import TotalsBar, compute_totals

# Re-measure the prompt this long after the last keystroke.
_MEASURE_DEBOUNCE_S = 0.4
TOTALS_HZ = 4


class PlaygroundApp(PolicyActions, App[int]):
    """Compare routing strategies on one prompt, streaming side by side."""

    TITLE = "routing-playground"
    CSS_PATH: ClassVar = [
        "app.tcss",
        "widgets/status.tcss",
        "widgets/prompt.tcss",
        "widgets/column.tcss",
        "widgets/members.tcss",
        "widgets/strategy_picker.tcss",
        "widgets/totals.tcss",
        "widgets/circuit_panel.tcss",
        "widgets/chaos_panel.tcss",
        "widgets/param_editor.tcss",
        "widgets/list_editor.tcss",
        "widgets/preview_pane.tcss",
    ]
    COMMANDS = App.COMMANDS | {PlaygroundCommands}
    # Ctrl+Enter reaches the app only in terminals that report it (kitty
    # keyboard protocol); many send a plain Enter. Ctrl+S and F5 always work,
    # and Ctrl+J is what some terminals send for Ctrl+Enter.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,ctrl+enter,ctrl+j,f5", "send", "Send", id="send", priority=True),
        Binding("escape", "stop", "Stop", id="stop"),
        Binding("f2", "toggle_strategies", "Strategies", id="toggle_strategies"),
        Binding("f3", "focus_prompt", "Prompt", id="focus_prompt"),
        Binding("f4", "show_trace", "Trace", id="show_trace"),
        # F6/F7 are taken by the prompt's TextArea; Ctrl+T reaches the app in
        # every terminal and in tmux.
        Binding("ctrl+t", "show_tuning", "Tune", id="show_tuning"),
        Binding("f8", "toggle_circuits", "Circuits", id="toggle_circuits"),
        Binding("f9", "toggle_chaos", "Chaos", id="toggle_chaos"),
        Binding("ctrl+l", "clear", "Clear", id="clear"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        # H8 hooks (app_extras): help, history, copy, plots.
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+r", "show_history", "History", id="show_history", show=False),
        Binding("ctrl+g", "copy_answer", "Copy answer", id="copy_answer", show=False),
        Binding("f10", "show_plots", "Plots", id="show_plots", show=False),
        Binding("f11", "show_evaluation", "Evaluate", id="show_evaluation", show=False),
    ]

    def __init__(
        self,
        *,
        session: Session | None = None,
        session_options: SessionOptions | None = None,
        strategies: Iterable[str] | None = None,
        strategy_values: Mapping[str, Mapping[str, Any]] | None = None,
        initial_prompt: str | None = None,
        send_initial_prompt: bool = False,
        status_text: str | None = None,
        settings: Settings | None = None,
        notices: Sequence[str] = (),
        prompts: PromptSet | None = None,
    ) -> None:
        """`session`: an open session the app takes over (and closes on exit);
        without one the app opens its own from `session_options` (errors then
        show in the status line). `strategies`: the columns at start
        (default: fixed, complexity, task, cost). `strategy_values`: parameter
        overrides per strategy. `initial_prompt` prefills the prompt box and,
        with `send_initial_prompt`, is sent as soon as the session is ready.
        `status_text` replaces the status line's
        detail (demos, snapshots). `settings`: the loaded configuration
        (columns, strategy parameters, catalog), defaults when None;
        `notices` are shown once the screen is up (config created, values
        ignored). `prompts`: the prompt set the tuning preview routes
        (default: the built-in set).

        Raises `UserError` for an unknown strategy or an invalid parameter."""
        super().__init__()
        self._session = session
        self._initial_prompt = initial_prompt
        self._send_initial = send_initial_prompt
        self._status_text = status_text
        self.settings = settings or parse_policy_text("", "defaults")
        self._notices = list(notices)
        self._options = session_options or self.settings.session_options()
        if strategies is None:
            strategies = self.settings.columns if settings is not None else DEFAULT_STRATEGIES
        names = list(dict.fromkeys(strategies))
        for name in names:
            strategy_class(name)
        values = strategy_values or {}
        for name in values:
            strategy_class(name)
        self._catalog = session.catalog if session is not None else self.settings.catalog
        # Command-line overrides win over the config file's values.
        self._values = {name: dict(v) for name, v in self.settings.strategy_values.items()}
        for name, given in values.items():
            self._values.setdefault(name, {}).update(coerce_values(name, given, self._catalog))
        # Built now for the columns shown (a bad parameter fails here, before
        # the screen opens); the others when first toggled on.
        self.strategies: dict[str, Strategy] = {
            name: make_strategy(name, self._catalog, self._values.get(name)) for name in names
        }
        # Columns appear in the order asked for, then in registry order.
        self._order = names + [n for n in STRATEGIES if n not in names]
        self._initial_names = names
        self.engine: Engine | None = None
        # Runs of columns that were removed: their cost stays in the session total.
        self._retired_runs: list[RunState] = []
        # Every column widget that exists; on unmount the DOM is already gone
        # but their runs must still be cancelled and settled.
        self._column_widgets: dict[str, StrategyColumn] = {}
        self._measure_timer: Timer | None = None
        self._shut_down = False
        self.prompt_set = prompts or builtin_prompt_set()
        self._preview_inputs: PreviewInputs | None = None
        self._tuning: Tuning | None = None
        self.workbench: Workbench | None = None  # the replay dataset the evaluation screen loaded
        self.extras = AppExtras(self, self.settings)  # H8 hook: themes, keymap, history, memory

    # -- layout -----------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="main"):
            with Vertical(id="workspace"):
                yield PromptBox(self._initial_prompt or "", id="prompt-box")
                with ColumnsRow(id="columns"):
                    for name in self._initial_names:
                        yield self._new_column(name)
                yield TotalsBar(id="totals")
            yield StrategyPicker(
                {name: cls.summary for name, cls in STRATEGIES.items()}, self._initial_names, id="picker"
            )
            yield CircuitPanel(id="circuits")
            yield ChaosPanel([m.sim_name for m in self._catalog.models.values()], id="chaos")
        yield Footer()

    def _strategy(self, name: str) -> Strategy:
        """The strategy instance for `name`; raises `UserError` if it cannot be built."""
        if name not in self.strategies:
            self.strategies[name] = make_strategy(name, self._catalog, self._values.get(name))
        return self.strategies[name]

    def _new_column(self, name: str) -> StrategyColumn:
        column = StrategyColumn(self._strategy(name))
        self._column_widgets[name] = column
        return column

    async def on_mount(self) -> None:
        self.prompt_area.focus()
        self.extras.mounted()  # H8 hook
        # Live totals while columns stream, coalesced like the columns' figures.
        self.set_interval(1 / TOTALS_HZ, self._tick_totals)
        for notice in self._notices:
            problem = notice.startswith("configuration problems")
            self.notify(notice, title="Configuration", severity="warning" if problem else "information",
                        timeout=20 if problem else 8)
        if self._session is not None:
            self._session_ready(self._session)
        else:
            self._open_session()

    @work(exclusive=True, group="session", exit_on_error=False)
    async def _open_session(self) -> None:
        try:
            session = await asyncio.to_thread(open_session, self._options, None, self.settings.catalog)
        except UserError as exc:
            self._session_failed(str(exc))
            return
        except Exception as exc:  # e.g. OSError from the simulator's socket
            self._session_failed(f"{type(exc).__name__}: {exc}")
            return
        if self._shut_down:
            await asyncio.to_thread(session.close)
            return
        self._session = session
        self._session_ready(session)

    def _session_failed(self, message: str) -> None:
        self.status_line.set_mode("error", message)
        self.notify(message, title="Cannot start", severity="error", timeout=15)

    def _session_ready(self, session: Session) -> None:
        engine = session.make_engine()
        engine.counter = CachedCounter(engine.counter)
        self.engine = engine
        self.main_screen.query_one(CircuitPanel).attach(engine.health)
        self.main_screen.query_one(ChaosPanel).attach(session.sim_server)
        mode = "simulated" if session.simulated else "live"
        self.status_line.set_mode(mode, self._status_text or split_mode_label(session.mode_label))
        if self._send_initial and self._initial_prompt and self._initial_prompt.strip():
            self.action_send()

    async def on_unmount(self) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Cancel the runs, close the HTTP pool and the session (idempotent)."""
        if self._shut_down:
            return
        self._shut_down = True
        if self._measure_timer is not None:
            self._measure_timer.stop()
        for column in self._column_widgets.values():
            column.cancel()
        self.extras.closing()  # H8 hook: remember the session, flush history
        engine, self.engine = self.engine, None
        if engine is not None:
            await engine.pool.aclose()
        session, self._session = self._session, None
        if session is not None:
            await asyncio.to_thread(session.close)

    # -- accessors (also what tests read) -----------------------------------
    @property
    def session(self) -> Session | None:
        return self._session

    @property
    def main_screen(self) -> Screen[Any]:
        """The playground's own screen, also while the tuning or trace screen
        is on top (the app's queries would search the top screen)."""
        return self.screen_stack[0] if self.screen_stack else self.screen

    @property
    def status_line(self) -> StatusLine:
        return self.main_screen.query_one("#status", StatusLine)

    @property
    def prompt_area(self) -> TextArea:
        return self.main_screen.query_one("#prompt", TextArea)

    @property
    def picker(self) -> StrategyPicker:
        return self.main_screen.query_one("#picker", StrategyPicker)

    @property
    def totals(self) -> TotalsBar:
        return self.main_screen.query_one("#totals", TotalsBar)

    @property
    def columns(self) -> list[StrategyColumn]:
        try:
            return list(self.main_screen.query_one("#columns").query_children(StrategyColumn))
        except (NoMatches, ScreenStackError):
            return []

    def column(self, name: str) -> StrategyColumn:
        return self.main_screen.query_one(f"#column-{name}", StrategyColumn)

    def strategy_enabled(self, name: str) -> bool:
        return any(c.strategy.name == name for c in self.columns)

    @property
    def running(self) -> bool:
        return any(c.running for c in self.columns)

    # -- actions ---------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return True if self.running else None  # None: shown, but dimmed
        if action == "send" and len(self.screen_stack) > 1:
            return False  # Ctrl+S etc. are not for the main screen while another is on top
        return True

    def action_send(self) -> None:
        """Send the prompt to every column; running columns are cancelled first."""
        if self.engine is None:
            if self.status_line.mode == "error":
                self.notify(self.status_line.detail, title="Cannot send", severity="error")
            else:
                self.notify("The session is still starting; try again in a moment.", title="Not ready")
            return
        text = self.prompt_area.text
        if not text.strip():
            self.notify("The prompt is empty: type a question first.", title="Nothing to send", severity="warning")
            return
        columns = self.columns
        if not columns:
            self.notify("No strategy selected: press F2 and pick at least one.", title="Nothing to compare",
                        severity="warning")
            return
        self._send(text)

    @work(exclusive=True, group="send", exit_on_error=False)
    async def _send(self, text: str) -> None:
        engine = self.engine
        if engine is None:
            return
        request = ChatRequest.from_prompt(text)
        # Count once, off the event loop; the columns' counts hit the cache.
        route = await asyncio.to_thread(engine.route_input, request)
        if engine is not self.engine:
            return
        observers = self.extras.run_started(text, self.columns)  # H8 hook: history
        for column in self.columns:
            column.start(engine, request, route.input_tokens, observers.get(column.strategy.name))
        if not engine.context.fitting(route.needed_tokens):
            self.notify(
                f"The prompt has {route.input_tokens:,} tokens: more than any available model's context window. "
                "Shorten it.",
                title="Prompt too large",
                severity="error",
                timeout=10,
            )
        self._refresh_totals()
        self.refresh_bindings()

    def action_stop(self) -> None:
        stopped = sum(1 for column in self.columns if column.cancel())
        if stopped:
            self.notify(f"Stopped {stopped} column{'s' if stopped != 1 else ''}; partial answers and their cost are kept.",
                        title="Stopped")

    async def action_clear(self) -> None:
        await asyncio.gather(*(column.clear() for column in self.columns))
        self._refresh_totals()
        self.refresh_bindings()

    def action_focus_prompt(self) -> None:
        self.picker.remove_class("-open")
        self.prompt_area.focus()

    def action_toggle_strategies(self) -> None:
        picker = self.picker
        picker.toggle_class("-open")
        if picker.has_class("-open"):
            picker.selection_list.focus()
        else:
            self.prompt_area.focus()

    def trace_markdown(self) -> str:
        return "\n---\n\n".join(trace_markdown(c.strategy.name, c.current.result if c.current else None) for c in self.columns)

    def action_toggle_cache(self) -> None:
        """Semantic cache on/off for every column (entries stay per strategy)."""
        if self.engine is None:
            return
        cache = self.engine.cache
        cache.config = replace(cache.config, enabled=not cache.config.enabled)
        state = "on" if cache.config.enabled else "off"
        self.notify(f"semantic cache {state} (similarity ≥ {cache.config.similarity_threshold:g}, {len(cache)} entries)",
                    title="Cache")

    # -- H8 hooks: actions in app_extras -----------------------------------------
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return theme_variable_defaults()

    def action_help(self) -> None:
        self.extras.open_help()

    def action_change_theme(self) -> None:
        self.extras.pick_theme()

    def action_show_history(self) -> None:
        self.extras.open_history()

    def action_copy_answer(self, strategy: str | None = None) -> None:
        self.extras.copy_answer(strategy)

    def action_show_plots(self) -> None:
        self.extras.open_plots()

    def action_show_trace(self) -> None:
        self.push_screen(TraceScreen(self.trace_markdown()))

    # -- tuning and profiles -------------------------------------------------------
    def column_names(self) -> list[str]:
        return [c.strategy.name for c in self.columns]

    def action_toggle_circuits(self) -> None:
        self.main_screen.query_one(CircuitPanel).toggle_class("-open")

    def action_toggle_chaos(self) -> None:
        chaos = self.main_screen.query_one(ChaosPanel)
        chaos.toggle_class("-open")
        if chaos.has_class("-open") and chaos.sim is not None:
            chaos.query_one("#chaos-model").focus()
        else:
            self.prompt_area.focus()

    def action_toggle_strategy(self, name: str) -> None:
        """Add or remove one strategy's column."""
        if name not in STRATEGIES:
            self.notify(f"Unknown strategy {name!r}.", severity="error")
            return
        self.picker.set_enabled(name, not self.strategy_enabled(name))

    # -- reacting ----------------------------------------------------------------
    @on(SelectionList.SelectedChanged, "#strategy-list")
    async def _strategies_changed(self) -> None:
        await self._sync_columns(self.picker.selected)

    async def _sync_columns(self, wanted: Sequence[str]) -> None:
        """Add and remove columns so they match `wanted`, in the app's order."""
        container = self.main_screen.query_one("#columns", ColumnsRow)
        existing = {column.strategy.name: column for column in self.columns}
        for name, column in existing.items():
            if name not in wanted:
                self._retired_runs.extend(await column.retire())
                await column.remove()
                self._column_widgets.pop(name, None)
        present = [name for name in self._order if name in existing and name in wanted]
        for name in self._order:
            if name in wanted and name not in existing:
                try:
                    column = self._new_column(name)
                except UserError as exc:
                    self.notify(str(exc), title=f"Cannot add {name}", severity="error", timeout=10)
                    with self.picker.selection_list.prevent(SelectionList.SelectedChanged):
                        self.picker.set_enabled(name, False)
                    continue
                after = [n for n in present if self._order.index(n) < self._order.index(name)]
                if after:
                    await container.mount(column, after=self.column(after[-1]))
                else:
                    await container.mount(column, before=0)
                present.append(name)
        container.fit()
        self._refresh_totals()
        self.refresh_bindings()

    @on(StrategyColumn.Finished)
    def _column_finished(self) -> None:
        if self._shut_down:  # a run cancelled by closing the app still reports
            return
        self._refresh_totals()
        try:
            self.refresh_bindings()
        except ScreenStackError:
            pass
    @on(TextArea.Changed, "#prompt")
    def _prompt_changed(self) -> None:
        if self._measure_timer is not None:
            self._measure_timer.stop()
        self._measure_timer = self.set_timer(_MEASURE_DEBOUNCE_S, self._measure_prompt)

    def _measure_prompt(self) -> None:
        # The debounce can fire after teardown, or while another screen is on
        # top (the main screen's widgets are then not the active screen's).
        if self._shut_down:
            return
        try:
            text = self.prompt_area.text
        except (NoMatches, ScreenStackError):  # ScreenStackError: the screens are already gone
            return
        self._measure(text)

    @work(exclusive=True, group="measure", exit_on_error=False)
    async def _measure(self, text: str) -> None:
        """Show the prompt's size and whether it fits the models' windows."""
        try:
            box = self.main_screen.query_one("#prompt-box", PromptBox)
        except NoMatches:
            return
        engine = self.engine
        if engine is None or not text.strip():
            box.set_size_note("")
            return
        route = await asyncio.to_thread(engine.route_input, ChatRequest.from_prompt(text))
        approx = "≈" if route.token_method.startswith("estimate") else ""
        note = f"{approx}{route.input_tokens:,} tokens"
        fitting = len(engine.context.fitting(route.needed_tokens))
        available = len(engine.context.available)
        if fitting == 0:
            note += " — too large for every model's context window"
        elif fitting < available:
            note += f" (fits {fitting} of {available} models)"
        box.set_size_note(note)

    def _tick_totals(self) -> None:
        try:
            if self.running:
                self._refresh_totals()
        except (NoMatches, ScreenStackError):
            pass  # the app is closing: its screen is being taken apart

    def _refresh_totals(self) -> None:
        # Timers and messages can still arrive while the app tears down.
        if self._shut_down:
            return
        try:
            totals = self.totals
        except (NoMatches, ScreenStackError):
            return
        current = [c.current for c in self.columns if c.current is not None]
        runs = list(self._retired_runs)
        for column in self.columns:
            runs.extend(column.history)
            if column.current is not None:
                runs.append(column.current)
        totals.show(self.extras.with_carried_spend(compute_totals(current, runs)))  # H8 hook


def run_tui(
    strategies: Sequence[str] | None = None,
    *,
    session: Session | None = None,
    session_options: SessionOptions | None = None,
    strategy_values: Mapping[str, Mapping[str, Any]] | None = None,
    initial_prompt: str | None = None,
    send_initial_prompt: bool = False,
    settings: Settings | None = None,
    notices: Sequence[str] = (),
    prompts: PromptSet | None = None,
) -> int:
    """Run the playground in the terminal; returns the process exit code.

    Opens the session first (unless one is given) so that a `UserError` such
    as a simulator port already in use is printed as one line, not shown in a
    half-started TUI. The app owns the session from then on and closes it."""
    base = settings or parse_policy_text("", "defaults")
    # H8 hook: the remembered session under what the command line gave.
    strategies, initial_prompt, restored, remembered = restore_session(base, strategies, initial_prompt,
                                                                       strategy_values)
    try:
        if session is None:
            session = open_session(session_options or base.session_options(), catalog=base.catalog)
        app = PlaygroundApp(
            session=session,
            strategies=strategies,
            strategy_values=restored,
            initial_prompt=initial_prompt,
            send_initial_prompt=send_initial_prompt,
            settings=settings,
            notices=[*notices, *remembered],
            prompts=prompts,
        )
        app.extras.show_welcome = True  # H8 hook: first run
    except UserError as exc:
        if session is not None:
            session.close()
        print(f"playground: {exc}", file=sys.stderr)
        return 2
    try:
        app.run()
    finally:
        # Normally closed on unmount already; this covers a crash.
        if app.session is not None:
            app.session.close()
    return app.return_code or 0
