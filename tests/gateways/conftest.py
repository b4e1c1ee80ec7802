"""The real gateways for the conformance suite: installed once (cached in the
user cache dir, or PLAYGROUND_GATEWAYS_DIR), skipped with the reason only when
a registry cannot be reached or Node.js is not installed (CI's machine has it)."""

from __future__ import annotations

import pytest

from playground.gateways.install import NAMES, GatewayUnavailable, Installed, ensure, gateways_dir

# Read before the autouse fixture points the user dirs at a temporary folder:
# the gateways are cached across runs in the real cache.
GATEWAYS_DIR = gateways_dir()


@pytest.fixture(scope="session")
def installed_gateways() -> dict[str, Installed]:
    installed = {}
    for name in NAMES:
        try:
            installed[name] = ensure(name, GATEWAYS_DIR)
        except GatewayUnavailable as exc:
            if exc.registry_unreachable or exc.tool_missing:
                pytest.skip(f"cannot install the {name} gateway: {exc}")
            raise
    return installed
