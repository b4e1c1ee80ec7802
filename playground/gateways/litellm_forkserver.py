"""Run by the LiteLLM virtualenv's Python (not the playground's): import the
proxy once, then fork one proxy per request read from stdin, so that each of
the conformance suite's proxies starts in about a second instead of paying
LiteLLM's ~12 s of imports again (13 configs: most of the suite's CPU).

Protocol, one JSON object per line: in `{"args": [...], "env": {...}, "log":
path}` (the proxy CLI's arguments, variables to add, the file its output goes
to); out `{"pid": N}` or `{"error": "..."}`. Each proxy is the leader of its
own process group (the caller stops it with killpg); children are reaped here.
The server exits when stdin closes; the proxies it forked keep running until
the caller stops them. Imports only the standard library and LiteLLM.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
from typing import Any


def _serve(request: dict[str, Any], run_server: Any) -> None:
    """In the child: a new process group, output to the log, then the proxy CLI."""
    os.setsid()
    fd = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.environ.update(request.get("env") or {})
    try:
        run_server.main(args=list(request["args"]), standalone_mode=True)
    except SystemExit as exc:
        os._exit(exc.code if isinstance(exc.code, int) else 1)
    os._exit(0)


def main() -> int:
    cli = importlib.import_module("litellm.proxy.proxy_cli")
    importlib.import_module("litellm.proxy.proxy_server")  # the heavy part, shared by every fork
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            sys.stdout.flush()
            pid = os.fork()
        except (ValueError, OSError) as exc:
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
            continue
        if pid == 0:
            sys.stdin.close()
            _serve(request, cli.run_server)
        print(json.dumps({"pid": pid}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
