"""The Portkey gateway: one process serves every strategy, since its config
travels with each request in the `x-portkey-config` header (conditional
routing reads `x-portkey-metadata`).

Started as `node .../build/start-server.js --port=N --headless` (the package's
`start:node` script; --headless skips the console UI).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from playground.gateways.install import Installed
from playground.gateways.process import GatewayProcess, child_env

_PLACEHOLDER = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")


def portkey_process(installed: Installed) -> GatewayProcess:
    return GatewayProcess(f"Portkey gateway {installed.version}", installed.command, ["--port={port}", "--headless"],
                          "/", child_env({}), cwd=installed.path)


def portkey_headers(config_text: str, keys: Mapping[str, str], metadata: Mapping[str, str] | None) -> dict[str, str]:
    """The export's config with its `${NAME}` key placeholders filled from
    `keys` (what envsubst would do), as the request headers."""
    config = json.loads(_PLACEHOLDER.sub(lambda m: keys.get(m.group(1), m.group(0)), config_text))
    headers = {"x-portkey-config": json.dumps(config, separators=(",", ":"))}
    if metadata:
        headers["x-portkey-metadata"] = json.dumps(dict(metadata))
    return headers


def portkey_body(entry: str, messages: list[dict[str, Any]], max_tokens: int) -> dict[str, Any]:
    # The targets' override_params name each upstream model; `model` is required but overridden.
    return {"model": entry, "messages": messages, "max_tokens": max_tokens, "stream": True}
