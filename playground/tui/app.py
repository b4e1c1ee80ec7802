"""The playground app: one prompt, several routing strategies side by side.

The app keeps what outlives a screen: the settings and the policy (strategy
values, tuning, profiles, exports), the session and its engine, the keymap,
themes, history and the remembered session (`app_extras`, hooked in here).
The profile, export and evaluation flows are in `app_dialogs`, loaded on
first use; the session opens in a worker once the first frame is up, so
start-up waits on neither. The main screen (`get_default_screen`) owns the
layout, sending, the columns and the totals. They talk with messages and
the app's reactive state (`engine`, `session`, `status`), which screens watch.

Finished runs bubble up to the app (`StrategyColumn.Finished`) and are
handed to `archive_run`: the one place where something that keeps past runs
(a history store) hooks in. The screen keeps only what it shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.actions import ActionParseResult
from textual.actions import parse as parse_action
from textual.app import App, ScreenStackError
from textual.binding import BindingType
from textual.dom import DOMNode
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import TextArea

from playground.config.build import Settings
from playground.config.exporters import ExportResult
from playground.config.load import parse_policy_text
from playground.config.schema import PolicyFile
from playground.core.errors import UserError
from playground.engine.runner import Engine
from playground.engine.session import Session, SessionOptions
from playground.eval.prompt_sets import PromptSet, builtin_prompt_set
from playground.eval.tuning import Tuning
from playground.launch import open_session
from playground.runview.run_state import RunState
from playground.session_memory import restore_session
from playground.strategies.base import Strategy
from playground.strategies.registry import DEFAULT_STRATEGIES, coerce_values, strategy_class
from playground.tui import markdown_render
from playground.tui.app_extras import AppExtras, theme_variable_defaults
from playground.tui.bindings import APP_BINDINGS, key_label
from playground.tui.commands import PlaygroundCommands
from playground.tui.counting import CachedCounter
from playground.tui.messages import ColumnsChanged, StrategiesChanged
from playground.tui.policy import PolicyState
from playground.tui.screens.main import MainScreen
from playground.tui.startup import resume_collector
from playground.tui.style_cache import forget_removed_widgets
from playground.tui.widgets.chaos_panel import ChaosPanel
from playground.tui.widgets.column import StrategyColumn
from playground.tui.widgets.status import Mode, StatusLine, split_mode_label
from playground.tui.widgets.strategy_picker import StrategyPicker
from playground.tui.widgets.totals import TotalsBar

if TYPE_CHECKING:
    from playground.tui.app_dialogs import AppDialogs


class PlaygroundApp(App[int]):
    """Compare routing strategies on one prompt, streaming side by side."""

    TITLE = "routing-playground"
    COMMANDS = App.COMMANDS | {PlaygroundCommands}
    BINDINGS: ClassVar[list[BindingType]] = list(APP_BINDINGS)

    # What the screens watch.
    engine: var[Engine | None] = var(None)
    preloaded: tuple[str, ...] = ()  # SDK adapter modules imported ahead of the first send
    session: var[Session | None] = var(None)
    status: var[tuple[Mode, str]] = var(("starting", "opening the session…"))

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
        `status_text` replaces the status line's detail (demos, snapshots).
        `settings`: the loaded configuration (columns, strategy parameters,
        catalog), defaults when None; `notices` are shown once the screen is
        up (config created, values ignored). `prompts`: the prompt set the
        tuning preview routes (default: the built-in set).

        Raises `UserError` for an unknown strategy or an invalid parameter."""
        super().__init__()
        self._given_session = session
        self._initial_prompt = initial_prompt or ""
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
        catalog = session.catalog if session is not None else self.settings.catalog
        # Command-line overrides win over the config file's values.
        merged = {name: dict(v) for name, v in self.settings.strategy_values.items()}
        for name, given in values.items():
            merged.setdefault(name, {}).update(coerce_values(name, given, catalog))
        self.policy = PolicyState(self.settings, catalog, merged, names, prompts or builtin_prompt_set())
        self._main_screen: MainScreen | None = None
        self._shut_down = False
        self._send_when_ready = False  # a send came before the session was ready
        self.extras = AppExtras(self, self.settings)  # themes, keymap, history, memory

    def get_default_screen(self) -> Screen[Any]:
        main = self._main_screen = MainScreen(self.policy, initial_prompt=self._initial_prompt,
                                              send_initial_prompt=self._send_initial,
                                              chaos_models=[m.sim_name for m in self.policy.catalog.models.values()])
        # What the screen asks of the session's keepers (history, memory).
        main.observe_runs = self.extras.run_started
        main.adjust_totals = self.extras.with_carried_spend
        return main

    @property
    def main_screen(self) -> MainScreen:
        """The playground's own screen (the layout, the columns, the totals)."""
        if self._main_screen is None:
            raise ScreenStackError("the main screen is not up yet")
        return self._main_screen

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return theme_variable_defaults()

    async def on_mount(self) -> None:
        self.extras.mounting()
        # The main screen's widgets compose their children after this mount.
        self.call_after_refresh(self.extras.mounted)
        for notice in self._notices:
            problem = notice.startswith("configuration problems")
            self.notify(notice, title="Configuration", severity="warning" if problem else "information",
                        timeout=20 if problem else 8)
        if self._given_session is not None:
            self._session_ready(self._given_session)

    def on_ready(self) -> None:
        """The first frame is on screen: now collect garbage again (paused
        by the `tui` command for start-up) and open the session (a simulator
        start and the tokenizer's encoding would otherwise delay that frame)."""
        resume_collector()
        if self._given_session is None and self.session is None:
            self._open_session()

    # -- the session -------------------------------------------------------------------
    @work(description="open the session", exclusive=True, group="session", exit_on_error=False)
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
        self._session_ready(session)

    async def run_action(self, action: str | ActionParseResult, default_namespace: DOMNode | None = None,
                         namespaces: Mapping[str, DOMNode] | None = None) -> bool:
        """A send key pressed while the session is still starting waits for
        it: the prompt is sent once the session is ready (not refused)."""
        name = parse_action(action)[1] if isinstance(action, str) else action[1]
        if name == "send" and self.engine is None and self.status[0] == "starting" \
                and isinstance(default_namespace, MainScreen):
            if not self._send_when_ready:
                self._send_when_ready = True
                self.notify("The session is still starting; the prompt is sent as soon as it is ready.",
                            title="Sending when ready")
            return True
        return await super().run_action(action, default_namespace, namespaces)

    def _session_failed(self, message: str) -> None:
        self._send_when_ready = False
        self.status = ("error", message)
        self.notify(message, title="Cannot start", severity="error", timeout=15)
        self.extras.session_known()

    def _session_ready(self, session: Session) -> None:
        self._given_session = None
        engine = session.make_engine()
        engine.counter = CachedCounter(engine.counter)
        self.session = session
        self.status = ("simulated" if session.simulated else "live",
                       self._status_text or split_mode_label(session.mode_label))
        self.engine = engine
        if self._send_when_ready:
            self._send_when_ready = False
            self.main_screen.action_send()
        self.extras.session_known()
        self._preload_sdks(engine)

    @work(description="import the providers' SDKs", group="preload", exit_on_error=False)
    async def _preload_sdks(self, engine: Engine) -> None:
        """Import the providers' SDKs (and the Markdown renderer, kept off the
        first frame) in a thread now: the first send would otherwise import
        them on the event loop and freeze keys for seconds."""
        self.preloaded = tuple(await asyncio.to_thread(engine.pool.preload))
        await asyncio.to_thread(markdown_render.warm_up)

    async def on_unmount(self) -> None:
        await self.aclose()
        forget_removed_widgets()  # every widget is gone: Textual's style memo would keep their lines

    async def aclose(self) -> None:
        """Cancel the runs, close the HTTP pool and the session (idempotent)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.extras.closing()  # remember the session, flush the history
        engine, self.engine = self.engine, None  # the main screen cancels its columns
        if engine is not None:
            await engine.pool.aclose()
        session, self.session = self.session or self._given_session, None
        self._given_session = None
        if session is not None:
            await asyncio.to_thread(session.close)

    # -- the main screen's parts (hooks and tests read them) --------------------------------
    @property
    def columns(self) -> list[StrategyColumn]:
        return self.main_screen.columns

    def column(self, name: str) -> StrategyColumn:
        return self.main_screen.column(name)

    def column_names(self) -> list[str]:
        return list(self.policy.columns)

    @property
    def prompt_area(self) -> TextArea:
        return self.main_screen.prompt_area

    @property
    def picker(self) -> StrategyPicker:
        return self.main_screen.picker

    @property
    def totals(self) -> TotalsBar:
        return self.main_screen.totals

    @property
    def status_line(self) -> StatusLine:
        return self.main_screen.status_line

    @property
    def chaos(self) -> ChaosPanel:
        return self.main_screen.query_one(ChaosPanel)

    # -- the policy (also what tests read) -------------------------------------------------
    @property
    def strategies(self) -> dict[str, Strategy]:
        return self.policy.strategies

    @property
    def tuning(self) -> Tuning:
        return self.policy.tuning

    @property
    def last_export(self) -> tuple[Path, ExportResult] | None:
        """The last file exported from the TUI and what its format could not express."""
        return self.policy.last_export

    def current_policy(self) -> PolicyFile:
        return self.policy.current_policy()

    def broadcast(self, make: Callable[[], Message]) -> None:
        """Tell every screen (the main one, the tuning screen if open)."""
        for screen in self.screen_stack:
            screen.post_message(make())

    @on(ColumnsChanged)
    def _columns_changed(self, message: ColumnsChanged) -> None:
        self.policy.columns = list(message.columns)

    @on(StrategyColumn.Finished)
    def _run_finished(self, message: StrategyColumn.Finished) -> None:
        if not self._shut_down:
            self.archive_run(message.column.strategy.name, message.run)

    def archive_run(self, strategy: str, run: RunState) -> None:
        """A run ended (done, error or cancelled): the hand-off to whatever
        keeps past runs. The screen keeps only the run it shows."""

    # -- actions ---------------------------------------------------------------------
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

    @cached_property
    def dialogs(self) -> AppDialogs:
        """Profile, export and evaluation flows, loaded on first use (not for the first frame)."""
        from playground.tui.app_dialogs import AppDialogs

        return AppDialogs(self)

    def action_show_evaluation(self) -> None:
        self.dialogs.show_evaluation()

    def tune_setting(self, strategy: str, values: dict[str, Any]) -> None:
        """Open the tuning screen on `strategy` with `values` pending (not applied)."""
        try:
            for key, value in values.items():
                self.policy.tuning.set(strategy, key, value)
        except UserError as exc:
            self.notify(str(exc), title=f"Cannot tune {strategy}", severity="error", timeout=10)
            return
        self.main_screen.action_show_tuning(strategy)

    def action_toggle_cache(self) -> None:
        """Semantic cache on/off for every column (entries stay per strategy)."""
        if self.engine is None:
            return
        cache = self.engine.cache
        cache.config = replace(cache.config, enabled=not cache.config.enabled)
        state = "on" if cache.config.enabled else "off"
        similar = f"similarity ≥ {cache.config.similarity_threshold:g}"
        self.notify(f"semantic cache {state} ({similar}, {len(cache)} entries)",
                    title="Cache")

    def action_apply_tuning(self) -> None:
        """Make the tuning screen's pending edits the values in effect."""
        if not self.apply_tuning():
            self.notify(f"Nothing to apply: no parameter differs from the values in effect "
                        f"({key_label(self, 'show_tuning')} opens the tuning screen).", title="Tuning")

    def apply_tuning(self) -> dict[str, dict[str, Any]]:
        """Apply pending edits: the strategy instances (and so the next send)
        use them, and column headers show them."""
        changed = self.policy.apply_tuning()
        if changed:
            summary = "; ".join(f"{name}: {', '.join(f'{k}={v}' for k, v in values.items()) or 'defaults'}"
                                for name, values in changed.items())
            self.notify(f"{summary}. Re-send ({key_label(self, 'send')}) to see the answers.", title="Tuning applied")
            self.broadcast(lambda: StrategiesChanged(list(changed)))
        return changed

    def action_save_profile(self) -> None:
        self.dialogs.save_profile()

    def action_load_profile(self) -> None:
        self.dialogs.pick_profile_to_load()

    async def load_profile(self, name: str) -> bool:
        """Apply a profile's strategy values and columns; returns whether it loaded."""
        return await self.dialogs.load_profile(name)

    def action_duplicate_profile(self) -> None:
        self.dialogs.duplicate_profile()

    def action_diff_profiles(self, left: str | None = None, right: str | None = None) -> None:
        self.dialogs.diff_profiles(left, right)

    def action_export_policy(self, strategy: str | None = None) -> None:
        self.dialogs.pick_export(strategy)

    def export_policy(self, strategy: str, fmt: str) -> Path | None:
        """Write the export (see `AppDialogs.export_policy`); the file written, None on error."""
        return self.dialogs.export_policy(strategy, fmt)

    def refresh_bindings(self) -> None:
        with contextlib.suppress(ScreenStackError):  # closing: no screen left to refresh
            super().refresh_bindings()


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

    Without a `session` the app opens one from `session_options` in a worker
    once its first frame is up (starting the simulator and loading the
    tokenizer take about a second): the status line says it is starting, a
    send waits for it, and an error (a simulator port already in use) shows
    in the status line. The app owns the session and closes it."""
    base = settings or parse_policy_text("", "defaults")
    # The remembered session under what the command line gave.
    strategies, initial_prompt, restored, remembered = restore_session(base, strategies, initial_prompt,
                                                                       strategy_values)
    try:
        app = PlaygroundApp(
            session=session,
            session_options=session_options,
            strategies=strategies,
            strategy_values=restored,
            initial_prompt=initial_prompt,
            send_initial_prompt=send_initial_prompt,
            settings=settings,
            notices=[*notices, *remembered],
            prompts=prompts,
        )
        app.extras.show_welcome = True  # first run: the welcome (once)
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
        if session is not None:
            session.close()
    return app.return_code or 0
