"""Preview recomputations per second: what the tuning screen does on every
key press, over the built-in prompt set (26 prompts) or a prompt file.

Machines here are noisy, so each figure is also printed as a ratio to a
baseline measured in the same run: one pass of bare `decide` calls of a
prebuilt complexity strategy over the set (the least any preview can do).
A "preview" builds a fresh strategy from its values (as the tuning screen
does), routes every prompt and tallies the planned calls and their cost.
"tuning step" is a whole key press: validate the new value, preview the
edited strategy, and re-pick the current prompt for the four default columns.

Target: a full preview well under 50 ms (dragging a threshold feels live).

    python bench/bench_preview.py [--seconds 0.5] [--prompts FILE]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from playground.core.catalog import default_catalog
from playground.core.tokens import TokenCounter
from playground.eval.preview import PreviewInputs, measure_prompt, pick, preview
from playground.eval.prompt_sets import builtin_prompt_set, load_prompt_set
from playground.eval.tuning import Tuning
from playground.sim.embeddings import embed_text
from playground.strategies.base import RoutingContext
from playground.strategies.registry import DEFAULT_STRATEGIES, STRATEGIES, make_strategy

TARGET_MS = 50.0


def rate(fn: Callable[[int], object], seconds: float) -> float:
    """Calls per second of fn(i), over at least `seconds`."""
    count, started = 0, time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        fn(count)
        count += 1
    return count / (time.perf_counter() - started)


def sim_embed(texts: list[str], model: str, dimensions: int | None) -> list[list[float]]:
    """The simulator's deterministic embeddings (what a simulated session embeds with)."""
    return [embed_text(t, dimensions or 1536, model=model) for t in texts]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="measuring time per figure")
    parser.add_argument("--prompts", default=None, help="prompt file (default: the built-in set)")
    args = parser.parse_args()
    catalog = default_catalog()
    context = RoutingContext.for_all(catalog)
    prompt_set = load_prompt_set(args.prompts) if args.prompts else builtin_prompt_set()
    counter = TokenCounter()
    counter.count_text("warm up")  # load the encoding outside the timing
    started = time.perf_counter()
    inputs = PreviewInputs.measure(prompt_set.prompts, counter, label=prompt_set.label, embed=sim_embed)
    measured_ms = (time.perf_counter() - started) * 1000
    print(f"prompt set: {prompt_set.label}; measured once in {measured_ms:.1f} ms ({counter.method})")

    prebuilt = make_strategy("complexity", catalog)
    routes = [item.route for item in inputs.items]
    baseline = rate(lambda i: [prebuilt.decide(r, context) for r in routes], args.seconds)
    print(f"{'figure':<22}{'per s':>10}{'ms each':>10}{'vs baseline':>13}  target < {TARGET_MS:g} ms")
    print(f"{'(baseline) decide pass':<22}{baseline:>10,.0f}{1000 / baseline:>10.2f}{1.0:>13.3f}")
    failures = 0

    def report(label: str, per_s: float) -> None:
        nonlocal failures
        ms = 1000 / per_s
        ok = ms < TARGET_MS
        failures += not ok
        print(f"{label:<22}{per_s:>10,.0f}{ms:>10.2f}{per_s / baseline:>13.3f}  {'ok' if ok else 'ABOVE TARGET'}")

    for name in STRATEGIES:
        strategy = make_strategy(name, catalog)
        preview(strategy, context, inputs)  # embeddings (learned) are computed once, on first use
        report(
            f"preview {name}", rate(lambda i, n=name: preview(make_strategy(n, catalog), context, inputs), args.seconds)
        )

    tuning = Tuning(catalog, {})
    current = measure_prompt(prompt_set.prompts[0], counter)

    def step(i: int) -> None:
        strategy = tuning.set("complexity", "high_threshold", 0.3 + (i % 40) / 100)
        preview(strategy, context, inputs)
        for column in DEFAULT_STRATEGIES:
            pick(tuning.strategy(column), context, current)

    report("tuning step", rate(step, args.seconds))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
