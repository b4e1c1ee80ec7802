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

from playground.core.errors import UserError


def add_serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="serve the TUI in a web browser (textual-serve)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    serve.add_argument("--strategy", "-s", action="append", metavar="NAME", help="strategy column to show (repeatable)")
    serve.add_argument("--sim", action="store_true", help="use the built-in simulator even if API keys are set")
    serve.add_argument("--sim-speed", type=float, default=None, metavar="X", help="simulator time factor")


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


def cmd_serve(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port}: must be between 0 and 65535")
    try:
        port = args.port or _free_port(args.host)
    except OSError as exc:
        raise UserError(f"--host {args.host}: cannot bind it ({exc.strerror or exc})") from None
    if not _is_loopback(args.host):
        print(f"playground: serve: warning: {args.host} is not loopback; anyone who can reach it uses this machine's "
              "provider keys through the app", file=sys.stderr)
    from textual_serve.server import Server

    server = Server(tui_command(args), host=args.host, port=port, title="routing-playground")
    print(f"playground: serving the TUI on http://{args.host}:{port} (Ctrl+C stops)", file=sys.stderr, flush=True)
    server.serve()
    return 0
