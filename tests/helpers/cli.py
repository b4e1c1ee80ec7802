"""Running the real entry point as a subprocess, and checking one-line errors."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers.env import cli_env


def cli(*args: str, stdin: str | None = None, timeout: float = 90, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "playground", *args],
        input=stdin, capture_output=True, text=True, timeout=timeout, env=cli_env(PLAYGROUND_SIM_SPEED="40", **env),
    )


def error_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    """Standard error without the one-time notice that the config file was created."""
    return [line for line in proc.stderr.strip().splitlines() if not line.startswith("playground: config: created ")]


def assert_one_line_error(proc: subprocess.CompletedProcess[str], code: int, fragment: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert fragment in proc.stderr
