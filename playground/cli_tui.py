"""`playground tui` (the default command): the terminal UI. Everything that
can be wrong on the command line fails here, before the screen opens."""

from __future__ import annotations

import argparse

from playground.cli_support import add_param_flag, add_session_flags, load_settings, require_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strategy", "-s", action="append", metavar="NAME",
                        help="strategy column to show (repeatable)")
    parser.add_argument("--prompt", default=None, help="prefill the prompt box")
    parser.add_argument("--send", action="store_true", help="send the --prompt as soon as the app is ready")
    add_param_flag(parser)
    parser.add_argument("--prompts", default=None, metavar="FILE",
                        help="prompt set the tuning preview routes: one prompt per line, or JSON Lines with a "
                             "\"prompt\" field (default: the built-in set)")
    add_session_flags(parser)


def run(args: argparse.Namespace) -> int:
    from playground.tui.startup import pause_collector, release_collector

    pause_collector()  # until the first frame (the app resumes it), or until this returns
    try:
        return _run(args)
    finally:
        release_collector()


def _run(args: argparse.Namespace) -> int:
    from playground.eval.prompt_sets import load_prompt_set
    from playground.strategies.registry import parse_param_overrides, strategy_class
    from playground.tui.app import run_tui

    settings = load_settings(args)
    names = args.strategy or settings.columns
    for name in names:
        strategy_class(name)  # an unknown name fails here, before the screen opens
    overrides = parse_param_overrides(args.param)
    prompt = None if args.prompt is None else require_text(args.prompt, "--prompt")
    prompts = load_prompt_set(args.prompts) if args.prompts else None  # a bad file fails before the screen opens
    # The app starts the session (and the simulator) once its first frame is up.
    options = settings.session_options(force_sim=args.sim, sim_speed=args.sim_speed)
    return run_tui(session_options=options, strategies=names, strategy_values=overrides, initial_prompt=prompt,
                   send_initial_prompt=args.send, settings=settings, notices=args.notices, prompts=prompts) or 0
