"""`playground serve`: the same TUI in a browser, served by textual-serve.

Each browser tab gets its own `playground tui` process (textual-serve starts
the command per connection). Loopback only unless --host says otherwise:
the app runs with this machine's provider keys.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import socket
import sys

from playground.cli_support import add_session_flags, bounded_int
from playground.cli_views.output import say
from playground.core.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=bounded_int(0, 65535), default=8000,
                        help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--strategy", "-s", action="append", metavar="NAME",
                        help="strategy column to show (repeatable)")
    add_session_flags(parser)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tui_command(args: argparse.Namespace) -> str:
    """The command line each browser session runs."""
    argv = [sys.executable, "-m", "playground"]
    if getattr(args, "config", None):
        argv += ["--config", args.config]
    argv.append("tui")
    for name in args.strategy or []:
        argv += ["--strategy", name]
    if args.sim:
        argv.append("--sim")
    if args.sim_speed is not None:
        argv += ["--sim-speed", str(args.sim_speed)]
    return shlex.join(argv)


def run(args: argparse.Namespace) -> int:
    try:
        port = args.port or _free_port(args.host)
    except OSError as exc:
        raise UserError(f"--host {args.host}: cannot bind it ({exc.strerror or exc})") from None
    if not _is_loopback(args.host):
        say(f"playground: serve: warning: {args.host} is not loopback; anyone who can reach it uses this machine's "
            "provider keys through the app")
    from textual_serve.server import Server

    server = Server(tui_command(args), host=args.host, port=port, title="routing-playground")
    say(f"playground: serving the TUI on http://{args.host}:{port} (Ctrl+C stops)")
    server.serve()
    return 0
