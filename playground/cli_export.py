"""`playground export`: the policy as this project's TOML or a gateway
config (LiteLLM, Portkey), to standard output or a file."""

from __future__ import annotations

import argparse
from pathlib import Path

from playground.cli_support import load_settings
from playground.cli_views.output import EXIT_OK, out, say

# Kept here (not imported from the exporters) so `export --help` stays light;
# a test checks it matches `playground.config.exporters.FORMATS`.
FORMATS = ("toml", "litellm", "portkey")
STDOUT = "-"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", "-f", required=True, choices=FORMATS,
                        help="toml (this project's policy file), litellm (proxy config.yaml) or portkey (config JSON)")
    parser.add_argument("--profile", default=None, metavar="NAME", help="export a saved profile instead of the config")
    parser.add_argument("--strategy", "-s", default=None, metavar="NAME",
                        help="the strategy to export (default: the policy's [router] strategy)")
    parser.add_argument("--out", "-o", default=None, metavar="FILE",
                        help="write to FILE instead of standard output (- means standard output). A regular file "
                             "is replaced atomically, mode 0600; a pipe or device (/dev/stdout) is written into")
    parser.add_argument("--parents", action="store_true",
                        help="create the missing directories of --out (mode 0700) instead of refusing")
    parser.add_argument("--check", action="store_true",
                        help="run the policy through the real gateway(s) of this format (toml: all) and the "
                             "playground under the same faults, and print them side by side (installs the "
                             "gateways into the user cache on first use)")


def run(args: argparse.Namespace) -> int:
    from playground.config.profiles import load_profile
    from playground.strategies.registry import strategy_class

    if args.profile:
        settings = load_profile(args.profile, extra_models=load_settings(args).extra_models)
    else:
        settings = load_settings(args, strict=True)
    if args.strategy:
        strategy_class(args.strategy)
        settings = settings.with_router_strategy(args.strategy)
    if args.check:
        from playground.gateways.check import run_check

        return run_check(settings, args.format, say=say)
    if args.out is None or args.out == STDOUT:
        from playground.config.exporters import export_policy

        result = export_policy(settings, args.format)
        out(result.text)
    else:
        from playground.config.export_files import write_export

        path, result = write_export(settings, args.format, Path(args.out), parents=args.parents)
        say(f"wrote {path} ({args.format}, strategy {settings.router_strategy})")
    for line in result.unexpressed:
        say(f"not expressible in {args.format}: {line}")
    return EXIT_OK
