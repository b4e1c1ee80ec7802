"""What makes the playground a place to live in, kept out of the app's layout
code: themes, the keymap, help, the first-run welcome, the run history (and
its screens), the remembered session, copying answers (`copying`) and the
session plots.

The app holds one `AppExtras` and calls it from a few one-line hooks
(construction, mount, send, totals, close, and one action per key), so the
app module stays about layout and runs. The screens it opens (help, themes,
history, plots, welcome) live in `extras_screens`, loaded on first use.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, TypeVar

from textual.widgets import SelectionList

from playground.config import paths
from playground.config.build import Settings
from playground.core.events import Event
from playground.history import HistoryRecorder, HistoryStore, StoredRun
from playground.session_memory import SessionMemory, load_memory, save_memory, welcome_needed
from playground.strategies.registry import STRATEGIES
from playground.tui.copying import copy_answer
from playground.tui.keymap import check_keymap, key_for
from playground.tui.themes import APP_VARIABLES, install_themes

if TYPE_CHECKING:
    from playground.tui.app import PlaygroundApp
    from playground.tui.extras_screens import ExtrasScreens
    from playground.tui.widgets.column import StrategyColumn

T = TypeVar("T")
Observer = Callable[[Event], None]


def theme_variable_defaults() -> dict[str, str]:
    return dict(APP_VARIABLES)


class AppExtras:
    """The app's themes, keymap, history, memory and the screens they open."""

    def __init__(self, app: PlaygroundApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.memory, problem = load_memory()
        self._problems: list[tuple[str, str]] = [("Session", problem)] if problem else []
        theme_problem = install_themes(app, self.memory.theme or settings.policy.ui.theme)
        if theme_problem:
            self._problems.append(("Theme", theme_problem))
        self.keymap, keymap_problems = check_keymap(settings.policy.keymap)
        if keymap_problems:
            self._problems.append(("Keymap", "\n".join(keymap_problems)))
        self.show_welcome = False
        self.recorder: HistoryRecorder | None = None
        self._store: HistoryStore | None = None
        self.started = time.time()
        self.run_ids: list[str] = []
        self.carried_usd = self.memory.spend_usd
        self._session_usd = 0.0
        self._columns: list[str] = list(self.memory.columns)
        self._prompt: Any = None  # the prompt's TextArea (it outlives the DOM)
        self._closed = False
        self._mounted = False  # the main screen is up
        self._session_known = False  # the session opened or failed (the welcome says which)

    # -- hooks the app calls ---------------------------------------------------
    def mounting(self) -> None:
        """At the app's mount, before any key arrives: remapped keys and Ctrl+R
        must work at once, not only after the first refresh."""
        if self.keymap:
            self.app.set_keymap(self.keymap)
        history = self.settings.policy.history
        if history.enabled and self.recorder is None:
            try:
                self.recorder = HistoryRecorder(keep_runs=history.keep_runs)
            except (sqlite3.Error, OSError) as exc:
                self._problems.append(("History", f"history is off for this session: cannot open "
                                                  f"{paths.data_dir()}: {exc}"))

    def mounted(self) -> None:
        app = self.app
        self._prompt = app.prompt_area
        for title, message in self._problems:
            app.notify(message, title=title, severity="warning", timeout=20, markup=False)
        self._problems.clear()
        self._mounted = True
        self._welcome_when_ready()

    def session_known(self) -> None:
        """The session opened (or failed): the welcome can say whether it is simulated."""
        self._session_known = True
        self._welcome_when_ready()

    def _welcome_when_ready(self) -> None:
        if self._mounted and self._session_known and self.show_welcome:
            self.show_welcome = False
            if welcome_needed():
                self.screens.welcome()

    def run_started(self, prompt: str, columns: Sequence[StrategyColumn]) -> dict[str, Observer]:
        """Record a new run; returns each column's event observer."""
        recorder = self.recorder
        session = self.app.session
        observers: dict[str, Observer] = {}
        if recorder is not None:
            run_id = recorder.begin_run(prompt, {c.strategy.name: c.strategy.values for c in columns},
                                        mode=session.mode_label if session else "",
                                        simulated=session.simulated if session else True)
            self.run_ids.append(run_id)
            observers = {c.strategy.name: recorder.observer(run_id, c.strategy.name) for c in columns}
        self.save(background=True)
        return observers

    def with_carried_spend(self, totals: T) -> T:
        """The totals row's session spend including what earlier sessions spent."""
        self._session_usd = getattr(totals, "session_usd", 0.0)
        # Also called after every change of columns: remember them for the
        # save at exit, when the screen is already taken apart.
        self._columns = self.app.column_names() or self._columns
        if not self.carried_usd:
            return totals
        return replace(totals, session_usd=self._session_usd + self.carried_usd)  # type: ignore[type-var]

    def closing(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.save()
        if self.recorder is not None:
            self.recorder.close()
        if self._store is not None:
            self._store.close()

    # -- the remembered session ----------------------------------------------
    def snapshot(self) -> SessionMemory:
        app = self.app
        configured = self.settings.strategy_values
        tuning = {name: {k: v for k, v in values.items() if configured.get(name, {}).get(k) != v}
                  for name, values in app.policy.values.items()}
        prompt = self._prompt.text if self._prompt is not None else self.memory.prompt
        return SessionMemory(prompt=prompt, columns=app.column_names() or self._columns,
                             tuning={k: v for k, v in tuning.items() if v}, theme=self.memory.theme,
                             spend_usd=self.carried_usd + self._session_usd)

    def save(self, background: bool = False) -> None:
        """Write the remembered session; `background` writes it off the event
        loop (a send must not wait for a disk flush)."""
        snapshot = self.snapshot()
        if not background:
            self._report(save_memory(snapshot))
            return

        def write() -> None:
            problem = save_memory(snapshot)
            if problem:
                self.app.call_from_thread(self._report, problem)

        self.app.run_worker(write, thread=True, group="session-memory", exclusive=True, exit_on_error=False)

    def _report(self, problem: str | None) -> None:
        if problem and not self._closed:
            self.app.notify(problem, title="Session not saved", severity="warning", markup=False)

    def reset_spend(self) -> None:
        self.carried_usd = 0.0
        self.save()
        self.app.notify("The session total now counts from this start only.", title="Session spend reset")

    # -- screens ------------------------------------------------------------------
    @cached_property
    def screens(self) -> ExtrasScreens:
        """Help, themes, history, plots, welcome: loaded on first use, not for the first frame."""
        from playground.tui.extras_screens import ExtrasScreens

        return ExtrasScreens(self)

    def nodes(self) -> list[Any]:
        """Where key bindings are looked up: the app and its current screen."""
        return [self.app, self.app.screen]

    def open_help(self) -> None:
        self.screens.help()

    def pick_theme(self) -> None:
        self.screens.theme_picker()

    def store(self) -> HistoryStore | None:
        if self.recorder is None:
            self.app.notify("History is off (config [history] enabled = false, or the database could not be "
                            "opened).", title="History", severity="warning")
            return None
        self.recorder.flush(2.0)
        if self._store is None:
            self._store = HistoryStore(self.recorder.path)
        return self._store

    def open_history(self) -> None:
        store = self.store()
        if store is not None:
            self.screens.history(store)

    def open_plots(self) -> None:
        store = self.store()
        if store is not None:
            self.screens.plots(store)

    def resend(self, run: StoredRun) -> None:
        """Send a past run's prompt again to its strategies (current parameters)."""
        self.app.run_worker(self._resend(run), group="history-resend", exclusive=True)

    async def _resend(self, run: StoredRun) -> None:
        app = self.app
        while len(app.screen_stack) > 1:
            await app.pop_screen()
        wanted = [a.strategy for a in run.answers if a.strategy in STRATEGIES]
        app.prompt_area.load_text(run.prompt)
        selection = app.picker.selection_list
        with selection.prevent(SelectionList.SelectedChanged):
            selection.deselect_all()
            for name in wanted:
                selection.select(name)
        await app.main_screen.sync_columns(wanted)
        app.main_screen.action_send()

    def copy_answer(self, strategy: str | None = None, with_trace: bool = False) -> None:
        copy_answer(self.app, strategy, with_trace)

    def commands(self) -> Iterable[tuple[str, str, Callable[[], Any]]]:
        """Palette entries: (title, help, callback); key names from the bindings in effect."""
        app, nodes = self.app, self.nodes()

        def keyed(text: str, binding_id: str) -> str:
            key = key_for(app, binding_id, nodes)
            return f"{text} ({key})" if key else text

        yield "Help", keyed("Keys as bound now, every strategy and figure explained, where files live", "help"), \
            self.open_help
        yield "Change theme…", "Preview themes live; the choice is remembered", self.pick_theme
        yield "History…", keyed("Search past runs, re-open one side by side, re-send or export it", "show_history"), \
            self.open_history
        yield "Plots: cost, latency and breakers", keyed("This session's runs as plots", "show_plots"), self.open_plots
        yield "Reset session spend", "Count the session total from this start only", self.reset_spend
        for column in app.columns:
            name = column.strategy.name
            yield f"Copy answer: {name}", keyed(f"Copy {name}'s answer to the clipboard", "copy_answer"), \
                partial(self.copy_answer, name)
            yield f"Copy answer and trace: {name}", f"Copy {name}'s answer and its decision trace", \
                partial(self.copy_answer, name, True)


def extra_commands(app: PlaygroundApp) -> Iterable[tuple[str, str, Callable[[], Any]]]:
    """Palette entries: (title, help, callback); key names from the bindings in effect."""
    return app.extras.commands()
