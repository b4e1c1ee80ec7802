"""What a column shows while and after it runs: the trace (F4) following a
running column live, ensemble members rendered as Markdown, and the table of
calls stacked in a narrow column."""

from __future__ import annotations

from playground.engine.session import SessionOptions
from playground.tui.app import PlaygroundApp
from playground.tui.screens.trace import TraceScreen
from playground.tui.widgets.answer_pane import AnswerPane
from playground.tui.widgets.chaos_panel import ChaosPanel
from playground.tui.widgets.markdown_view import MarkdownView
from playground.tui.widgets.members import MembersPanel
from tests.helpers.tui import FAST, SIZE, SLOW, ended, ready, sim_app, type_prompt, wait_for


def rows(pane: AnswerPane) -> list[str]:
    return [pane.row_text(i) for i in range(pane.row_count)]


async def test_f4_follows_a_running_column_live() -> None:
    app = sim_app(speed=SLOW, strategies=["fixed", "cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        main = app.main_screen
        fixed = main.column("fixed")
        await type_prompt(pilot, "Explain the CAP theorem step by step")
        main.action_send()  # see test_tui_app: pilot.press waits for an idle app
        await wait_for(pilot, lambda: fixed.current is not None and fixed.current.status == "streaming"
                       and fixed.current.output_tokens > 3, "the fixed column to stream")
        main.action_show_trace()  # what F4 runs
        await wait_for(pilot, lambda: isinstance(app.screen, TraceScreen), "the trace screen")
        screen = app.screen
        assert isinstance(screen, TraceScreen)
        first = screen.markdown
        assert "No run yet" not in first
        assert "## fixed → claude-opus-4-5 · *streaming," in first and "so far*" in first
        assert "**Why:** always claude-opus-4-5" in first  # the decision, before the run ends
        assert "streaming," in first and "tokens so far" in first
        # It keeps following: the token count moves, then the full trace replaces it.
        await wait_for(pilot, lambda: screen.markdown != first, "the trace to update while streaming")
        await wait_for(pilot, lambda: all(ended(c) for c in main.columns), "the runs to end", timeout=120)
        await wait_for(pilot, lambda: "**Total:**" in screen.markdown and "so far" not in screen.markdown,
                       "the final trace")
        assert "| # | call | model | outcome | TTFT |" in screen.markdown
        shown = "\n".join(line.plain for line in screen.query_one("#trace", MarkdownView).lines)
        assert "Total:" in shown and "claude-opus-4-5" in shown
        await pilot.press("escape")


async def test_ensemble_member_previews_render_markdown() -> None:
    app = PlaygroundApp(session_options=SessionOptions(force_sim=True, sim_speed=FAST), strategies=["ensemble"],
                        strategy_values={"ensemble": {"mode": "vote", "members": "gpt-5-mini,claude-haiku-4-5"}})
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        column = app.main_screen.column("ensemble")
        await type_prompt(pilot, "Write a python function to merge two sorted lists")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(column), "the ensemble", timeout=120)
        await pilot.pause()
        panes = column.query_one("#members", MembersPanel).panes
        assert len(panes) == 2
        for pane in panes:
            view = pane.query_one(MarkdownView)
            source, lines = view.source, [line.plain for line in view.lines]
            assert "**" in source and "\n- " in source and "```python" in source  # Markdown in...
            shown = "\n".join(lines)
            assert "**" not in shown and "```" not in shown  # ...rendered out
            assert any(line.startswith("• ") for line in lines)
            assert any(line.startswith("▎ def ") for line in lines)  # the code block, marked


async def test_the_table_of_calls_is_stacked_in_a_narrow_column_and_a_table_when_wide() -> None:
    app = PlaygroundApp(
        session_options=SessionOptions(force_sim=True, sim_speed=FAST),
        strategies=["fixed", "cost", "fallback"],
        strategy_values={"fallback": {"primary": "claude-opus-4-5", "chain": "gpt-5-4"}},
    )
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        main = app.main_screen
        main.query_one(ChaosPanel).set_fault("sim-claude-opus-4-5", "cut", 1.0)
        column = main.column("fallback")
        await type_prompt(pilot, "Explain how a bloom filter works")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: all(ended(c) for c in main.columns), "the runs")
        run = column.current
        assert run is not None and run.result is not None and len(run.result.attempts) >= 2
        pane = column.answer
        assert pane.size.width < 60
        await pilot.pause()
        shown = rows(pane)
        last = len(run.result.attempts)
        assert "#1 answer · claude-opus-4-5" in shown and f"#{last} answer · gpt-5-4" in shown
        assert any(line.startswith("  ✗ connection (partial) · ") for line in shown)
        assert not any("│" in line for line in shown)
        assert pane.source == run.displayed  # what is shown is what the run wrote
        main.row.toggle_maximized("fallback")
        await wait_for(pilot, lambda: pane.size.width >= 60, "the wide column")
        await pilot.pause()
        shown = rows(pane)
        header = next(line for line in shown if line.startswith("#") and "│" in line)
        assert "call" in header and "model" in header and "outcome" in header and "cost" in header
        assert any("claude-opus-4-5" in line and "✗ connection (partial)" in line and "│" in line for line in shown)
