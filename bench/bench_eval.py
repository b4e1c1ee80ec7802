"""Evaluation speed: replay datasets with many strategies and sweeps.

1. pair: a 15,000-row two-model wide CSV (with responses, so cascades and
   ensembles replay), 10 strategies and a 50-step sweep of threshold.threshold.
   Cold (features computed and cached) under 5 s, warm (features from the
   cache) under 0.5 s.
2. long: a 400,000-row long-format CSV with 30 models (synthetic; 13 made-up
   models are added to a copy of the catalog), loaded and swept over 50 steps
   in under 60 s with peak RSS under 2 GB (measured in a child process).

Machines here are shared and noisy, so each figure is also printed as a ratio
against baselines measured in the same run: polars reading the same file
alone, and one numpy pass scoring a routing decision for every row. The last
line is one JSON object with every figure and "ok".

    python bench/bench_eval.py [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

PAIR_ROWS, LONG_ROWS, LONG_MODELS, SWEEP_STEPS = 15_000, 400_000, 30, 50
TARGETS = {"pair_cold_s": 5.0, "pair_warm_s": 0.5, "long_s": 60.0, "long_peak_rss_mb": 2048.0}
STRATEGIES = (
    "fixed",
    "complexity",
    "task",
    "cost",
    "fallback",
    "capability",
    "threshold",
    "abtest",
    "cascade",
    "ensemble",
)
PARAMS = {"ensemble": {"mode": "vote"}}
_WORDS = (
    "explain",
    "design",
    "prove",
    "write",
    "python",
    "function",
    "database",
    "capital",
    "story",
    "compare",
    "the",
    "a",
    "of",
    "and",
    "system",
    "cache",
    "latency",
    "why",
    "how",
    "list",
    "summarize",
    "debug",
    "error",
)


def _prompts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 40))) + f" #{i}" for i in range(n)]


def write_pair(path: Path, n: int) -> None:
    import polars as pl

    rng = np.random.default_rng(0)
    prompts = _prompts(n, 0)
    pl.DataFrame(
        {
            "prompt": prompts,
            "claude-opus-4-5": rng.random(n) < 0.9,
            "gpt-5-mini": rng.random(n) < 0.7,
            "claude-opus-4-5|total_cost": np.full(n, 0.01),
            "gpt-5-mini|total_cost": np.full(n, 0.001),
            "claude-opus-4-5_response": ["Yes. It is fine."] * n,
            "gpt-5-mini_response": np.where(rng.random(n) < 0.2, "I'm not sure, maybe.", "Yes. It is fine.").tolist(),
        }
    ).write_csv(path)


def _timed(fn: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def bench_pair(rows: int, steps: int) -> dict[str, Any]:
    import polars as pl

    from playground.core.catalog import default_catalog
    from playground.core.tokens import default_counter
    from playground.eval.costs import complete_costs
    from playground.eval.dataset_io import load_dataset
    from playground.eval.features_cache import cached_features
    from playground.eval.replay_run import EvalRequest, run_replay
    from playground.eval.sweep import parse_sweep
    from playground.strategies.registry import strategy_class

    catalog = default_catalog()
    counter = default_counter()
    counter.count_text("warm up")  # load the encoding outside the timing
    tmp = Path(tempfile.mkdtemp(prefix="bench-eval-"))
    os.environ["XDG_CACHE_HOME"] = str(tmp / "cache")
    path = tmp / "pair.csv"
    write_pair(path, rows)
    step = 1.0 / steps
    sweep = parse_sweep(f"threshold.threshold={step:.6f}:1.0:{step:.6f}")
    names = {f for n in STRATEGIES for f in strategy_class(n).features}

    def run() -> Any:
        data = load_dataset(path, {}, catalog)
        table, _ = cached_features(data.prompts, names, counter)
        data = complete_costs(data, table.tokens, catalog, counter)
        return run_replay(data, table, catalog, EvalRequest(list(STRATEGIES), PARAMS, [sweep]))

    cold_s, report = _timed(run)
    warm_s, _ = _timed(run)
    read_s, frame = _timed(lambda: pl.read_csv(path))
    choice = np.random.default_rng(1).integers(0, 2, rows)
    scores = np.column_stack([frame["claude-opus-4-5"].to_numpy(), frame["gpt-5-mini"].to_numpy()]).astype(float)
    numpy_s, _ = _timed(lambda: [scores[np.arange(rows), choice].mean() for _ in range(len(STRATEGIES) + steps)])
    return {
        "pair_rows": rows,
        "pair_settings": len(report.rows),
        "pair_skipped": report.skipped,
        "pair_cold_s": round(cold_s, 3),
        "pair_warm_s": round(warm_s, 3),
        "pair_warm_rows_per_s": round(rows * (len(STRATEGIES) + steps) / warm_s),
        "baseline_read_s": round(read_s, 4),
        "baseline_numpy_s": round(numpy_s, 4),
        "pair_warm_vs_read": round(warm_s / read_s, 1),
        "pair_warm_vs_numpy": round(warm_s / max(numpy_s, 1e-9), 1),
    }


def _extra_catalog(count: int) -> Any:
    from playground.core.catalog import default_catalog_raw, parse_catalog

    raw = default_catalog_raw()
    template = dict(raw["models"]["gpt-5-mini"])
    for i in range(count):
        raw["models"][f"bench-model-{i:02d}"] = {
            **template,
            "input_per_mtok": 0.1 + i * 0.2,
            "output_per_mtok": 0.4 + i * 0.8,
        }
    return parse_catalog(raw, "bench catalog")


def bench_long(rows: int, models: int, steps: int) -> dict[str, Any]:
    """Run in a child process so its peak RSS is its own."""
    import polars as pl

    from playground.core.tokens import default_counter
    from playground.eval.costs import complete_costs
    from playground.eval.dataset_io import load_dataset
    from playground.eval.features_cache import cached_features
    from playground.eval.replay_run import EvalRequest, run_replay
    from playground.eval.sweep import parse_sweep

    catalog = _extra_catalog(max(0, models - 17))
    ids = sorted(catalog.models)[:models]
    prompts_n = rows // len(ids)
    tmp = Path(tempfile.mkdtemp(prefix="bench-eval-long-"))
    os.environ["XDG_CACHE_HOME"] = str(tmp / "cache")
    path = tmp / "long.csv"
    prompts = _prompts(prompts_n, 2)
    rng = np.random.default_rng(3)
    pl.DataFrame(
        {
            "prompt_id": np.repeat(np.arange(prompts_n), len(ids)),
            "prompt": np.repeat(np.array(prompts, dtype=object), len(ids)),
            "model": np.tile(np.array(ids, dtype=object), prompts_n),
            "score": rng.random(prompts_n * len(ids)),
            "cost_usd": rng.random(prompts_n * len(ids)) / 100,
        }
    ).write_csv(path)
    counter = default_counter()
    counter.count_text("warm up")
    step = 1.0 / steps
    sweep = parse_sweep(f"threshold.threshold={step:.6f}:1.0:{step:.6f}")
    pair = ["claude-opus-4-5", "gpt-5-mini"]

    def run() -> Any:
        data = load_dataset(path, {}, catalog)
        table, _ = cached_features(data.prompts, (), counter)
        data = complete_costs(data, table.tokens, catalog, counter)
        return run_replay(data, table, catalog, EvalRequest([], {}, [sweep], pair=pair))

    total_s, report = _timed(run)
    read_s, _ = _timed(lambda: pl.read_csv(path))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "long_rows": prompts_n * len(ids),
        "long_models": len(ids),
        "long_settings": len(report.rows),
        "long_s": round(total_s, 3),
        "long_rows_per_s": round(prompts_n * len(ids) / total_s),
        "long_read_s": round(read_s, 3),
        "long_vs_read": round(total_s / read_s, 1),
        "long_peak_rss_mb": round(peak_mb, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, seconds: checks the benchmark runs")
    parser.add_argument("--part", choices=("long",), help=argparse.SUPPRESS)
    args = parser.parse_args()
    pair_rows, long_rows, steps = (600, 6_000, 5) if args.smoke else (PAIR_ROWS, LONG_ROWS, SWEEP_STEPS)
    if args.part == "long":
        print(json.dumps(bench_long(long_rows, LONG_MODELS, steps)))
        return 0
    figures = bench_pair(pair_rows, steps)
    print(
        f"pair: {pair_rows} rows, {len(STRATEGIES)} strategies + {steps}-step sweep: cold {figures['pair_cold_s']} s, "
        f"warm {figures['pair_warm_s']} s ({figures['pair_warm_vs_read']}x reading the CSV, "
        f"{figures['pair_warm_vs_numpy']}x the numpy baseline)"
    )
    child = subprocess.run(
        [sys.executable, __file__, "--part", "long", *(["--smoke"] if args.smoke else [])],
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        print(child.stderr, file=sys.stderr)
        return 1
    figures.update(json.loads((child.stdout or "").strip().splitlines()[-1]))
    print(
        f"long: {figures['long_rows']} rows x {figures['long_models']} models, {steps}-step sweep: "
        f"{figures['long_s']} s ({figures['long_vs_read']}x reading the CSV), peak RSS {figures['long_peak_rss_mb']} MB"
    )
    checks = {key: figures[key] <= limit for key, limit in TARGETS.items()}
    figures.update(
        {
            "targets": TARGETS,
            "checks": checks,
            "smoke": args.smoke,
            "ok": all(checks.values()) if not args.smoke else True,
        }
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
