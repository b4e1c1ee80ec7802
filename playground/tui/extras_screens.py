"""The screens `AppExtras` opens on demand: help, the theme picker, the run
history, the session plots and the first-run welcome.

None is part of the first frame, so `AppExtras.screens` imports this module
(and with it Markdown help, the history browser and plotext) on first use.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from playground.history import HistoryStore
from playground.session_memory import dismiss_welcome
from playground.strategies.registry import STRATEGIES
from playground.tui.keymap import current_keys, key_for
from playground.tui.screens.help import HelpScreen, help_markdown
from playground.tui.screens.history import HistoryScreen
from playground.tui.screens.theme_picker import ThemePicker
from playground.tui.screens.welcome import WelcomeScreen, welcome_markdown
from playground.tui.themes import builtin_themes
from playground.tui.widgets.plots import PlotsScreen, session_series

if TYPE_CHECKING:
    from playground.tui.app_extras import AppExtras


class ExtrasScreens:
    """Opens the extras' screens for one app."""

    def __init__(self, extras: AppExtras) -> None:
        self.extras = extras
        self.app = extras.app

    def welcome(self) -> None:
        app, nodes = self.app, self.extras.nodes()
        simulated = app.session.simulated if app.session else True
        text = welcome_markdown(simulated, key_for(app, "send", nodes), key_for(app, "help", nodes) or "F1",
                                key_for(app, "show_tuning", nodes), key_for(app, "toggle_circuits", nodes),
                                key_for(app, "toggle_chaos", nodes))
        app.push_screen(WelcomeScreen(text), lambda _: dismiss_welcome())

    def help(self) -> None:
        app = self.app
        if isinstance(app.screen, HelpScreen):
            return
        strategies = {name: cls.summary for name, cls in STRATEGIES.items()}
        simulated = app.session.simulated if app.session else None
        app.push_screen(HelpScreen(help_markdown(current_keys(app, self.extras.nodes()), strategies, simulated)))

    def theme_picker(self) -> None:
        app, extras = self.app, self.extras
        builtin = list(builtin_themes())
        others = sorted(name for name in app.available_themes if name not in builtin)

        def chosen(name: str | None) -> None:
            if name:
                extras.memory.theme = name
                extras.save()

        app.push_screen(ThemePicker(builtin + others, app.theme, builtin), chosen)

    def history(self, store: HistoryStore) -> None:
        self.app.push_screen(HistoryScreen(store, self.extras.resend))

    def plots(self, store: HistoryStore) -> None:
        started = self.extras.started
        runs = [run for run in (store.load(run_id) for run_id in self.extras.run_ids) if run is not None]
        self.app.push_screen(PlotsScreen(session_series(runs, started), time.time() - started))
