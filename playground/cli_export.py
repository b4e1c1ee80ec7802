"""`playground export` and `playground import`: the policy to the project's own
TOML and to gateway configs (LiteLLM, Portkey), and a LiteLLM config back
into a saved profile."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playground.config.build import Settings
from playground.config.exporters import FORMATS, export_policy
from playground.core.errors import UserError


def add_export_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    export = sub.add_parser("export", help="export the policy as TOML or a gateway config (LiteLLM, Portkey)")
    export.add_argument("--format", "-f", required=True, choices=FORMATS,
                        help="toml (this project's policy file), litellm (proxy config.yaml) or portkey (config JSON)")
    export.add_argument("--profile", default=None, metavar="NAME", help="export a saved profile instead of the config")
    export.add_argument("--strategy", "-s", default=None, metavar="NAME",
                        help="the strategy to export (default: the policy's [router] strategy)")
    export.add_argument("--out", "-o", default=None, metavar="FILE",
                        help="write to FILE (atomically, mode 0600) instead of standard output")
    export.add_argument("--check", action="store_true",
                        help="run the policy through the real gateway(s) of this format (toml: all) and the "
                             "playground under the same faults, and print them side by side (installs the "
                             "gateways into the user cache on first use)")

    imp = sub.add_parser("import", help="import a gateway config (LiteLLM config.yaml) as a saved profile")
    imp.add_argument("--format", "-f", required=True, choices=("litellm",), help="the config's format")
    imp.add_argument("file", help="the config file to import")
    imp.add_argument("--profile", default=None, metavar="NAME", help="profile name (default: the file's name)")
    imp.add_argument("--force", action="store_true", help="overwrite an existing profile of that name")


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """`settings` is the loaded config, or the profile named by --profile."""
    if args.strategy:
        from playground.strategies.registry import strategy_class

        strategy_class(args.strategy)
        settings = settings.with_router_strategy(args.strategy)
    if args.check:
        from playground.gateways.check import run_check

        return run_check(settings, args.format)
    if args.out:
        from playground.config.export_files import write_export

        path, result = write_export(settings, args.format, Path(args.out))
        print(f"wrote {path} ({args.format}, strategy {settings.router_strategy})", file=sys.stderr)
    else:
        result = export_policy(settings, args.format)
        sys.stdout.write(result.text)
    for line in result.unexpressed:
        print(f"not expressible in {args.format}: {line}", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from playground.config.import_litellm import import_litellm
    from playground.config.load import parse_policy_text
    from playground.config.profiles import check_name, profile_path, save_profile
    from playground.config.serialize import policy_to_toml

    source = Path(args.file).expanduser()
    if not source.exists():
        raise UserError(f"{source}: no such file")
    name = check_name(args.profile or _profile_name(source))
    path = profile_path(name)
    if path.exists() and not args.force:
        raise UserError(f"profile {name!r} already exists ({path}); pass --force to overwrite it or --profile NAME")
    notes: list[str] = []
    policy = import_litellm(source, notes)
    # Validate exactly what will be saved, with the same loader a profile uses.
    parse_policy_text(policy_to_toml(policy), f"{source} (imported)")
    saved = save_profile(name, policy, overwrite=True)
    for line in notes:
        print(f"not imported from {source.name}: {line}", file=sys.stderr)
    print(f"saved profile {name!r} ({saved}); use it: playground export --profile {name} --format toml")
    return 0


def _profile_name(source: Path) -> str:
    stem = "".join(c if c.isalnum() or c in "._-" else "-" for c in source.stem).strip("-._")
    return stem or "imported"
