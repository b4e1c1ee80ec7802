"""`playground strategies`: every strategy and its declared parameters."""

from __future__ import annotations

import argparse

from playground.cli_views.output import EXIT_OK, emit_json, out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from playground.strategies.registry import STRATEGIES

    if args.json:
        emit_json([cls.describe() for cls in STRATEGIES.values()], indent=2)
        return EXIT_OK
    lines = []
    for cls in STRATEGIES.values():
        lines.append(f"{cls.name}: {cls.summary}")
        lines += [f"    {param.listing()}" for param in cls.params]
    out("\n".join(lines) + "\n")
    return EXIT_OK
