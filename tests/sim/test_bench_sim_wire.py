"""The simulator wire benchmark's smoke run (seconds), so it does not rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.env import cli_env

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_sim_wire.py"


@pytest.mark.timeout(360)  # above its child's deadline: a hung child fails as TimeoutExpired, naming it
def test_sim_wire_benchmark_smoke() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--smoke"], capture_output=True, text=True, timeout=300,
                         env=cli_env(), check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["bench"] == "sim_wire" and report["smoke"] is True and report["ok"] is True
    assert report["complete"] is True  # every stream of both servers ended with its closing events
    for path in ("reference", "fast"):
        assert report[path]["tokens"] > 0 and report[path]["cpu_per_1k_tokens_ms"] > 0
    assert report["served_ratio"] > 0
    encode = report["encode"]
    assert encode["same_bytes"] is True and encode["chunks"] > 0 and encode["ratio"] > 1
