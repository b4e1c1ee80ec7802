"""`playground sim`: the simulator in the foreground, until Ctrl+C."""

from __future__ import annotations

import argparse

from playground.cli_support import FAULTS_HELP, PORT_RANGE, SIM_SPEED_RANGE, bounded_float, bounded_int
from playground.cli_views.output import EXIT_OK

SEED_RANGE = (0, 2**32 - 1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=bounded_int(*PORT_RANGE), default=8765,
                        help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--api-key", dest="require_key", default=None, metavar="KEY",
                        help="reject requests without this API key (401)")
    parser.add_argument("--speed", type=bounded_float(*SIM_SPEED_RANGE), default=None, metavar="X",
                        help="time factor (2 = twice as fast)")
    parser.add_argument("--faults", default=None, metavar="SPEC", help=FAULTS_HELP)
    parser.add_argument("--seed", type=bounded_int(*SEED_RANGE), default=0,
                        help="seed for fault draws (repeatable runs)")


def run(args: argparse.Namespace) -> int:
    from playground.sim.runner import serve_forever

    serve_forever(args.host, args.port, require_api_key=args.require_key, speed=args.speed, faults=args.faults,
                  seed=args.seed)
    return EXIT_OK
