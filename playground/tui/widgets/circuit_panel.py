"""Every endpoint's circuit breaker, live: state, failure rate over its
window, calls in the window, and for OPEN a countdown to HALF_OPEN.
Transitions flash briefly; state reaches CSS as one class per row.

A drawer at the bottom of the screen (over the columns, which keep their
width); rows flow into as many side-by-side lists as the width allows."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive, var
from textual.widgets import Static

from playground.engine.breaker import BreakerSnapshot, BreakerState, BreakerTransition
from playground.engine.health import HealthBoard
from playground.tui.css import css_beside
from playground.tui.widgets.key_hint import KeyHint

REFRESH_HZ = 4
# One list of rows per this many cells of width (a row is about 60 wide).
ROW_LIST_WIDTH = 64
FLASH_S = 1.2
_STATE_CLASS = {BreakerState.CLOSED: "-closed", BreakerState.OPEN: "-open", BreakerState.HALF_OPEN: "-half-open"}


def describe(snap: BreakerSnapshot, minimum_calls: int) -> str:
    """One line per endpoint that fits the panel, e.g.
    'gpt-4o               OPEN      fail 100%/20 · half-open in 7.3s'."""
    if snap.failure_rate is None:
        rate = f"{snap.failures}/{snap.calls} failed"
    else:
        rate = f"fail {snap.failure_rate:.0f}%/{snap.calls}"
        if snap.slow_calls:
            rate += f" slow {snap.slow_call_rate:.0f}%"
    extra = ""
    if snap.state is BreakerState.OPEN and snap.open_remaining_s is not None:
        extra = f" · half-open in {snap.open_remaining_s:.1f}s"
    elif snap.state is BreakerState.HALF_OPEN:
        extra = f" · {snap.half_open_permits_left} probes left"
    name = snap.name if len(snap.name) <= 20 else snap.name[:19] + "…"
    return f"{name:<20} {snap.state:<9} {rate}{extra}"


class BreakerRow(Static):
    state: var[BreakerState] = var(BreakerState.CLOSED)
    flashing: reactive[bool] = reactive(False, toggle_class="-flash")

    def __init__(self) -> None:
        super().__init__(markup=False, classes=f"breaker-row {_STATE_CLASS[BreakerState.CLOSED]}")

    def show(self, snap: BreakerSnapshot, minimum_calls: int) -> None:
        self.update(describe(snap, minimum_calls), layout=False)
        self.state = snap.state

    def watch_state(self, old: BreakerState, new: BreakerState) -> None:
        self.classes = (self.classes - {_STATE_CLASS[old]}) | {_STATE_CLASS[new]}

    def flash(self) -> None:
        self.flashing = True
        self.set_timer(FLASH_S, self._unflash)

    def _unflash(self) -> None:
        self.flashing = False


class CircuitPanel(Vertical):
    """Reads the engine's `HealthBoard`; `attach` it once the engine exists."""

    DEFAULT_CSS = css_beside(__file__, "circuit_panel.tcss")

    opened: reactive[bool] = reactive(False, toggle_class="-open")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.health: HealthBoard | None = None
        self._rows: dict[str, BreakerRow] = {}
        self.transitions: list[BreakerTransition] = []

    def compose(self) -> ComposeResult:
        yield Static("Circuit breakers", classes="panel-title", markup=False)
        yield Static("No calls yet.", id="circuit-empty", markup=False)
        yield VerticalScroll(id="circuit-rows")
        yield KeyHint("{toggle_circuits} closes", classes="panel-help")

    def on_mount(self) -> None:
        self._ticker = self.set_interval(1 / REFRESH_HZ, self.refresh_rows, pause=True)

    def on_resize(self) -> None:
        self.query_one("#circuit-rows").styles.grid_size_columns = max(1, self.size.width // ROW_LIST_WIDTH)

    def watch_opened(self, opened: bool) -> None:
        # Countdowns only tick while someone can see them.
        if opened:
            self.refresh_rows()
            self._ticker.resume()
        else:
            self._ticker.pause()

    def attach(self, health: HealthBoard) -> None:
        if self.health is not None:
            self.health.remove_listener(self._on_transition)
        self.health = health
        health.add_listener(self._on_transition)
        self.refresh_rows()

    def detach(self) -> None:
        if self.health is not None:
            self.health.remove_listener(self._on_transition)
            self.health = None

    def on_unmount(self) -> None:
        self.detach()

    def _on_transition(self, transition: BreakerTransition) -> None:
        # Called from the engine on the app's event loop: safe to touch widgets.
        self.transitions.append(transition)
        self.refresh_rows()
        row = self._rows.get(transition.name)
        if row is not None:
            row.flash()

    def refresh_rows(self) -> None:
        if self.health is None or not self.is_mounted:
            return
        config = self.health.config
        self.query_one(".panel-title", Static).update(
            f"Circuit breakers · open at ≥{config.failure_rate_threshold:g}% of ≥{config.minimum_calls} calls, "
            f"wait {config.wait_in_open_s:g}s")
        container = self.query_one("#circuit-rows", VerticalScroll)
        snapshots = self.health.snapshots()
        self.query_one("#circuit-empty", Static).display = not snapshots
        minimum = self.health.config.minimum_calls
        for snap in snapshots:
            row = self._rows.get(snap.name)
            if row is None:
                row = BreakerRow()
                self._rows[snap.name] = row
                container.mount(row)
            row.show(snap, minimum)

    def row_text(self, endpoint: str) -> str:
        """The line shown for an endpoint ("" before its first call)."""
        row = self._rows.get(endpoint)
        return "" if row is None else str(row.render())

    def state_of(self, endpoint: str) -> str | None:
        """The state shown for an endpoint (tests read what the user sees)."""
        row = self._rows.get(endpoint)
        if row is None:
            return None
        return next((str(state) for state, css in _STATE_CLASS.items() if row.has_class(css)), None)
