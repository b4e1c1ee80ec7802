"""Fitting real terminals: compact mode at 80×24, paging columns that do not
fit with a bar saying how many are off screen, maximising one column, the
side panels over the columns, and keys shown as they are bound (a keymap)."""

from __future__ import annotations

from textual.widgets import Static

from playground.tui.screens.main import _TURNS as TURNS
from playground.tui.widgets.chaos_panel import ChaosPanel
from playground.tui.widgets.circuit_panel import CircuitPanel
from playground.tui.widgets.column import StrategyColumn
from playground.tui.widgets.columns_row import PageBar
from tests.helpers.tui import (
    SIZE,
    SLOW,
    ended,
    footer_line,
    ready,
    screen_text,
    sim_app,
    static_text,
    type_prompt,
    wait_for,
)

EIGHT = ["fixed", "complexity", "task", "cost", "fallback", "loadbalance", "capability", "threshold"]


async def test_compact_at_80x24_gives_the_answers_the_rows_and_toggles() -> None:
    app = sim_app(strategies=["fixed", "cost"])
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        main = app.main_screen
        assert main.compact and main.has_class("-compact")
        column = main.column("fixed")
        assert not column.query_one("#reason").display  # the header is one line shorter
        await wait_for(pilot, lambda: "^s Send" in footer_line(pilot), "the footer")
        keys = footer_line(pilot)
        assert "^s Send" in keys and "esc Stop" in keys and "^\\ Compact" in keys and "^p palette" in keys
        assert "f8 Circuits" not in keys  # still bound, listed in the palette
        # Most of the screen is the answer: the prompt is one line, the header two.
        await type_prompt(pilot, "Compare quicksort and mergesort for nearly sorted data")
        main.action_send()
        await wait_for(pilot, lambda: all(ended(c) for c in main.columns), "both columns")
        body = column.answer
        assert body.size.height >= 24 // 2, body.size
        assert main.prompt_area.size.height <= 2
        await pilot.press("ctrl+backslash")
        assert not main.compact and column.query_one("#reason").display
        await pilot.pause()
        assert body.size.height < 24 // 2  # the full layout leaves it less room
        await pilot.press("ctrl+backslash")
        assert main.compact


async def test_the_full_layout_on_a_large_terminal_is_not_compact() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert not app.main_screen.compact
        await wait_for(pilot, lambda: "f8 Circuits" in footer_line(pilot), "the full footer")


async def test_columns_that_do_not_fit_page_with_a_count_of_those_off_screen() -> None:
    app = sim_app(strategies=EIGHT)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        main = app.main_screen
        row, bar = main.row, main.query_one(PageBar)
        assert row.per_page == 4  # 160 cells: four readable columns
        assert [c.strategy.name for c in row.visible] == EIGHT[:4]
        assert [c.display for c in main.columns] == [True] * 4 + [False] * 4
        assert row.off_screen == (0, 4)
        await wait_for(pilot, lambda: "columns 1–4 of 8 · 4 more ▶" in screen_text(pilot), "the page bar")
        assert bar.shown and "alt+→" in static_text(bar)
        await pilot.press("alt+right")
        assert [c.strategy.name for c in row.visible] == EIGHT[4:]
        assert row.off_screen == (4, 0)
        await wait_for(pilot, lambda: "◀ 4 more · columns 5–8 of 8" in screen_text(pilot), "the next page")
        assert "threshold" in screen_text(pilot) and "fixed " not in screen_text(pilot)
        await pilot.press("alt+left")
        assert row.off_screen == (0, 4)
        # Removing columns until they fit hides the bar.
        for name in EIGHT[4:]:
            main.action_toggle_strategy(name)
        await wait_for(pilot, lambda: len(main.columns) == 4, "four columns")
        await wait_for(pilot, lambda: not bar.shown, "the bar to go")
        assert all(c.display for c in main.columns)


async def test_a_column_off_the_page_draws_nothing_until_paged_into_view() -> None:
    """Off the page a column keeps streaming but paints nothing (a hidden
    widget's repaint rebuilds Textual's map of the screen); paged into view,
    it shows everything its run received so far; stopped, every column shows
    all its run received."""
    app = sim_app(speed=SLOW, strategies=EIGHT)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        main = app.main_screen
        await type_prompt(pilot, "Write a long essay about distributed consensus algorithms")
        await pilot.press("ctrl+s")
        shown, hidden = main.column(EIGHT[0]), main.column(EIGHT[4])
        assert not hidden.display

        def streaming(column: StrategyColumn) -> bool:
            run = column.current
            return run is not None and run.running and len(run.displayed) > 40

        await wait_for(pilot, lambda: streaming(hidden) and bool(shown.answer.text), "text in both columns")
        run = hidden.current
        assert run is not None
        received = run.displayed
        frame = main._frames
        await wait_for(pilot, lambda: main._frames > frame + TURNS, "every column's turn to draw")
        assert run.running and hidden.answer.text == "" and received  # streamed, not drawn
        await pilot.press("alt+right")
        assert hidden.display
        drawn = hidden.answer.text
        assert drawn.startswith(received) and run.displayed.startswith(drawn)  # all of it so far, in order
        main.action_stop()  # the partial answers are drawn whole, off the page too
        await wait_for(pilot, lambda: all(ended(c) for c in main.columns), "every column to end")
        for column in main.columns:
            assert column.current is not None
            assert column.answer.text == column.current.displayed, column.strategy.name


async def test_one_key_maximises_a_column_and_restores_them_all() -> None:
    app = sim_app(strategies=["fixed", "complexity", "cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        main = app.main_screen
        await pilot.press("ctrl+f")
        assert main.row.maximized == "fixed"
        assert [c.display for c in main.columns] == [True, False, False]
        await pilot.pause()
        fixed = main.column("fixed")
        assert fixed.size.width > SIZE[0] - 10  # the whole row
        await wait_for(pilot, lambda: "⛶ fixed maximised (1 of 3)" in screen_text(pilot), "the maximised bar")
        await pilot.press("alt+right")  # the next column, still maximised
        assert main.row.maximized == "complexity"
        await pilot.press("ctrl+f")
        assert main.row.maximized is None and all(c.display for c in main.columns)
        await wait_for(pilot, lambda: "maximised" not in screen_text(pilot), "the bar to go")


async def test_side_panels_open_over_the_columns_without_narrowing_them() -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        main = app.main_screen
        widths = [c.size.width for c in main.columns]
        panels = (("f2", main.picker), ("f8", main.query_one(CircuitPanel)), ("f9", main.query_one(ChaosPanel)))
        for key, panel in panels:
            await pilot.press(key)
            await pilot.pause()
            assert panel.opened and panel.display
            assert [c.size.width for c in main.columns] == widths, key
            await pilot.press(key)
            assert not panel.opened


async def test_a_remapped_key_is_shown_remapped_and_works() -> None:
    app = sim_app(strategies=["cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        main = app.main_screen
        app.set_keymap({"send": "f6", "toggle_strategies": "f10"})
        await wait_for(pilot, lambda: "f6 Send" in footer_line(pilot), "the footer to show the new key")
        keys = footer_line(pilot)
        assert "^s Send" not in keys and "f10 Strategies" in keys
        hint = static_text(main.query_one("#prompt-hint", Static))
        assert "f6 sends" in hint and "f10 strategies" in hint
        from playground.tui.commands import playground_commands

        helps = {title: help_text for title, help_text, _ in playground_commands(app)}
        assert helps["Send prompt"].endswith("(f6)")
        await type_prompt(pilot, "hello")
        await pilot.press("f6")
        await wait_for(pilot, lambda: ended(main.column("cost")), "f6 to send")
