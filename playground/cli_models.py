"""`playground models`: the models the current configuration can reach."""

from __future__ import annotations

import argparse
import os
from typing import Any

from playground.cli_support import add_session_flags, load_settings
from playground.cli_views.output import EXIT_OK, emit_json, out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_session_flags(parser)


def run(args: argparse.Namespace) -> int:
    from playground.providers.endpoints import real_endpoints

    settings = load_settings(args)
    catalog = settings.catalog
    endpoints = {} if args.sim else real_endpoints(catalog, os.environ, settings.keyless_providers)
    simulated = not endpoints
    rows: list[dict[str, Any]] = []
    for model in catalog.models.values():
        if simulated:
            via = "simulator"
        elif model.provider in endpoints:
            via = endpoints[model.provider].shown_url  # user-info (user:key@) hidden
        else:
            continue
        rows.append({
            "id": model.id,
            "api_name": model.sim_name if simulated else model.api_name,
            "provider": model.provider,
            "tier": model.tier,
            "input_per_mtok": model.input_per_mtok,
            "output_per_mtok": model.output_per_mtok,
            "context_window": model.context_window,
            "simulated": simulated,
            "via": via,
        })
    if args.json:
        emit_json(rows, indent=2)
        return EXIT_OK
    from playground.cli_views.table import render_table

    out(("SIMULATED (no API keys set): every model is served by the built-in simulator" if simulated else
         f"LIVE: models of configured providers ({', '.join(sorted(endpoints))})") + "\n")
    header = ("model", "provider", "tier", "$/M in", "$/M out", "context", "via")
    cells = [(r["id"], r["provider"], r["tier"], f"{r['input_per_mtok']:.2f}", f"{r['output_per_mtok']:.2f}",
              f"{r['context_window']:,}", r["via"]) for r in rows]
    out(render_table(header, cells, right=(3, 4, 5)))
    return EXIT_OK
