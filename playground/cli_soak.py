"""`playground soak`: many requests through one strategy against the
simulator with faults; every request must end (answered or failed), none
hung or lost."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from playground.cli_support import (
    FAULTS_HELP,
    MAX_OUTPUT_TOKENS_RANGE,
    SIM_SPEED_RANGE,
    add_param_flag,
    bounded_float,
    bounded_int,
    load_settings,
    strategy_overrides,
)
from playground.cli_views.output import EXIT_OK, EXIT_REQUEST_FAILED, emit_json, out

if TYPE_CHECKING:
    from playground.cli_views.progress import Progress
    from playground.eval.soak import SoakReport

MAX_REQUESTS = 100_000
MAX_CONCURRENCY = 10_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from playground.cli_sim import SEED_RANGE
    from playground.config.schema import MAX_IDLE_S, MAX_TOTAL_S

    parser.add_argument("--requests", "-n", type=bounded_int(1, MAX_REQUESTS), default=200,
                        help="number of requests (default 200)")
    parser.add_argument("--concurrency", "-c", type=bounded_int(1, MAX_CONCURRENCY), default=20,
                        help="requests in flight at once (default 20)")
    parser.add_argument("--strategy", "-s", default="fallback", metavar="NAME",
                        help="strategy to drive (default fallback)")
    add_param_flag(parser, "fallback.chain=gpt-4o,gpt-4o-mini")
    parser.add_argument("--faults", default="", metavar="SPEC", help=FAULTS_HELP)
    parser.add_argument("--seed", type=bounded_int(*SEED_RANGE), default=0,
                        help="seed for faults and retry jitter (repeatable runs)")
    parser.add_argument("--max-tokens", type=bounded_int(*MAX_OUTPUT_TOKENS_RANGE), default=200,
                        help="maximum output tokens per request (default 200)")
    parser.add_argument("--sim-speed", type=bounded_float(*SIM_SPEED_RANGE), default=10.0, metavar="X",
                        help="simulator time factor (default 10: ten times faster than the real models)")
    parser.add_argument("--idle-timeout", type=bounded_float(0, MAX_IDLE_S, low_open=True, unit=" s"), default=None,
                        metavar="S", help="stalled-stream timeout in seconds")
    parser.add_argument("--total-timeout", type=bounded_float(0, MAX_TOTAL_S, low_open=True, unit=" s"),
                        default=None, metavar="S", help="per-request total timeout in seconds")
    parser.add_argument("--json", action="store_true", help="print one JSON summary (and no progress bar)")


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from playground.cli_views.progress import progress_bar
    from playground.eval.soak import SoakProgress, soak
    from playground.launch import start_simulator
    from playground.strategies.registry import make_strategy

    overrides = strategy_overrides(args.param, [args.strategy])
    settings = load_settings(args)
    timeouts = settings.timeouts
    if args.idle_timeout is not None:
        timeouts = replace(timeouts, idle_s=args.idle_timeout)
    if args.total_timeout is not None:
        timeouts = replace(timeouts, total_s=args.total_timeout)
    with settings.open_session(force_sim=True, sim_speed=args.sim_speed, sim_faults=args.faults, seed=args.seed,
                               timeouts=timeouts, simulator=start_simulator) as session:
        values = {**settings.values_for(args.strategy), **overrides.get(args.strategy, {})}
        strategy = make_strategy(args.strategy, session.catalog, values)

        async def go(bar: Progress) -> SoakReport:
            def shown(p: SoakProgress) -> None:
                bar.update(p.done, f"answered {p.answered}  failed {p.failed}  hung {p.hung}")

            engine = session.make_engine()
            try:
                return await soak(engine, strategy, requests=args.requests, concurrency=args.concurrency,
                                  seed=args.seed, max_output_tokens=args.max_tokens, on_progress=shown)
            finally:
                await engine.pool.aclose()

        with progress_bar(f"soak {args.strategy}", args.requests, quiet=args.json) as bar:
            report = asyncio.run(go(bar))
    data = report.to_dict()
    data.update({"strategy": args.strategy, "faults": args.faults, "seed": args.seed, "concurrency": args.concurrency})
    if args.json:
        emit_json(data)
    else:
        out("".join(f"{key:>16}: {value}\n" for key, value in data.items()))
    return EXIT_OK if data["hung"] == 0 and data["lost"] == 0 else EXIT_REQUEST_FAILED
