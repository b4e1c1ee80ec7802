"""The LiteLLM proxy: its router reads one config file at start, so each
exported config gets its own process (`litellm --config X.yaml --port N`,
run through the proxy CLI's entry function in the gateway's own virtualenv).

The proxy requires a master key; a random one is made per process. LiteLLM
would fetch its model cost map from the internet at start: it is told to use
the copy it ships (LITELLM_LOCAL_MODEL_COST_MAP).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from playground.gateways.install import Installed
from playground.gateways.process import GatewayProcess, child_env


def litellm_process(installed: Installed, config_text: str, workdir: Path, keys: Mapping[str, str]
                    ) -> tuple[GatewayProcess, str]:
    """The proxy for one exported config (written into `workdir`, owner-only),
    and its master key. `keys` fills the os.environ/NAME references."""
    config = workdir / "config.yaml"
    temp = workdir / "config.yaml.tmp"
    temp.write_text(config_text)
    os.chmod(temp, 0o600)
    temp.replace(config)
    master_key = "sk-" + secrets.token_hex(16)
    env = child_env({**keys, "LITELLM_MASTER_KEY": master_key, "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                     "LITELLM_LOG": "ERROR", "PYTHONUNBUFFERED": "1"})
    process = GatewayProcess(f"LiteLLM proxy {installed.version}", installed.command,
                             ["--config", str(config), "--host", "127.0.0.1", "--port", "{port}", "--telemetry",
                              "False"], "/health/liveliness", env, cwd=workdir)
    return process, master_key


def litellm_headers(master_key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {master_key}"}


def litellm_body(entry: str, messages: list[dict[str, Any]], max_tokens: int, tags: list[str] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"model": entry, "messages": messages, "max_tokens": max_tokens, "stream": True}
    if tags:
        body["metadata"] = {"tags": tags}
    return body
