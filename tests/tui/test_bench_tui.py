"""`bench/bench_tui.py --smoke` runs every phase small and ends with its
JSON line; the full run's targets are not checked here (a loaded CI box is
no place for them), but the run must be sound: every phase reports and no
column lost or reordered text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_tui.py"


@pytest.mark.timeout(900)
def test_the_tui_benchmark_smoke_run_is_sound() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--smoke"], capture_output=True, text=True, timeout=880)
    last = out.stdout.strip().splitlines()[-1]
    figures = json.loads(last)
    assert figures["smoke"] is True and figures["sound"] is True, out.stderr[-2000:]
    assert out.returncode == 0
    for phase in ("engine", "stream", "memory", "real", "first_frame"):
        assert "error" not in figures[phase], figures[phase]
    stream = figures["stream"]
    assert stream["tokens"] > 1000 and stream["lost"] == []
    assert stream["shown_tokens_per_s"] > 0 and stream["lag_p50_ms"] >= 0 and stream["keys"] > 0
    assert stream["cpu_ratio_to_engine"] > 0
    memory = figures["memory"]
    assert memory["tokens_per_column_before"] >= 500 and memory["further_sends"] >= 2 and memory["peak_rss_mb"] > 0
    assert figures["first_frame"]["first_frame_s"] > figures["first_frame"]["python_pass_s"] > 0
    assert set(figures["checks"]) == set(figures["targets"])
