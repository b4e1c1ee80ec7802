"""Running the CLI: in-process through `main(argv)` (the default: no start-up
cost, real simulator over loopback), or as the real entry point in a
subprocess (a handful of smoke tests only); and checking one-line errors."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from playground.cli import main
from tests.helpers.env import TEST_SIM_SPEED, cli_env


@dataclass(frozen=True, slots=True)
class CliResult:
    """What one command did: the same fields as `subprocess.CompletedProcess`."""

    returncode: int
    stdout: str
    stderr: str


class InProcessCli:
    """`run_cli("run", "hi", "--json", stdin="...", OPENAI_API_KEY="k")`: calls
    `main` with standard streams captured and the environment changed for
    that call only. `stdin` may be bytes (to feed invalid UTF-8) or None (the
    test's own standard input, which pytest makes unreadable)."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self._capsys = capsys
        self._monkeypatch = monkeypatch

    def __call__(self, *args: str, stdin: str | bytes | None = None, **env: str) -> CliResult:
        self._capsys.readouterr()  # drop what earlier steps of the test printed
        with self._monkeypatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            if stdin is not None:
                data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
                patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
            code = main(list(args))
        captured = self._capsys.readouterr()
        return CliResult(code, captured.out, captured.err)


def cli_process(*args: str | bytes, stdin: str | None = None, timeout: float = 90, entry: str = "module",
                **env: str) -> subprocess.CompletedProcess[str]:
    """The real entry point in a subprocess: `python -m playground` (entry
    "module") or the installed `playground` script (entry "script")."""
    command: list[str | bytes] = ([sys.executable, "-m", "playground"] if entry == "module"
                                  else [str(Path(sys.executable).with_name("playground"))])
    return subprocess.run(
        [*command, *args],
        input=stdin, capture_output=True, text=True, timeout=timeout,
        env=cli_env(PLAYGROUND_SIM_SPEED=TEST_SIM_SPEED, **env),
    )


def error_lines(proc: CliResult | subprocess.CompletedProcess[str]) -> list[str]:
    """Standard error without the one-time notice that the config file was created."""
    return [line for line in proc.stderr.strip().splitlines() if not line.startswith("playground: config: created ")]


def assert_one_line_error(proc: CliResult | subprocess.CompletedProcess[str], code: int, fragment: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert fragment in proc.stderr
    assert len(error_lines(proc)) == 1, proc.stderr


# The name tests used before the CLI ran in-process; for the few that need a
# real process (prefer the `run_cli` fixture).
cli = cli_process
