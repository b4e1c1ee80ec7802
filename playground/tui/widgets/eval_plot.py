"""The evaluation screen's cost–quality plot (textual-plotext): one point per
strategy setting, a line per sweep, the random-routing line, the best single
model and the oracle marked, the Pareto front drawn over them.

`series` names what is drawn (legend labels, in drawing order) so tests and
screen readers can check the plot without reading pixels.
"""

from __future__ import annotations

from collections import defaultdict

from textual_plotext import PlotextPlot

from playground.eval.plot_points import CostQualityPlot, PlotPoint

PARETO = "Pareto front"
RANDOM = "random routing"
SELECTED = "selected"


def _xy(points: list[PlotPoint]) -> tuple[list[float], list[float]]:
    ordered = sorted(points, key=lambda p: (p.cost_per_1k, p.quality))
    return [p.cost_per_1k for p in ordered], [p.quality * 100 for p in ordered]


class EvalPlot(PlotextPlot):
    """Quality (%) against cost per 1,000 requests (USD)."""

    DEFAULT_CSS = """
    EvalPlot { height: 1fr; min-height: 8; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: CostQualityPlot | None = None
        self.selected: PlotPoint | None = None
        self.series: list[str] = []

    def show(self, data: CostQualityPlot | None, selected: PlotPoint | None = None) -> None:
        self.data, self.selected = data, selected
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
        self.series = []
        data = self.data
        if data is None:
            plt.title("Cost against quality: run an evaluation")
            self.refresh()
            return
        plt.title(f"Cost against quality · {data.dataset} · {data.n} prompts")
        cheap, dear = data.random_curve.cheap, data.random_curve.dear
        xs, ys = zip(*data.random_curve.points, strict=True)
        self._line(list(xs), [y * 100 for y in ys], f"{RANDOM} ({cheap}↔{dear})", "gray")
        by_strategy: dict[str, list[PlotPoint]] = defaultdict(list)
        for point in data.routers:
            by_strategy[point.strategy].append(point)
        for name, points in by_strategy.items():
            x, y = _xy(points)
            if len(points) > 1:  # a sweep: its settings joined in cost order
                plt.plot(x, y, marker="braille")
            plt.scatter(x, y, marker="●", label=name)
            self.series.append(name)
        front = list(data.frontier)
        if front:
            x, y = _xy(front)
            self._line(x, y, PARETO, "orange")
            plt.scatter(x, y, marker="★", color="orange")
        best, oracle = data.best_single, data.oracle
        plt.scatter([best.cost_per_1k], [best.quality * 100], marker="■", color="cyan",
                    label=f"best single: {best.strategy.removeprefix('always ')}")
        self.series.append(f"best single: {best.strategy.removeprefix('always ')}")
        plt.scatter([oracle.cost_per_1k], [oracle.quality * 100], marker="◆", color="green", label="oracle (ceiling)")
        self.series.append("oracle (ceiling)")
        if self.selected is not None:
            plt.scatter([self.selected.cost_per_1k], [self.selected.quality * 100], marker="◉", color="red",
                        label=f"{SELECTED}: {self.selected.strategy}")
            self.series.append(SELECTED)
        self.refresh()

    def _line(self, xs: list[float], ys: list[float], label: str, color: str, marker: str = "braille") -> None:
        self.plt.plot(xs, ys, marker=marker, color=color, label=label)
        self.series.append(label)
