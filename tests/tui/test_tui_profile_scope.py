"""What a profile changes in a running TUI (strategies and columns; the
session's resilience stays and the user is told), and values typed on the
command line saved in their declared types."""

from __future__ import annotations

import tomllib

from playground.config import profiles
from playground.config.load import parse_policy_text
from tests.helpers.tui import SIZE, ready, sim_app, wait_for


async def test_loading_a_profile_applies_strategies_and_columns_and_names_what_it_left_out() -> None:
    other = parse_policy_text('[router]\ncolumns = ["cost", "fixed"]\n[strategies.fixed]\nmodel = "gpt-4o"\n'
                              '[retry]\nmax_attempts = 2\n', "p.toml").policy
    profiles.save_profile("strict", other)
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert await app.load_profile("strict")
        await wait_for(pilot, lambda: sorted(c.strategy.name for c in app.main_screen.columns) == ["cost", "fixed"],
                       "the columns")
        assert app.strategies["fixed"].values["model"] == "gpt-4o"
        # The running engine and the policy that would be saved or exported agree.
        assert app.engine is not None and app.engine.resilience.retry.max_attempts == 6
        assert app.current_policy().retry.max_attempts == 6
        await pilot.pause()
        notes = [str(n.message) for n in app._notifications]
        assert any("retry settings differ from this session's and were not applied" in n for n in notes), notes


async def test_command_line_values_are_saved_as_numbers_not_text() -> None:
    app = sim_app(strategy_values={"complexity": {"high_threshold": "0.6"}})
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.current_policy().strategies["complexity"] == {"high_threshold": 0.6}
        path = profiles.save_profile("cli", app.current_policy())
        assert tomllib.loads(path.read_text())["strategies"]["complexity"]["high_threshold"] == 0.6
