"""Smoke tests of the real entry point as a user starts it: `python -m
playground` and the installed `playground` script, in a subprocess. Kept to
a handful; everything else runs in-process through `main(argv)`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.helpers.cli import cli_process, error_lines
from tests.helpers.env import cli_env


def test_version_and_help_from_the_script_and_the_module() -> None:
    version = cli_process("--version", entry="script")
    assert version.returncode == 0 and version.stdout.startswith("routing-playground ")
    helped = cli_process("--help")
    assert helped.returncode == 0 and "train-router" in helped.stdout and helped.stderr == ""


def test_a_mistake_exits_2_with_one_line() -> None:
    proc = cli_process("sim", "--port", "70000", entry="script")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert error_lines(proc) == ["playground: error: playground sim: argument --port: 70000 is out of range; "
                                 "allowed: 0..65535 (see playground sim --help)"]


def test_run_reads_the_prompt_from_standard_input_and_writes_to_a_pipe() -> None:
    proc = cli_process("run", "-", "-s", "fixed", "--json", stdin="What is the capital of Australia?")
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    assert row["strategy"] == "fixed" and "Canberra" in row["text"] and row["simulated"] is True


def test_export_into_the_processs_own_standard_output() -> None:
    proc = cli_process("export", "-f", "toml", "--out", "/proc/self/fd/1")
    assert proc.returncode == 0, proc.stderr
    assert "[router]" in proc.stdout and "wrote /proc/self/fd/1" in proc.stderr


def test_bytes_that_are_not_utf8_and_a_closed_standard_input() -> None:
    command = [sys.executable, "-m", "playground"]
    env = cli_env()
    bad = subprocess.run([*command, "run", b"caf\xe9"], capture_output=True, text=True, timeout=60, env=env)
    assert bad.returncode == 2 and "argument 2 is not valid UTF-8 text" in bad.stderr and "Traceback" not in bad.stderr
    closed = subprocess.run([*command, "run", "-"], capture_output=True, text=True, timeout=60, env=env,
                            stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0))
    assert closed.returncode == 2 and "standard input is closed" in closed.stderr, closed.stderr
