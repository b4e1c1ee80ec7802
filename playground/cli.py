"""Command line entry: `playground [COMMAND] ...`; with no command, the TUI.

A thin dispatcher. Each command lives in its own module and is registered by
one line in `COMMANDS`; the module is imported, and its arguments declared,
only when that command runs (or its `--help` is shown), so `playground
--help` and `--version` load nothing but argparse.

A command module provides `add_arguments(parser)` and `run(args) -> int`.
Everything the CLI prints leaves through `playground.cli_views.output`, which
redacts secrets; user mistakes end in one line and exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any, NoReturn

from playground import __version__
from playground.cli_views.output import EXIT_INTERNAL, EXIT_USER_ERROR, report_error, report_internal_error
from playground.core.errors import UserError


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    module: str
    help: str
    # Whether the command reads the configuration file (takes --config).
    config: bool = True


COMMANDS: tuple[Command, ...] = (
    Command("tui", "playground.cli_tui", "open the terminal UI (the default)"),
    Command("run", "playground.cli_run", "send one prompt through strategies headless"),
    Command("models", "playground.cli_models", "list the models the current configuration can reach"),
    Command("strategies", "playground.cli_strategies", "list strategies and their parameters"),
    Command("sim", "playground.cli_sim", "run the simulator (OpenAI + Anthropic compatible) in the foreground",
            config=False),
    Command("train-router", "playground.cli_train",
            "train the learned router from labelled examples (JSON Lines)"),
    Command("soak", "playground.cli_soak",
            "drive many requests through a strategy against the simulator with faults"),
    Command("export", "playground.cli_export",
            "export the policy as TOML or a gateway config (LiteLLM, Portkey)"),
    Command("import", "playground.cli_import", "import a gateway config (LiteLLM config.yaml) as a saved profile"),
    Command("serve", "playground.cli_serve", "serve the TUI in a web browser (textual-serve)"),
)
_BY_NAME = {command.name: command for command in COMMANDS}


@dataclass(frozen=True, slots=True)
class CommandGroup:
    """A module that declares several commands itself: `add_parsers(sub)`
    adds their subparsers (keep it light: it runs for every command line)
    and `table` maps each name to its `run(args) -> int`."""

    module: str
    add_parsers: str
    table: str


COMMAND_GROUPS: tuple[CommandGroup, ...] = (
    CommandGroup("playground.cli_eval", "add_eval_parsers", "EVAL_COMMANDS"),
)


class UsageError(UserError):
    """A command line argparse rejected; shown as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose arguments are declared on first use (parse or
    help), and whose errors are one-line `UsageError`s instead of a usage
    block and `sys.exit`."""

    def __init__(self, *args: Any, declare: Callable[[argparse.ArgumentParser], None] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._declare = declare

    def _ensure_declared(self) -> None:
        declare, self._declare = self._declare, None
        if declare is not None:
            declare(self)

    def parse_known_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:  # type: ignore[override]
        self._ensure_declared()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._ensure_declared()
        return super().format_usage()

    def format_help(self) -> str:
        self._ensure_declared()
        return super().format_help()

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _add_config_flag(parser: argparse.ArgumentParser, top: bool = False) -> None:
    # Accepted before or after the command; SUPPRESS keeps a later default
    # from erasing a value given earlier.
    parser.add_argument("--config", metavar="FILE", default=None if top else argparse.SUPPRESS,
                        help="configuration file (default: config.toml in the user config dir, or $PLAYGROUND_CONFIG)")


def _declarer(command: Command) -> Callable[[argparse.ArgumentParser], None]:
    def declare(parser: argparse.ArgumentParser) -> None:
        import_module(command.module).add_arguments(parser)
        if command.config:
            _add_config_flag(parser)

    return declare


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="playground",
                     description="Compare LLM routing strategies side by side. With no command, opens the TUI.")
    parser.add_argument("--version", action="version", version=f"routing-playground {__version__}")
    _add_config_flag(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        sub.add_parser(command.name, help=command.help, description=command.help[:1].upper() + command.help[1:] + ".",
                       declare=_declarer(command))
    for group in COMMAND_GROUPS:
        module = import_module(group.module)
        getattr(module, group.add_parsers)(sub)
        for name in getattr(module, group.table):
            _add_config_flag(sub.choices[name])
    return parser


def _runner(name: str) -> Callable[[argparse.Namespace], int]:
    if name in _BY_NAME:
        return import_module(_BY_NAME[name].module).run
    for group in COMMAND_GROUPS:
        table = getattr(import_module(group.module), group.table)
        if name in table:
            return table[name]
    raise UserError(f"unknown command {name!r}")


def _check_text(argv: Sequence[str]) -> None:
    """Arguments that are not valid UTF-8 reach Python as lone surrogates;
    refuse them here, before they can fail an encoder deep inside. (A NUL
    cannot come from a real command line, only from a caller of `main`.)"""
    for index, arg in enumerate(argv, start=1):
        if any("\ud800" <= c <= "\udfff" for c in arg):
            raise UserError(f"argument {index} is not valid UTF-8 text; pass text (prompts, names, paths) as UTF-8")
        if "\x00" in arg:
            raise UserError(f"argument {index} contains a NUL character")


def _dispatch(argv: list[str]) -> int:
    _check_text(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*argv, "tui"])
    return _runner(args.command)(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit status (never raises, never exits)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(argv)
    except UserError as exc:
        report_error(str(exc))
        return EXIT_USER_ERROR
    except SystemExit as exc:  # --help and --version print, then exit 0
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _closed_stdout()
    except OSError as exc:  # the system refused a file the user named (name too long, no permission...)
        where = f"{exc.filename}: " if exc.filename is not None else ""
        report_error(f"{where}{exc.strerror or exc}")
        return EXIT_USER_ERROR
    except Exception as exc:  # a bug: still one line, never a traceback or a secret
        report_internal_error(exc)
        return EXIT_INTERNAL


def _closed_stdout() -> int:
    """The reader of our output went away (`playground models | head -1`):
    stop quietly, and keep Python from complaining at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    return 141


if __name__ == "__main__":
    raise SystemExit(main())
