"""The list editor of list-typed parameters (chains, members, weights, rules)
on the tuning screen, driven with Pilot against the simulator."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, Static

from playground.core.catalog import default_catalog
from playground.strategies.ab_test import ABTestStrategy
from playground.strategies.task import DEFAULT_RULES
from playground.tui.screens.tuning import TuningScreen
from playground.tui.widgets.list_editor import ListEditor, ListRow, build, items_of
from playground.tui.widgets.param_editor import ListParamEditor
from tests.helpers.tui import SIZE, open_tuning, ready, screen_text, sim_app, static_text, wait_for

MODELS = sorted(default_catalog().models)


async def tune(pilot: Pilot, strategy: str, param: str) -> tuple[TuningScreen, ListParamEditor, ListEditor]:
    await ready(pilot)
    screen = await open_tuning(pilot)
    await screen.select_strategy(strategy)
    await pilot.pause()
    editor = screen.editor(param)
    assert isinstance(editor, ListParamEditor)
    return screen, editor, editor.list_editor


def row(lst: ListEditor, index: int) -> ListRow:
    return lst.rows[index]


def test_rows_and_values_round_trip() -> None:
    assert items_of("models", ["a", "b"]) == [["a"], ["b"]]
    assert build("models", [["a"], ["b"]]).value == ["a", "b"]
    assert build("weights", items_of("weights", {"a": 3.0, "b": 0.5})).value == {"a": 3.0, "b": 0.5}
    assert build("labels", items_of("labels", {"easy": "m1"})).value == {"easy": "m1"}
    rules = [dict(r) for r in DEFAULT_RULES]
    assert build("rules", items_of("rules", rules)).value == rules
    # What a dict cannot hold is a problem, not a value; a half-typed number waits.
    assert build("weights", [["a", "1"], ["a", "2"]]).problem == "a is listed twice; each model once"
    assert build("labels", [[" ", "m"]]).problem == "a label must not be empty"
    assert not build("capabilities", [["coding", ""]]).complete
    assert build("weights", [["a", "x"]]).value == {"a": "x"}  # Param.coerce refuses it with its reason


async def test_ensemble_members_add_pick_remove_move_and_the_preview_follows() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, editor, lst = await tune(pilot, "ensemble", "members")
        start = app.tuning.values("ensemble")["members"]
        assert [r.fields[0] for r in lst.rows] == start == ["gpt-5-mini", "claude-haiku-4-5", "gpt-4o-mini"]
        before_cost = screen.after.cost_per_1k if screen.after else None

        # + add appends the first model not listed yet.
        await pilot.click(lst.query_one(".list-add", Button))
        first_unused = next(m for m in MODELS if m not in start)
        await wait_for(pilot, lambda: app.tuning.values("ensemble")["members"] == [*start, first_unused], "the new row")

        # Pick another model in the new row with the keyboard (type to search, Enter).
        wanted = "gpt-5-nano"
        select = row(lst, 3).query_one(Select)
        select.focus()
        await pilot.press("enter", *wanted, "enter")
        await wait_for(pilot, lambda: app.tuning.values("ensemble")["members"] == [*start, wanted], "the picked model")

        # ✕ on the first row removes it.
        await pilot.click(row(lst, 0).query_one(".list-remove", Button))
        expected = ["claude-haiku-4-5", "gpt-4o-mini", wanted]
        await wait_for(pilot, lambda: app.tuning.values("ensemble")["members"] == expected, "the removal")

        # ↑ on the last row moves it up.
        await pilot.click(row(lst, 2).query_one(".list-up", Button))
        expected = ["claude-haiku-4-5", wanted, "gpt-4o-mini"]
        await wait_for(pilot, lambda: app.tuning.values("ensemble")["members"] == expected, "the move")
        assert [r.fields[0] for r in lst.rows] == expected
        assert not editor.error

        # The preview follows the pending value; nothing is applied yet.
        after = screen.after
        assert after is not None and after.cost_per_1k != before_cost
        assert "ensemble · edited, not applied" in screen_text(pilot)
        assert app.tuning.values("ensemble", pending=False)["members"] == start


async def test_fallback_chain_moves_with_ctrl_arrows_and_keeps_focus() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        _screen, _editor, lst = await tune(pilot, "fallback", "chain")
        chain = app.tuning.values("fallback")["chain"]
        moved = row(lst, 0)
        moved.query_one(Select).focus()
        await pilot.press("ctrl+down")
        await wait_for(pilot, lambda: app.tuning.values("fallback")["chain"] == [chain[1], chain[0], chain[2]],
                       "the first model to move down")
        await pilot.press("ctrl+down")
        await wait_for(pilot, lambda: app.tuning.values("fallback")["chain"] == [chain[1], chain[2], chain[0]],
                       "a second move of the same row")
        assert lst.rows[-1] is moved and moved.query_one(Select).has_focus
        await pilot.press("ctrl+down")  # already last: nothing changes
        await pilot.pause()
        assert app.tuning.values("fallback")["chain"] == [chain[1], chain[2], chain[0]]
        await wait_for(pilot, lambda: "fallback · edited, not applied" in screen_text(pilot), "the preview header")
        # Buttons are reachable with Tab and work with Enter.
        moved.query_one(".list-remove", Button).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.tuning.values("fallback")["chain"] == [chain[1], chain[2]], "the removal")
        assert lst.rows[-1].query_one(".list-remove", Button).has_focus  # focus stays in the list


async def test_an_invalid_rule_pattern_shows_the_reason_and_is_not_applied() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, editor, lst = await tune(pilot, "task", "rules")
        rules = app.tuning.values("task")["rules"]
        start = screen.after
        pattern = row(lst, 0).query_one(".list-pattern", Input)
        await pilot.click(pattern)
        await pilot.press("end", "(")  # an unclosed group
        await wait_for(pilot, lambda: "invalid regular expression" in editor.error, "the inline reason")
        await pilot.pause()
        shown = static_text(editor.query_one(".param-error", Static))
        assert shown.startswith(
            "✗ task.rules[1] (code): invalid regular expression: missing ), unterminated subpattern"
        )
        assert "✗ task.rules[1] (code): invalid regular expression" in screen_text(pilot)
        assert editor.has_class("-invalid")
        assert app.tuning.values("task")["rules"] == rules and screen.after == start

        # Back to the value in effect: the reason goes.
        await pilot.press("backspace")
        await wait_for(pilot, lambda: not editor.error, "the error to clear")
        assert app.tuning.values("task")["rules"] == rules

        # A new valid pattern applies to that row only.
        await pilot.press("home", "ctrl+k", *r"(code)\b")
        await wait_for(
            pilot, lambda: app.tuning.values("task")["rules"][0]["pattern"] == r"(code)\b", "the new pattern"
        )
        assert not editor.error
        assert app.tuning.values("task")["rules"][1:] == rules[1:]

        # A new rule gets a task name, a placeholder pattern and a model; moving it up
        # makes it win first.
        await pilot.click(lst.query_one(".list-add", Button))
        await wait_for(pilot, lambda: len(app.tuning.values("task")["rules"]) == 6, "the new rule")
        new = app.tuning.values("task")["rules"][-1]
        assert new["task"] == "task1" and new["pattern"] and new["model"] in MODELS
        await pilot.click(row(lst, 5).query_one(".list-up", Button))
        await wait_for(pilot, lambda: app.tuning.values("task")["rules"][4] == new, "the move up")


async def test_a_negative_weight_is_refused_inline() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        _screen, editor, lst = await tune(pilot, "loadbalance", "weights")
        assert lst.rows == [] and app.tuning.values("loadbalance")["weights"] == {}
        await pilot.click(lst.query_one(".list-add", Button))
        # The new row's model (the first in the catalog) is not in the group: the strategy says so.
        await wait_for(pilot, lambda: "not in group 'gpt-4o'" in editor.error, "the strategy's reason")
        assert app.tuning.values("loadbalance")["weights"] == {}
        assert not lst.rows[0].query(".list-up")  # weights are not ordered
        row(lst, 0).query_one(Select).value = "openrouter-gpt-4o"  # as picking it in the list does
        await wait_for(pilot, lambda: app.tuning.values("loadbalance")["weights"] == {"openrouter-gpt-4o": 1.0},
                       "a new weight")
        assert not editor.error

        number = row(lst, 0).query_one(".list-number", Input)
        await pilot.click(number)
        await pilot.press("home", "ctrl+k", "minus", "2")
        await wait_for(pilot, lambda: "must not be negative" in editor.error, "the inline reason")
        assert editor.error == "loadbalance.weights: weights must not be negative"
        assert app.tuning.values("loadbalance")["weights"] == {"openrouter-gpt-4o": 1.0}
        await pilot.press("home", "ctrl+k", "3")
        await wait_for(pilot, lambda: app.tuning.values("loadbalance")["weights"] == {"openrouter-gpt-4o": 3.0},
                       "weight 3")
        assert not editor.error


async def test_ab_test_variants_refuse_a_model_listed_twice() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        _screen, editor, lst = await tune(pilot, "abtest", "variants")
        variants = app.tuning.values("abtest")["variants"]
        assert variants == ABTestStrategy.params[0].default
        first, second = list(variants)
        row(lst, 1).query_one(Select).value = first  # as picking it in the list does
        await wait_for(pilot, lambda: "listed twice" in editor.error, "the duplicate to be refused")
        assert editor.error == f"variants: {first} is listed twice; each model once"
        assert app.tuning.values("abtest")["variants"] == variants
        row(lst, 1).query_one(Select).value = second
        await wait_for(pilot, lambda: not editor.error, "the error to clear")
        # A weight that is not a number is refused with the strategy's reason.
        number = row(lst, 0).query_one(".list-number", Input)
        await pilot.click(number)
        await pilot.press("home", "ctrl+k", *"abc")
        await wait_for(pilot, lambda: "is not a valid weights" in editor.error, "the reason")
        assert app.tuning.values("abtest")["variants"] == variants
