"""`playground import`: a gateway config (LiteLLM config.yaml) saved as a
profile, validated exactly as it will be loaded."""

from __future__ import annotations

import argparse
from pathlib import Path

from playground.cli_views.output import EXIT_OK, out, say
from playground.core.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", "-f", required=True, choices=("litellm",), help="the config's format")
    parser.add_argument("file", help="the config file to import")
    parser.add_argument("--profile", default=None, metavar="NAME", help="profile name (default: the file's name)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing profile of that name")


def run(args: argparse.Namespace) -> int:
    from playground.config.import_litellm import import_litellm
    from playground.config.load import parse_policy_text
    from playground.config.profiles import check_name, profile_path, save_profile
    from playground.config.serialize import policy_to_toml

    source = Path(args.file).expanduser()
    if not source.exists():
        raise UserError(f"{source}: no such file")
    name = check_name(args.profile or profile_name(source))
    path = profile_path(name)
    if path.exists() and not args.force:
        raise UserError(f"profile {name!r} already exists ({path}); pass --force to overwrite it or --profile NAME")
    notes: list[str] = []
    policy = import_litellm(source, notes)
    # Validate exactly what will be saved, with the same loader a profile uses.
    parse_policy_text(policy_to_toml(policy), f"{source} (imported)")
    saved = save_profile(name, policy, overwrite=True)
    for line in notes:
        say(f"not imported from {source.name}: {line}")
    out(f"saved profile {name!r} ({saved}); use it: playground export --profile {name} --format toml\n")
    return EXIT_OK


def profile_name(source: Path) -> str:
    stem = "".join(c if c.isalnum() or c in "._-" else "-" for c in source.stem).strip("-._")
    return stem or "imported"
