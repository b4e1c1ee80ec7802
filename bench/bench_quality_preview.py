"""Quality in the tuning preview: how long replaying one new setting on the
loaded dataset takes (what the tuning screen does on every accepted key press
once the evaluation screen has loaded a dataset).

Datasets: the shipped example outcomes (318 prompts, 6 models) and the same
rows repeated to 15,900 prompts (a dataset the size of a public router
benchmark). Each figure is the median over distinct threshold values (nothing
memoised), and also printed as a ratio to a baseline measured in the same run:
the cost-only preview over the built-in prompt set (what the tuning screen
already does on every key press).

Target: a new setting's figures under 50 ms on the big dataset, so the
preview follows a dragged threshold without a debounce. The last line is one
JSON object with every figure and "ok".

    python bench/bench_quality_preview.py [--repeat 50]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import numpy as np

from playground.core.catalog import default_catalog
from playground.core.tokens import default_counter
from playground.eval.preview import PreviewInputs, preview
from playground.eval.prompt_sets import builtin_prompt_set
from playground.eval.workbench import Workbench, load_replay
from playground.strategies.base import RoutingContext
from playground.strategies.registry import make_strategy

TARGET_MS = 50.0
STEPS = 40


def median_ms(fn: Callable[[float], object], values: list[float]) -> float:
    times = []
    for value in values:
        started = time.perf_counter()
        fn(value)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def scaled(bench: Workbench, repeat: int) -> Workbench:
    rows = np.tile(np.arange(bench.dataset.n), repeat)
    sub = bench.evaluator.subset(rows)
    return Workbench(bench.path, f"{bench.label} ×{repeat}", sub.dataset, sub.table, bench.catalog, bench.pair,
                     bench.cached, bench.example)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="copies of the example rows in the big dataset")
    args = parser.parse_args()
    catalog = default_catalog()
    counter = default_counter()
    small = load_replay(None, catalog, counter=counter)
    big = scaled(small, args.repeat)
    values = [round(0.05 + 0.9 * i / (STEPS - 1), 6) for i in range(STEPS)]

    inputs = PreviewInputs.measure(builtin_prompt_set().prompts, counter)
    context = RoutingContext.for_all(catalog)
    baseline = median_ms(lambda v: preview(make_strategy("threshold", catalog, {"threshold": v}), context, inputs),
                         values)
    figures: dict[str, float | int | bool | None] = {"baseline_preview_ms": round(baseline, 3)}
    for name, bench in (("example", small), ("big", big)):
        # A fresh evaluator: nothing memoised, every value replayed.
        bench = Workbench(bench.path, bench.label, bench.dataset, bench.table, catalog, bench.pair, bench.cached)
        took = median_ms(lambda v, b=bench: b.figures("threshold", {"threshold": v}), values)
        figures[f"{name}_rows"] = bench.dataset.n
        figures[f"{name}_ms"] = round(took, 3)
        figures[f"{name}_ratio"] = round(took / baseline, 3) if baseline else None
        print(f"{name:8} {bench.dataset.n:>7,} rows: {took:8.3f} ms per new setting "
              f"({took / baseline:.2f}× the cost-only preview of {baseline:.3f} ms)")
    figures["ok"] = took < TARGET_MS  # the last measured: the big dataset
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
