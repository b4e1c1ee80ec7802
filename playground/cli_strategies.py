"""`playground strategies`: every strategy and its declared parameters."""

from __future__ import annotations

import argparse

from playground.cli_views.output import EXIT_OK, emit_json, out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from playground.strategies.registry import STRATEGIES

    described = [cls.describe() for cls in STRATEGIES.values()]
    if args.json:
        emit_json(described, indent=2)
        return EXIT_OK
    lines = []
    for item in described:
        lines.append(f"{item['name']}: {item['summary']}")
        for p in item["params"]:
            bounds = f" [{p['min']}..{p['max']}]" if p["min"] is not None else ""
            default = p["default"] if p["type"] != "rules" else f"{len(p['default'])} rules"
            lines.append(f"    {p['name']} ({p['type']}{bounds}, default {default}): {p['help']}")
    out("\n".join(lines) + "\n")
    return EXIT_OK
