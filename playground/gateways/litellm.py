"""The LiteLLM proxy: its router reads one config file at start, and its
router_settings (retries, fallbacks, timeouts, tag filtering) are global to a
process, so each exported config gets its own process: `litellm --config
X.yaml --port N` (the proxy CLI's entry function in the gateway's own
virtualenv), forked from one `ForkServer` that imported LiteLLM once, or
started alone.

The proxy requires a master key; a random one is made per process. LiteLLM
would fetch its model cost map from the internet at start: it is told to use
the copy it ships (LITELLM_LOCAL_MODEL_COST_MAP), and Hugging Face tokenizers
are never downloaded (the export disables them; HF_HUB_OFFLINE backs that up).
"""

from __future__ import annotations

import json
import os
import secrets
import select
import signal
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from playground.gateways.install import GatewayUnavailable, Installed
from playground.gateways.process import READY_TIMEOUT_S, STOP_TIMEOUT_S, GatewayProcess, Spawner, child_env

FORKSERVER = Path(__file__).with_name("litellm_forkserver.py")


def proxy_env(keys: Mapping[str, str]) -> dict[str, str]:
    """What every proxy runs with. HF_HUB_OFFLINE: a check never reaches the
    internet, not even for a tokenizer a config forgot to disable."""
    return child_env({**keys, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "HF_HUB_OFFLINE": "1", "LITELLM_LOG": "ERROR",
                      "PYTHONUNBUFFERED": "1"})


class ForkServer:
    """LiteLLM imported once in its own virtualenv, forking a proxy per config
    (litellm_forkserver.py): a proxy then starts in about a second, not ~12 s
    of CPU. Thread-safe; `close()` stops the server, not the proxies it forked."""

    def __init__(self, installed: Installed, keys: Mapping[str, str]) -> None:
        self._python = installed.command[0]
        self._cwd = installed.path
        self._env = proxy_env(keys)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()

    def start(self, timeout: float = READY_TIMEOUT_S) -> ForkServer:
        # Its source with -c, not its path: the script's folder would go first on sys.path, and this module
        # (litellm.py) would shadow LiteLLM there.
        self._proc = subprocess.Popen([self._python, "-c", FORKSERVER.read_text()], env=self._env, text=True,
                                      cwd=self._cwd,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                      start_new_session=True)
        if self._reply(timeout).get("ready") is not True:
            why = self._log_tail()
            self.close()
            raise GatewayUnavailable(f"the LiteLLM fork server did not start: {why}")
        return self

    def _reply(self, timeout: float) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
        line = self._proc.stdout.readline() if ready else ""
        try:
            reply = json.loads(line) if line else {}
        except ValueError:
            reply = {}
        return reply if isinstance(reply, dict) else {}

    def spawn(self, args: Sequence[str], env: Mapping[str, str], log: Path) -> int:
        with self._lock:
            if self._proc is None or self._proc.stdin is None or self._proc.poll() is not None:
                raise GatewayUnavailable(f"the LiteLLM fork server is not running: {self._log_tail()}")
            self._proc.stdin.write(json.dumps({"args": list(args), "env": dict(env), "log": str(log)}) + "\n")
            self._proc.stdin.flush()
            reply = self._reply(STOP_TIMEOUT_S)
        if not isinstance(reply.get("pid"), int):
            why = reply.get("error") or "no answer"
            raise GatewayUnavailable(f"the LiteLLM fork server could not start a proxy: {why}")
        return int(reply["pid"])

    def _log_tail(self) -> str:
        self._log.seek(0)
        lines = [line for line in self._log.read().decode(errors="replace").splitlines() if line.strip()]
        return lines[-1][:300] if lines else "it printed nothing"

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.stdin is not None:
                proc.stdin.close()  # the server's loop ends
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(STOP_TIMEOUT_S)
            if proc.stdout is not None:
                proc.stdout.close()
        self._log.close()


def litellm_process(installed: Installed, config_text: str, workdir: Path, keys: Mapping[str, str],
                    spawner: Spawner | None = None) -> tuple[GatewayProcess, str]:
    """The proxy for one exported config (written into `workdir`, owner-only),
    and its master key. `keys` fills the os.environ/NAME references (a
    `spawner` was given them when it started)."""
    config = workdir / "config.yaml"
    temp = workdir / "config.yaml.tmp"
    temp.write_text(config_text)
    os.chmod(temp, 0o600)
    temp.replace(config)
    master_key = "sk-" + secrets.token_hex(16)
    env = {"LITELLM_MASTER_KEY": master_key} if spawner else {**proxy_env(keys), "LITELLM_MASTER_KEY": master_key}
    process = GatewayProcess(f"LiteLLM proxy {installed.version}", installed.command,
                             ["--config", str(config), "--host", "127.0.0.1", "--port", "{port}", "--telemetry",
                              "False"], "/health/liveliness", env, cwd=workdir, spawner=spawner)
    return process, master_key


def litellm_headers(master_key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {master_key}"}


def litellm_body(entry: str, messages: list[dict[str, Any]], max_tokens: int, tags: list[str] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"model": entry, "messages": messages, "max_tokens": max_tokens, "stream": True}
    if tags:
        body["metadata"] = {"tags": tags}
    return body
