"""How long a config file with many problems takes to report (issue #10.8:
2,000 invalid model entries once took 61 s, each problem rescanning the file).

The figure is `parse_policy_text` on a file of N invalid `[models.*]`
entries — validate, locate every problem's line, format the message — and,
because machines here are noisy, a ratio to `tomllib.loads` of the same text
measured in the same run (reading the file at all; no report can be faster).

Target: 10,000 problems in under 1 s.

    python bench/bench_config_errors.py [--problems 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tomllib

from playground.config.load import parse_policy_text
from playground.config.problems import ConfigError

TARGET_S = 1.0


def bad_models(count: int) -> str:
    return "".join(f'[models.m{i}]\nprovider = "openai"\ncontext_window = -{i + 1}\n' for i in range(count))


def timed(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--problems", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    text = bad_models(args.problems)

    def report() -> None:
        try:
            parse_policy_text(text, "bench.toml")
        except ConfigError as exc:
            assert len(exc.problems) == args.problems
            str(exc)
        else:
            raise AssertionError("the file should have had problems")

    baseline = timed(lambda: tomllib.loads(text), args.runs)
    figure = timed(report, args.runs)
    ok = figure < TARGET_S
    print(f"{args.problems:,} problems: reported in {figure * 1000:.0f} ms; reading the TOML alone "
          f"{baseline * 1000:.0f} ms ({figure / baseline:.1f}x); target < {TARGET_S:g} s: {'ok' if ok else 'FAIL'}")
    print(json.dumps({"bench": "config_errors", "problems": args.problems, "runs": args.runs,
                      "figure_s": round(figure, 4), "baseline_s": {"tomllib_loads": round(baseline, 4)},
                      "ratio": round(figure / baseline, 2), "target_s": TARGET_S, "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
