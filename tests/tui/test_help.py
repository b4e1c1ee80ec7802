"""F1 help and the first-run welcome."""

from __future__ import annotations

from playground.config import paths
from playground.history import history_file
from playground.strategies.registry import STRATEGIES
from playground.tui.app import PlaygroundApp
from playground.tui.screens.help import FIGURES, HelpScreen
from playground.tui.screens.welcome import WelcomeScreen
from tests.helpers.tui import SIZE, ready, screen_text, sim_app, wait_for


async def test_f1_explains_keys_strategies_figures_and_files() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        text = app.screen.markdown  # type: ignore[attr-defined]
        # Keys as bound now, read from the bindings (not a list of literals).
        for binding in PlaygroundApp.BINDINGS:
            if binding.show:  # type: ignore[union-attr]
                assert f"`{binding.id}`" in text, binding  # type: ignore[union-attr]
        assert "| `^s, ^⏎, ^j, f5` | Send" in text
        # Every strategy, with the registry's own summary.
        for name, cls in STRATEGIES.items():
            assert f"**{name}**: {cls.summary}" in text
        for figure, _ in FIGURES:
            assert f"**{figure}**" in text
        for figure in ("TTFT", "tok/s", "PGR", "CLOSED", "OPEN", "HALF_OPEN", "simulated", "cost"):
            assert f"**{figure}" in text
        assert str(paths.config_dir()) in text and str(history_file()) in text and str(paths.themes_dir()) in text
        assert "built-in simulator" in text
        await wait_for(pilot, lambda: "Routing playground" in screen_text(pilot), "the help text on screen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), "help to close")


async def test_the_welcome_shows_once() -> None:
    def first_run_app() -> PlaygroundApp:
        app = sim_app()
        app.extras.show_welcome = True  # what run_tui, the real entry, sets
        return app

    app = first_run_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen), "the welcome")
        text = app.screen.markdown  # type: ignore[attr-defined]
        assert "simulator" in text and "OPENAI_API_KEY" in text and "Three things to try" in text
        assert "`^s, ^⏎, ^j, f5`" in text and "`f1`" in text  # keys from the bindings
        await wait_for(pilot, lambda: "Three things to try" in screen_text(pilot), "the welcome on screen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, WelcomeScreen), "the welcome to close")
    again = first_run_app()
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.pause()
        assert not isinstance(again.screen, WelcomeScreen)
        assert not any(isinstance(s, WelcomeScreen) for s in again.screen_stack)
