"""The evaluation benchmark runs (smoke sizes) and ends with its JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_eval.py"


def test_bench_eval_smoke() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--smoke"], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    assert figures["ok"] is True and figures["smoke"] is True
    assert figures["pair_settings"] >= 10 and not figures["pair_skipped"]
    assert figures["long_models"] == 30 and figures["long_peak_rss_mb"] > 0
