"""Issue 4 in the TUI: an ensemble column shows every member's stream, the
verdict and which member answered, against the real simulator."""

from __future__ import annotations

from textual.widgets import Static

from playground.engine.session import SessionOptions
from playground.tui.app import PlaygroundApp
from playground.tui.widgets.column import StrategyColumn
from playground.tui.widgets.members import MemberPane, MembersPanel
from tests.helpers.tui import FAST, SIZE, ended, ready, screen_text, static_text, type_prompt, wait_for

MEMBERS = ("gpt-5-mini", "claude-haiku-4-5", "gpt-4o-mini")


def ensemble_app(mode: str, members: tuple[str, ...], *, speed: float = FAST, faults: str | None = None,
                 strategies: tuple[str, ...] = ("ensemble",)) -> PlaygroundApp:
    return PlaygroundApp(
        session_options=SessionOptions(force_sim=True, sim_speed=speed, sim_faults=faults),
        strategies=list(strategies),
        strategy_values={"ensemble": {"mode": mode, "members": ",".join(members)}},
    )


def panes(column: StrategyColumn) -> dict[str, MemberPane]:
    return {pane.member.model: pane for pane in column.query_one("#members", MembersPanel).panes}


def pane_text(pane: MemberPane) -> str:
    """The pane's body as shown (its Markdown source)."""
    return pane.text


def verdict(column: StrategyColumn) -> str:
    return static_text(column.query_one("#members #verdict", Static))


async def send_and_finish(pilot, app: PlaygroundApp, prompt: str) -> None:  # type: ignore[no-untyped-def]
    await type_prompt(pilot, prompt)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: all(ended(c) for c in app.main_screen.columns), "every column to finish")
    await wait_for(pilot, lambda: all(c.current is not None and c.current.finished.is_set()
                                      for c in app.main_screen.columns),
                   "every column to flush")
    await pilot.pause()


async def test_vote_shows_every_member_the_verdict_and_the_winner() -> None:
    app = ensemble_app("vote", MEMBERS, strategies=("ensemble", "fixed"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        column = app.main_screen.column("ensemble")
        await type_prompt(pilot, "Is 2024 a leap year?")
        await pilot.press("ctrl+s")
        # The members are listed as soon as the strategy decides, before any text.
        await wait_for(pilot, lambda: set(panes(column)) == set(MEMBERS), "a pane per member")
        await wait_for(pilot, lambda: all(ended(c) for c in app.main_screen.columns), "every column to finish")
        await wait_for(pilot, lambda: column.current.finished.is_set(), "the column to flush")  # type: ignore[union-attr]
        await pilot.pause()

        run = column.current
        assert run is not None and run.status == "done" and run.result is not None
        shown = panes(column)
        assert list(shown) == list(MEMBERS)
        for model, pane in shown.items():
            record = next(a for a in run.result.attempts if a.model == model)
            assert pane.member.status == "ok" and pane.has_class("-ok")
            title = str(pane.border_title)
            assert model in title and title.lstrip("★ ").startswith("✓") and " tok · $" in title
            assert pane_text(pane).strip() and pane_text(pane) == record.text
        winner = run.result.final
        assert winner is not None
        assert [m for m, p in shown.items() if p.has_class("-winner")] == [winner.model]
        assert str(shown[winner.model].border_title).startswith(" ★ ✓ ")
        text = verdict(column)
        assert "✓ vote: " in text and " voted " in text and f"★ answer from {winner.model}" in text
        # The answer area still shows the delivered answer.
        assert column.shown_text == run.displayed
        assert run.displayed.startswith(run.result.text)
        screen = screen_text(pilot)
        assert all(m in screen for m in MEMBERS) and "✓ vote: " in screen and "★ ✓ " in screen
        # A single-call strategy shows no members panel.
        fixed = app.main_screen.column("fixed").query_one("#members", MembersPanel)
        assert not fixed.has_class("-active") and fixed.panes == [] and not fixed.display


async def test_a_failing_member_shows_failed_while_the_ensemble_answers() -> None:
    members = ("gpt-4o", "gpt-5-mini", "claude-haiku-4-5")
    app = ensemble_app("vote", members, faults="sim-gpt-4o:down=1")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        column = app.main_screen.column("ensemble")
        await send_and_finish(pilot, app, "Is 2024 a leap year?")
        run = column.current
        assert run is not None and run.status == "done"
        shown = panes(column)
        down = shown["gpt-4o"]
        assert down.member.status == "failed" and down.has_class("-failed") and not down.has_class("-winner")
        assert str(down.border_title).startswith(" ✗ gpt-4o") and "failed" in str(down.border_title)
        assert "✗ " in pane_text(down)
        for model in ("gpt-5-mini", "claude-haiku-4-5"):
            assert shown[model].member.status == "ok" and pane_text(shown[model]).strip()
        assert sum(p.has_class("-winner") for p in shown.values()) == 1
        assert "(1 member(s) failed)" in verdict(column) and "★ answer from" in verdict(column)
        assert "✗ gpt-4o" in screen_text(pilot)


async def test_race_shows_the_winner_and_the_cancelled_losers() -> None:
    # gpt-5-nano answers first; the slow flagship, streaming for a second by then, is cancelled mid-way.
    # Held apart by the simulator's clock, not the machine's: nano's first token waits an extra second
    # (its whole answer then takes about one more at speed 2), opus starts answering after about half a
    # second and needs several. Both SDKs are loaded first, or on a busy machine nano could finish
    # while opus's provider was still being imported, and opus would never start.
    app = ensemble_app("race", ("gpt-5-nano", "claude-opus-4-5"), speed=2, faults="gpt-5-nano:latency_ms=1000")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: bool(app.preloaded), "both providers' SDKs to load")
        column = app.main_screen.column("ensemble")
        await send_and_finish(pilot, app, "Explain the difference between a process and a thread.")
        run = column.current
        assert run is not None and run.status == "done" and run.result is not None
        shown = panes(column)
        nano, opus = shown["gpt-5-nano"], shown["claude-opus-4-5"]
        assert nano.has_class("-winner") and str(nano.border_title).startswith(" ★ ✓ gpt-5-nano")
        assert opus.member.status == "cancelled" and opus.has_class("-cancelled")
        assert "cancelled" in str(opus.border_title)
        loser = next(a for a in run.result.attempts if a.model == "claude-opus-4-5")
        assert loser.outcome == "cancelled"
        text = verdict(column)
        assert "race: gpt-5-nano answered first; cancelled claude-opus-4-5" in text
        # It had started answering: its partial cost is shown and counted.
        assert loser.cost_usd > 0 and loser.text and pane_text(opus).startswith(loser.text)
        assert "partial" in str(opus.border_title) and "cancelled calls spent" in text
        assert column.shown_text == run.displayed


async def test_members_stream_live_and_are_replaced_by_the_next_run() -> None:
    app = ensemble_app("vote", MEMBERS, speed=2.0)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        column = app.main_screen.column("ensemble")
        await type_prompt(pilot, "Explain the CAP theorem step by step")
        app.main_screen.action_send()  # see test_tui_app: pilot.press waits for an idle app
        await wait_for(pilot, lambda: any(p.member.status == "streaming" and pane_text(p).strip()
                                          for p in panes(column).values()), "a member pane to stream")
        streaming = next(p for p in panes(column).values() if p.member.status == "streaming")
        assert "● " in str(streaming.border_title) and "streaming" in str(streaming.border_title)
        assert "waiting for the calls" in verdict(column)
        first = column.current
        app.main_screen.action_stop()
        await wait_for(pilot, lambda: ended(column), "the run to stop")
        await pilot.pause()
        assert first is not None and first.status == "cancelled"
        assert all(p.member.status in ("cancelled", "ok", "unused") for p in panes(column).values())
        assert any(p.member.status == "cancelled" for p in panes(column).values())
        # A new run starts with new panes; the stopped run's are gone.
        old = set(panes(column).values())
        app.main_screen.action_send()
        await wait_for(pilot, lambda: column.current is not first and len(panes(column)) == 3
                       and not old & set(panes(column).values()), "the new run's panes")
        assert all(p.member.status in ("planned", "waiting", "streaming") for p in panes(column).values())
        app.main_screen.action_stop()
        await wait_for(pilot, lambda: ended(column), "the second run to stop")
        old = set(panes(column).values())
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: column.state == "idle", "the column to clear")
        await pilot.pause()
        assert panes(column) == {} and not column.query_one("#members", MembersPanel).has_class("-active")
        assert not any(p.is_attached for p in old)
