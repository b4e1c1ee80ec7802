"""The evaluation screen's cost–quality plot (textual-plotext): one point per
strategy setting, a line per sweep, the random-routing line, the best single
model and the oracle marked, the Pareto front drawn over them; for a live
run, one point per strategy (those with a reference to score against).

The legend is not drawn inside the plot (plotext puts it in a corner, over
the cheapest points: the oracle's among them) but in `PlotLegend` below it.
`series` names what is drawn (legend labels, in drawing order) so tests and
screen readers can check the plot without reading pixels; `entries` holds
the same with each one's marker and colour, for the legend.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import Static
from textual_plotext import PlotextPlot

from playground.eval.metrics import Metrics
from playground.eval.plot_points import CostQualityPlot, PlotPoint

PARETO = "Pareto front"
RANDOM = "random routing"
SELECTED = "selected"
ORACLE = "oracle (ceiling)"
# (plotext colour, the same colour for Rich): strategies take them in turn; the
# fixed marks (random grey, Pareto orange, best cyan, oracle green, selected red) stay apart.
PALETTE = (("blue", "blue"), ("magenta", "magenta"), ("yellow", "yellow"), ("blue+", "bright_blue"),
           ("magenta+", "bright_magenta"), ("yellow+", "bright_yellow"), ("white", "white"))
RICH = {"gray": "grey50", "orange": "dark_orange", "cyan": "cyan", "green": "green", "red": "red",
        **dict(PALETTE)}


@dataclass(frozen=True, slots=True)
class LegendEntry:
    marker: str
    color: str  # plotext's name
    label: str


def _xy(points: list[PlotPoint]) -> tuple[list[float], list[float]]:
    ordered = sorted(points, key=lambda p: (p.cost_per_1k, p.quality))
    return [p.cost_per_1k for p in ordered], [p.quality * 100 for p in ordered]


class EvalPlot(PlotextPlot):
    """Quality (%) against cost per 1,000 requests (USD)."""

    DEFAULT_CSS = """
    EvalPlot { height: 1fr; min-height: 8; }
    """

    class Drawn(Message):
        """The plot was redrawn: the legend shows `entries`."""

        def __init__(self, entries: list[LegendEntry]) -> None:
            super().__init__()
            self.entries = entries

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: CostQualityPlot | None = None
        self.live: tuple[str, list[PlotPoint]] | None = None  # (prompt set, scored strategies)
        self.selected: PlotPoint | None = None
        self.entries: list[LegendEntry] = []

    @property
    def series(self) -> list[str]:
        return [entry.label for entry in self.entries]

    def show(self, data: CostQualityPlot | None, selected: PlotPoint | None = None) -> None:
        self.data, self.live, self.selected = data, None, selected
        self._draw()

    def show_live(self, title: str, rows: Sequence[Metrics]) -> None:
        """A live run's strategies; rows without a reference to score against are left out."""
        points = [PlotPoint.of(row) for row in rows if not math.isnan(row.quality)]
        self.data, self.live, self.selected = None, (title, points), None
        self._draw()

    def select(self, point: PlotPoint | None) -> None:
        if point is not self.selected:
            self.selected = point
            self._draw()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("cost per 1,000 requests (USD)")
        plt.ylabel("quality %")
        self.entries = []
        data = self.data
        if self.live is not None:
            title, points = self.live
            plt.title(f"Cost against quality · live · {title}" + ("" if points else " · no reference to score"))
            self._routers(points)
        elif data is None:
            plt.title("Cost against quality: run an evaluation")
        else:
            self._replay(data)
        if self.selected is not None:
            self._mark([self.selected], "◉", "red", f"{SELECTED}: {self.selected.strategy}")
        self.post_message(self.Drawn(list(self.entries)))
        self.refresh()

    def _replay(self, data: CostQualityPlot) -> None:
        plt = self.plt
        plt.title(f"Cost against quality · {data.dataset} · {data.n} prompts"
                  + (" held out" if data.split else ""))
        cheap, dear = data.random_curve.cheap, data.random_curve.dear
        xs, ys = zip(*data.random_curve.points, strict=True)
        plt.plot(list(xs), [y * 100 for y in ys], marker="braille", color="gray")
        self.entries.append(LegendEntry("⣿", "gray", f"{RANDOM} ({cheap}↔{dear})"))
        self._routers(list(data.routers))
        front = list(data.frontier)
        if front:
            x, y = _xy(front)
            plt.plot(x, y, marker="braille", color="orange")
            plt.scatter(x, y, marker="★", color="orange")
            self.entries.append(LegendEntry("★", "orange", PARETO))
        self._mark([data.best_single], "■", "cyan", f"best single: {data.best_single.strategy.removeprefix('always ')}")
        self._mark([data.oracle], "◆", "green", ORACLE)

    def _routers(self, points: list[PlotPoint]) -> None:
        by_strategy: dict[str, list[PlotPoint]] = defaultdict(list)
        for point in points:
            by_strategy[point.strategy].append(point)
        for index, (name, mine) in enumerate(by_strategy.items()):
            color = PALETTE[index % len(PALETTE)][0]
            if len(mine) > 1:  # a sweep: its settings joined in cost order
                x, y = _xy(mine)
                self.plt.plot(x, y, marker="braille", color=color)
            self._mark(mine, "●", color, name)

    def _mark(self, points: list[PlotPoint], marker: str, color: str, label: str) -> None:
        x, y = _xy(points)
        self.plt.scatter(x, y, marker=marker, color=color)
        self.entries.append(LegendEntry(marker, color, label))


class PlotLegend(Static):
    """The plot's legend, beside the plot rather than over its points."""

    DEFAULT_CSS = """
    PlotLegend { height: auto; max-height: 3; padding: 0 1; }
    """

    def show(self, entries: Sequence[LegendEntry]) -> None:
        text = Text()
        for index, entry in enumerate(entries):
            if index:
                text.append("   ")
            text.append(entry.marker, style=RICH.get(entry.color, ""))
            text.append(" " + entry.label)
        self.update(text)
