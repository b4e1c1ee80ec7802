"""What several commands share: flag declarations, range-checked argument
types, reading a prompt, and loading the user's configuration.

Light at import time (argparse and the standard library only): the parser of
every command is built from these before anything heavy is needed.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from playground.cli_views.output import say
from playground.core.errors import UserError

if TYPE_CHECKING:
    from playground.config.build import Settings
    from playground.engine.session import Session

FAULTS_HELP = ("comma-separated KIND=VALUE items, each optionally prefixed MODEL: (e.g. "
               "server_error=0.2,rate_limit=0.1,cut=0.05,stall=0.05,sim-gpt-4o:down=1); kinds: rate_limit, "
               "server_error, overloaded, cut, stall (probabilities), latency_ms, down (1/0)")
# Simulator time factors: beyond these a stream takes years, or the timings say nothing.
SIM_SPEED_RANGE = (0.01, 1000.0)
PORT_RANGE = (0, 65535)
MAX_OUTPUT_TOKENS_RANGE = (1, 10_000_000)


def bounded_float(low: float, high: float, *, low_open: bool = False, unit: str = "") -> Callable[[str], float]:
    """An argparse type: a finite float in [low, high] (or (low, high] when `low_open`)."""
    allowed = f"allowed: {'>' if low_open else '≥'} {low:g} and ≤ {high:g}{unit}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text[:40]!r}; {allowed}") from None
        if not math.isfinite(value) or value < low or (low_open and value == low) or value > high:
            raise argparse.ArgumentTypeError(f"{text} is out of range; {allowed}")
        return value

    return parse


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number {low}..{high}, got {text[:40]!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range; allowed: {low}..{high}")
        return value

    return parse


def add_session_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sim", action="store_true", help="use the built-in simulator even if API keys are set")
    parser.add_argument("--sim-speed", type=bounded_float(*SIM_SPEED_RANGE), default=None, metavar="X",
                        help="simulator time factor (2 = twice as fast); default $PLAYGROUND_SIM_SPEED or 1")


def add_param_flag(parser: argparse.ArgumentParser, example: str = "complexity.high_threshold=0.6") -> None:
    parser.add_argument("--param", "-p", action="append", default=[], metavar="STRATEGY.KEY=VALUE",
                        help=f"override a strategy parameter, e.g. {example} (repeatable)")


def strategy_overrides(items: Iterable[str], running: Iterable[str]) -> dict[str, dict[str, str]]:
    """`-p` values by strategy; one given for a strategy that is not run is
    a mistake (it would silently do nothing)."""
    from playground.strategies.registry import parse_param_overrides

    overrides = parse_param_overrides(items)
    names = list(running)
    unused = [name for name in overrides if name not in names]
    if unused:
        raise UserError(f"--param given for {', '.join(unused)}, which is not run; add -s {unused[0]}")
    return overrides


def read_stdin(what: str = "the prompt") -> str:
    """All of standard input as text, or a `UserError` saying why not."""
    stream = sys.stdin
    if stream is None or stream.closed:
        raise UserError(f"standard input is closed; pass {what} as an argument instead of -")
    try:
        text = stream.read()
    except UnicodeDecodeError as exc:
        raise UserError(f"standard input is not valid UTF-8 text (byte {exc.start}); {what} must be UTF-8") from None
    except ValueError:  # I/O operation on closed file
        raise UserError(f"standard input is closed; pass {what} as an argument instead of -") from None
    except OSError as exc:
        raise UserError(f"cannot read standard input ({exc.strerror or exc})") from None
    return require_text(text, "standard input")


def require_text(text: str, where: str) -> str:
    """`text` unless it holds lone surrogates (bytes that were not UTF-8)."""
    if any("\ud800" <= c <= "\udfff" for c in text):
        raise UserError(f"{where} is not valid UTF-8 text; pass UTF-8")
    return text


def read_prompt(raw: str) -> str:
    text = read_stdin() if raw == "-" else require_text(raw, "the prompt")
    if not text.strip():
        raise UserError("the prompt is empty; pass some text (or - to read it from standard input)")
    return text


def config_path(args: argparse.Namespace) -> Path | None:
    given = getattr(args, "config", None)
    if given is None:
        return None
    if not given.strip():
        raise UserError("--config is empty; give the configuration file's path, or omit --config to use the default")
    return Path(given)


def load_settings(args: argparse.Namespace, *, strict: bool = False,
                  env: Mapping[str, str] | None = None) -> Settings:
    """The user's configuration; its notices (file created, values ignored,
    models discovered) go to standard error so --json output stays clean.
    `strict`: a broken file is an error instead of falling back to the last
    good configuration (an export must describe the file, not an older one)."""
    from playground.config.discover import load_user_config
    from playground.config.problems import ConfigError

    loaded = load_user_config(config_path(args), env)
    if strict and loaded.problems:
        raise ConfigError(loaded.problems)
    notices = loaded.notices()
    for notice in notices:
        say(f"playground: config: {notice}")
    args.notices = notices
    return loaded.settings


def open_session(args: argparse.Namespace, settings: Settings) -> Session:
    from playground.launch import start_simulator  # the CLI is the layer that may start the simulator

    return settings.open_session(force_sim=args.sim, sim_speed=args.sim_speed, simulator=start_simulator)
