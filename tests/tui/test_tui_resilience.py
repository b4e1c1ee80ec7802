"""Issue 3 in the TUI: toggling a fault in the chaos panel changes the
circuit panel, live; the breaker closes again through HALF_OPEN once the
fault is cleared; columns list every attempt."""

from __future__ import annotations

import time

from textual.widgets import Input, Select, Static

from playground.engine.breaker import BreakerConfig
from playground.engine.retry import RetryPolicy
from playground.engine.runner import ResilienceConfig
from playground.engine.session import SessionOptions
from playground.tui.app import PlaygroundApp
from playground.tui.widgets.chaos_panel import ChaosPanel
from playground.tui.widgets.circuit_panel import CircuitPanel
from tests.helpers.tui import SIZE, ended, ready, screen_text, type_prompt, wait_for

# A breaker that opens after two failed calls and probes after a minute of
# the test's clock: the countdown stays on screen however slow the machine,
# and the test moves the clock on to end the wait.
WAIT_IN_OPEN_S = 60.0
QUICK = ResilienceConfig(
    retry=RetryPolicy(max_attempts=3, retries_per_model=0),
    breaker=BreakerConfig(window_size=4, minimum_calls=2, failure_rate_threshold=50, wait_in_open_s=WAIT_IN_OPEN_S,
                          half_open_calls=1),
)


class TestClock:
    """The breakers' clock: real time plus what the test skipped."""

    __test__ = False

    def __init__(self) -> None:
        self.skipped = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.skipped

    def advance(self, seconds: float) -> None:
        self.skipped += seconds


def app_with_fallback() -> PlaygroundApp:
    return PlaygroundApp(
        session_options=SessionOptions(force_sim=True, sim_speed=40, resilience=QUICK),
        strategies=["fallback"],
        strategy_values={"fallback": {"primary": "gpt-4o", "chain": "claude-sonnet-4-5"}},
    )


async def send(pilot, app: PlaygroundApp) -> None:
    """Send and wait for every column's new run to end (runs can be quicker than one poll)."""
    before = [c.current for c in app.main_screen.columns]
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: all(c.current is not b and ended(c)
                                      for c, b in zip(app.main_screen.columns, before, strict=True)),
                   "every column to finish a new run")


async def test_chaos_toggle_opens_the_breaker_and_clearing_closes_it() -> None:
    app = app_with_fallback()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f8")  # circuit panel
        await pilot.press("f9")  # chaos panel
        chaos = app.query_one(ChaosPanel)
        circuits = app.query_one(CircuitPanel)
        assert chaos.sim is not None
        chaos.set_fault("sim-gpt-4o", "down", True)
        assert "sim-gpt-4o:down=1" in screen_text(pilot) or chaos.spec.for_model("sim-gpt-4o").down
        await type_prompt(pilot, "Explain TCP slow start")
        # Two failed calls open it; send until it does (bounded), so a slow
        # machine cannot make the test depend on timing.
        engine = app.engine
        assert engine is not None
        clock = TestClock()
        engine.health.clock = clock  # before the first call creates the breakers
        for _ in range(6):
            await send(pilot, app)
            if engine.health.circuit_state("gpt-4o") == "OPEN":
                break
        last = app.main_screen.columns[0].current
        assert last is not None and last.result is not None
        attempts = [(a.model, a.outcome) for a in last.result.attempts]
        assert engine.health.circuit_state("gpt-4o") == "OPEN", attempts
        await wait_for(pilot, lambda: circuits.state_of("gpt-4o") == "OPEN", "gpt-4o's breaker to show OPEN")
        # The row's own line: with the drawer beside the chaos panel, other
        # endpoints' rows (more of them on a loaded machine) may scroll it out of view.
        await wait_for(pilot, lambda: "half-open in" in circuits.row_text("gpt-4o"), "the countdown in gpt-4o's row")
        column = app.main_screen.columns[0]
        assert column.current is not None and column.current.status == "done"  # the fallback answered
        # The outage ends: after the wait the breaker probes and closes.
        chaos.set_fault("sim-gpt-4o", "down", False)
        clock.advance(WAIT_IN_OPEN_S)
        await wait_for(pilot, lambda: circuits.state_of("gpt-4o") == "HALF_OPEN", "HALF_OPEN after the wait",
                       timeout=10)
        await send(pilot, app)
        await wait_for(pilot, lambda: circuits.state_of("gpt-4o") == "CLOSED", "gpt-4o's breaker to close")
        assert [t.new for t in circuits.transitions if t.name == "gpt-4o"] == ["OPEN", "HALF_OPEN", "CLOSED"]


async def test_the_chaos_form_is_built_when_the_panel_first_opens_and_shows_faults_set_before() -> None:
    app = app_with_fallback()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        chaos = app.query_one(ChaosPanel)
        assert not chaos.query("#chaos-form")  # start-up does not pay for a form most sessions never open
        chaos.set_fault("sim-gpt-4o", "cut", 0.5)  # as a test or a script does, with the panel closed
        await pilot.press("f9")
        assert chaos.opened and app.focused is chaos.query_one("#chaos-model", Select)
        assert chaos.query_one("#chaos-cut", Input).value == "0"  # every model's settings: no cut there
        assert "active: sim-gpt-4o:cut=0.5" in str(chaos.query_one("#chaos-spec", Static).visual)
        chaos.query_one("#chaos-model", Select).value = "sim-gpt-4o"
        await wait_for(pilot, lambda: chaos.query_one("#chaos-cut", Input).value == "0.5", "the model's cut")
        await pilot.press("f9")
        assert not chaos.opened and app.focused is app.main_screen.prompt_area
        await pilot.press("f9")
        assert chaos.opened and len(chaos.query("#chaos-form")) == 1  # built once


async def test_chaos_panel_refuses_a_bad_value_with_a_reason() -> None:
    app = app_with_fallback()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f9")
        chaos = app.query_one(ChaosPanel)
        chaos.query_one("#chaos-server_error", Input).value = "1.5"
        await pilot.click("#chaos-apply")
        await wait_for(pilot, lambda: any("probability" in n.message for n in app._notifications),
                       "an error notification")
        assert not chaos.spec.everywhere.active  # nothing was applied


async def test_broken_stream_keeps_the_partial_answer_marked_abandoned_and_lists_attempts() -> None:
    app = PlaygroundApp(
        session_options=SessionOptions(force_sim=True, sim_speed=40),
        strategies=["fallback"],
        strategy_values={"fallback": {"primary": "claude-opus-4-5", "chain": "gpt-5-4"}},
    )
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.query_one(ChaosPanel).set_fault("sim-claude-opus-4-5", "cut", 1.0)
        await type_prompt(pilot, "Explain how a bloom filter works")
        await send(pilot, app)
        run = app.main_screen.columns[0].current
        assert run is not None and run.status == "done"
        shown = "".join(run.written)
        assert "the partial answer above was abandoned (connection;" in shown
        assert "| # | call | model | outcome | time | cost |" in shown
        assert "| claude-opus-4-5 | ✗ connection (partial) |" in shown
        assert "| gpt-5-4 | ✓ ok |" in shown
        # The partial attempts' cost is part of the column's total.
        assert run.result is not None and run.result.wasted_cost_usd > 0
        assert run.result.cost_usd > run.result.wasted_cost_usd


async def test_f4_opens_the_full_trace_of_every_column() -> None:
    from playground.tui.screens.trace import TraceScreen

    app = PlaygroundApp(session_options=SessionOptions(force_sim=True, sim_speed=40), strategies=["complexity", "cost"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await type_prompt(pilot, "Prove that the halting problem is undecidable, step by step")
        await send(pilot, app)
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, TraceScreen), "the trace screen")
        screen = app.screen
        assert isinstance(screen, TraceScreen)
        markdown = screen.markdown
        assert "## complexity → " in markdown and "## cost → " in markdown
        assert "**Why:** complexity" in markdown and '"thresholds"' in markdown  # details of the decision
        assert "| candidate | score | chosen | note |" in markdown
        assert "| # | call | model | outcome | TTFT |" in markdown and "**Total:**" in markdown
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TraceScreen), "the trace screen to close")


async def test_palette_cache_toggle_serves_a_repeat_from_the_cache() -> None:
    app = PlaygroundApp(session_options=SessionOptions(force_sim=True, sim_speed=40), strategies=["fixed"])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.action_toggle_cache()
        assert app.engine is not None and app.engine.cache.config.enabled
        await type_prompt(pilot, "What is a bloom filter?")
        await send(pilot, app)
        first = app.main_screen.columns[0].current.result  # type: ignore[union-attr]
        await send(pilot, app)
        second = app.main_screen.columns[0].current.result  # type: ignore[union-attr]
        assert first is not None and second is not None
        assert first.cost_usd > 0 and second.cost_usd == 0
        assert second.cache is not None and second.cache.hit and second.text == first.text
