"""Where people would rather look than read: cost and latency per column over
the session's runs, and each endpoint's circuit breaker over time
(textual-plotext). The series come from the history store's runs of this
session (so from the engine's events), not from widget state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from playground.history import StoredRun

# Breaker states as heights on the timeline.
LEVELS = {"CLOSED": 0, "HALF_OPEN": 1, "OPEN": 2}


@dataclass
class SessionSeries:
    """Per strategy: (run number, value); per endpoint: (seconds, level) steps."""

    cost: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    latency: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    breakers: dict[str, list[tuple[float, int]]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.cost


def _state(value: object) -> str:
    return str(value).rsplit(".", 1)[-1].upper()


def session_series(runs: Sequence[StoredRun], started: float) -> SessionSeries:
    """The series for runs in sending order; times are seconds since `started`."""
    series = SessionSeries()
    changes: list[tuple[float, str, int]] = []
    for number, run in enumerate(runs, start=1):
        for answer in run.answers:
            series.cost.setdefault(answer.strategy, []).append((number, answer.cost_usd))
            if answer.latency_ms is not None:
                series.latency.setdefault(answer.strategy, []).append((number, answer.latency_ms / 1000))
            for note in answer.notes:
                if note["kind"] == "BreakerChanged":
                    level = LEVELS.get(_state(note.get("new")), 0)
                    changes.append((note["at"] - started, str(note.get("endpoint")), level))
    # One breaker change is seen by every column that was running: keep it once.
    for at, endpoint, level in sorted(set(changes)):
        steps = series.breakers.setdefault(endpoint, [(0.0, 0)])
        if steps[-1][1] != level:
            steps.append((max(at, steps[-1][0]), level))
    return series


def _step_xy(steps: list[tuple[float, int]], until: float) -> tuple[list[float], list[int]]:
    xs, ys = [], []
    for i, (at, level) in enumerate(steps):
        if i:
            xs.append(at)
            ys.append(steps[i - 1][1])
        xs.append(at)
        ys.append(level)
    xs.append(max(until, xs[-1]))
    ys.append(ys[-1])
    return xs, ys


class PlotsScreen(ModalScreen[None]):
    """Cost, latency and breakers over this session (F10)."""

    DEFAULT_CSS = """
    PlotsScreen { align: center middle; }
    PlotsScreen > Vertical { width: 95%; height: 95%; background: $surface; border: round $primary; }
    PlotsScreen #plots-hint { color: $text-muted; padding: 0 1; height: 1; }
    PlotsScreen Grid { grid-size: 2 2; grid-rows: 1fr 1fr; }
    PlotsScreen #plot-breakers { column-span: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f10,q", "dismiss", "Close", id="close_plots"),
    ]

    def __init__(self, series: SessionSeries, elapsed_s: float) -> None:
        super().__init__()
        self.series = series
        self.elapsed_s = elapsed_s

    def compose(self) -> ComposeResult:
        with Vertical():
            hint = ("No run in this session yet: send a prompt first." if self.series.empty else
                    "This session, run by run · Esc closes")
            yield Static(hint, id="plots-hint", markup=False)
            with Grid():
                yield PlotextPlot(id="plot-cost")
                yield PlotextPlot(id="plot-latency")
                yield PlotextPlot(id="plot-breakers")

    def on_mount(self) -> None:
        self._lines("#plot-cost", "Cost per run ($)", self.series.cost)
        self._lines("#plot-latency", "Latency per run (s)", self.series.latency)
        plot = self.query_one("#plot-breakers", PlotextPlot)
        plt = plot.plt
        plt.title("Circuit breakers over time (s since start)")
        plt.yticks(list(LEVELS.values()), list(LEVELS))
        plt.ylim(-0.2, 2.2)
        if not self.series.breakers:
            plt.title("Circuit breakers: every breaker CLOSED all session")
        for endpoint, steps in self.series.breakers.items():
            xs, ys = _step_xy(steps, self.elapsed_s)
            plt.plot(xs, ys, label=endpoint, marker="braille")

    def _lines(self, selector: str, title: str, data: dict[str, list[tuple[int, float]]]) -> None:
        plt = self.query_one(selector, PlotextPlot).plt
        plt.title(title)
        plt.xlabel("run")
        for strategy, points in data.items():
            xs = [x for x, _ in points]
            ys = [y for _, y in points]
            plt.plot(xs, ys, label=strategy, marker="braille")
            plt.scatter(xs, ys, marker="●")  # a single run is a point, not a line
        if data:
            runs = max(x for points in data.values() for x, _ in points)
            plt.xticks(list(range(1, runs + 1)))
