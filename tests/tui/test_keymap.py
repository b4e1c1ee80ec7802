"""The `[keymap]` table: remapped keys work and show remapped (footer, help,
palette); unknown ids and conflicts are one line naming the key."""

from __future__ import annotations

from playground.config.load import parse_policy_text
from playground.tui.app import PlaygroundApp
from playground.tui.app_extras import extra_commands
from playground.tui.keymap import check_keymap, declared_bindings
from playground.tui.screens.help import HelpScreen
from playground.tui.screens.main import MainScreen
from playground.tui.screens.tuning import TuningScreen
from playground.tui.widgets.key_footer import KeyFooter
from tests.helpers.tui import SIZE, footer_line, open_tuning, ready, screen_text, sim_app, wait_for


def test_every_app_binding_has_an_id() -> None:
    declared = declared_bindings()
    assert PlaygroundApp in declared and MainScreen in declared
    # The app's own keys and the main screen's (sending, panels) are active together.
    ids = [b.id for b in declared[PlaygroundApp] + declared[MainScreen]]
    assert {"send", "help", "show_history", "copy_answer", "show_plots"} <= set(ids)
    assert all(ids) and len(ids) == len(set(ids))


def test_unknown_ids_and_conflicts_are_one_line_naming_the_key() -> None:
    usable, problems = check_keymap({"help": "f12", "hepl": "f11", "show_plots": "ctrl+s", "send": ""})
    assert usable == {"help": "f12"}
    assert len(problems) == 3
    unknown, empty, clash = problems
    assert "hepl" in unknown and "'f11'" in unknown and "no binding has the id" in unknown
    assert "key 'ctrl+s' for 'show_plots' is already bound to 'send'" in clash
    assert "send = ''" in empty
    # A key freed by remapping its owner can be used by another binding.
    usable, problems = check_keymap({"send": "f5", "show_plots": "ctrl+s"})
    assert usable == {"send": "f5", "show_plots": "ctrl+s"} and not problems
    # Two remaps to the same key: the second is refused.
    usable, problems = check_keymap({"help": "f12", "show_plots": "f12"})
    assert usable == {"help": "f12"} and "key 'f12' for 'show_plots' is already bound to 'help'" in problems[0]


async def test_a_remapped_key_works_and_shows_remapped_in_footer_help_and_palette() -> None:
    settings = parse_policy_text('[keymap]\nhelp = "f12"\nnot_a_binding = "f11"\n', "config.toml")
    app = sim_app(settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: any(n.title == "Keymap" for n in app._notifications), "the keymap notice")
        (notice,) = [n for n in app._notifications if n.title == "Keymap"]
        assert notice.message.count("\n") == 0 and "not_a_binding" in notice.message and "'f11'" in notice.message
        await wait_for(pilot, lambda: "f12 Help" in " ".join(screen_text(pilot).split()[-30:]), "F12 in the footer")
        footer = app.query_one(KeyFooter)
        assert footer.is_attached
        assert "f1 Help" not in screen_text(pilot)
        await pilot.press("f1")  # the old key does nothing now
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f12")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        help_text = app.screen.markdown  # type: ignore[attr-defined]
        assert "| `f12` | Help" in help_text and "`help` |" in help_text
        assert "| `f1` | Help" not in help_text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), "help to close")
        helps = {title: text for title, text, _ in extra_commands(app)}
        assert helps["Help"].endswith("(f12)")


async def test_the_tuning_screens_footer_shows_a_remapped_key_and_a_click_on_it_runs_it() -> None:
    """Every screen's footer is the key footer: remaps show, and its entries are clickable."""
    settings = parse_policy_text('[keymap]\ntuning_close = "f6"\n', "config.toml")
    app = sim_app(settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_tuning(pilot)
        footer = screen.query_one(KeyFooter)
        await wait_for(pilot, lambda: "f6 Close" in footer_line(pilot), "F6 in the tuning screen's footer")
        assert "esc Close" not in footer_line(pilot) and "^r Apply" in footer_line(pilot)
        start, _end, _key = next(span for span in footer._spans if span[2] == "f6")
        await pilot.click(KeyFooter, offset=(start + 1, 0))
        await wait_for(pilot, lambda: not isinstance(app.screen, TuningScreen), "the click to close tuning")
