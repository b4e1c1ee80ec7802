"""The start-up benchmark runs (one pass of each figure but the simulated run) and ends with its JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_startup.py"


@pytest.mark.timeout(360)  # above its child's deadline: a hung child fails as TimeoutExpired, naming it
def test_bench_startup_smoke() -> None:
    proc = subprocess.run([sys.executable, str(BENCH), "--smoke"], capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr  # 1: a target missed on a loaded machine, still a result
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["bench"] == "startup" and result["runs"] == 1
    assert set(result["figures_s"]) == {"help", "version", "run_help"}
    assert result["baseline_s"]["python_c_pass"] > 0
    assert all(ratio > 0 for ratio in result["ratios"].values())
    assert "tui_first_frame" in result and isinstance(result["ok"], bool)
