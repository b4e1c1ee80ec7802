"""Running a benchmark's smoke mode from a test: each ends with one JSON line of
figures, baselines and ratios."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers.env import cli_env

BENCH = Path(__file__).resolve().parents[2] / "bench"


def last_json_line(script: str, *args: str, **env: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, str(BENCH / script), "--smoke", *args], capture_output=True, text=True,
                         timeout=300, env=cli_env(**env), check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
