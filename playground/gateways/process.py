"""A gateway as a child process on a loopback port: started in its own
process group, ready when its health URL answers, stopped by its own id.

The gateways bind their port themselves, so a free port is picked first; if
another process takes it in between, the start is retried on a new port.

A gateway is either started as a command (Popen) or forked by a `Spawner`
(the LiteLLM fork server) that answers with its pid; either way
it leads its own process group, which is what stop() signals.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Protocol

import httpx2

from playground.gateways.install import GatewayUnavailable

READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0
START_TRIES = 3
_PORT_TAKEN = ("EADDRINUSE", "address already in use", "Address already in use")
# What a gateway child inherits besides what its caller sets: never a provider key.
_PASS_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """A clean environment: the basics, no proxies for loopback, and `extra`."""
    env = {name: os.environ[name] for name in _PASS_THROUGH if name in os.environ}
    env.update({"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
    env.update(extra)
    return env


class Spawner(Protocol):
    def spawn(self, args: Sequence[str], env: Mapping[str, str], log: Path) -> int:
        """Start a gateway with these arguments (its group leader), output to `log`; its pid."""
        ...


class GatewayProcess:
    """`argv + port_args` (each may contain {port}) is the command line;
    `health_path` answers 200 once the gateway serves. With a `spawner`, only
    `port_args` are sent to it, and `env` is what the spawned gateway adds."""

    def __init__(self, title: str, argv: Sequence[str], port_args: Sequence[str], health_path: str,
                 env: Mapping[str, str], cwd: Path | None = None, spawner: Spawner | None = None) -> None:
        self.title = title
        self._argv = list(argv)
        self._port_args = list(port_args)
        self._health_path = health_path
        self._env = dict(env)
        self._cwd = cwd
        self._spawner = spawner
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid: int | None = None  # the group leader, however it was started
        # Named: a spawned gateway opens it by path. Lives as long as the process; closed by close().
        self._log = tempfile.NamedTemporaryFile(prefix="playground-gateway-", suffix=".log")  # noqa: SIM115
        self.port = 0
        self.started_s = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = READY_TIMEOUT_S) -> GatewayProcess:
        began = time.monotonic()
        for attempt in range(START_TRIES):
            self.port = free_port()
            argv = self._argv + [arg.format(port=self.port) for arg in self._port_args]
            self._log.seek(0)
            self._log.truncate()
            if self._spawner is not None:
                args = [arg.format(port=self.port) for arg in self._port_args]
                self._pid = self._spawner.spawn(args, self._env, Path(self._log.name))
            else:
                self._proc = subprocess.Popen(argv, env=self._env, cwd=self._cwd, stdin=subprocess.DEVNULL,
                                              stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
                self._pid = self._proc.pid
            if self._wait_ready(timeout):
                self.started_s = time.monotonic() - began
                return self
            log = self.log_tail()
            self.stop()
            if any(word in log for word in _PORT_TAKEN) and attempt + 1 < START_TRIES:
                continue
            if any(word in log for word in _PORT_TAKEN):
                raise GatewayUnavailable(f"the {self.title} could not bind a loopback port: every port tried was "
                                         "taken by another process; stop it and try again")
            raise GatewayUnavailable(f"the {self.title} did not start within {timeout:g} s: {_last_line(log)}")
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        url = self.base_url + self._health_path
        with httpx2.Client(timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                if not self._alive():
                    return False
                try:
                    if client.get(url).status_code == 200:
                        return True
                except httpx2.HTTPError:
                    pass
                time.sleep(0.2)
        return False

    def log_tail(self, size: int = 4000) -> str:
        self._log.flush()
        self._log.seek(0, os.SEEK_END)
        end = self._log.tell()
        self._log.seek(max(0, end - size))
        return self._log.read().decode(errors="replace")

    def _alive(self) -> bool:
        if self._proc is not None:
            return self._proc.poll() is None
        if self._pid is None:
            return False
        try:
            os.kill(self._pid, 0)  # a spawned gateway is reaped by its spawner: gone once it exits
        except ProcessLookupError:
            return False
        return True

    def _wait_gone(self, timeout: float) -> bool:
        if self._proc is not None:
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        deadline = time.monotonic() + timeout
        while self._alive():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def stop(self) -> None:
        pid = self._pid
        if pid is None or not self._alive():
            self._proc = self._pid = None
            return
        try:
            os.killpg(pid, signal.SIGTERM)  # its own group: the gateway and any worker it forked
        except ProcessLookupError:
            self._proc = self._pid = None
            return
        if not self._wait_gone(STOP_TIMEOUT_S):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            self._wait_gone(STOP_TIMEOUT_S)
        self._proc = self._pid = None

    def close(self) -> None:
        self.stop()
        self._log.close()

    def __enter__(self) -> GatewayProcess:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def _last_line(log: str) -> str:
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "it printed nothing"
