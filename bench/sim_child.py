"""What the benchmarks that run the simulator in its own process share: the
catalog whose every model streams at one rate, and the child process that
serves it (it prints its URL first, then answers the lines its parent sends;
it ends when the parent closes its stdin)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def uniform_catalog(tokens_per_s: float, ttft_ms: float) -> Any:
    """The built-in catalog with every model at `tokens_per_s` after `ttft_ms`, so every column or
    stream runs at the same rate whatever model a strategy picks."""
    from playground.core.catalog import default_catalog

    catalog = default_catalog()
    models = {
        name: spec.model_copy(update={"sim": spec.sim.model_copy(update={"tokens_per_s": tokens_per_s,
                                                                         "ttft_ms": ttft_ms})})
        for name, spec in catalog.models.items()
    }
    return catalog.model_copy(update={"models": models})


class SimChild:
    """`python SCRIPT ARGS...` serving the simulator: `url` is the first line it prints."""

    def __init__(self, script: str, args: Sequence[str]) -> None:
        self.proc = subprocess.Popen([sys.executable, script, *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.close()
            raise RuntimeError(f"the simulator did not start: {self.url!r}")

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
