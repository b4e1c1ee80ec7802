"""Property: any command line to the headless commands gives a result or one
line and exit 2 — no traceback, no key echoed, no key in a written file."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.helpers.cli import InProcessCli
from tests.helpers.hostile import assert_result_or_one_line, values

# Flags each command takes a value for. Left out on purpose: --out (writes
# where it is told: tested by name), `sim` and `tui` (they run until stopped).
FLAGS = {
    "run": ("--strategy", "--param", "--system", "--max-tokens", "--repeat", "--sim-speed", "--config"),
    "models": ("--config", "--sim-speed"),
    "strategies": ("--config",),
    "export": ("--format", "--strategy", "--profile", "--config"),
    "soak": ("--strategy", "--param", "--faults", "--seed", "--max-tokens", "--idle-timeout", "--total-timeout",
             "--concurrency"),
    "train-router": ("--dimensions", "--embedding-model", "--sim-speed"),
    "import": ("--format", "--profile"),
}
# Appended last (argparse keeps the last value): a valid but slow choice
# (--sim-speed 0.01 makes a reply take minutes) must not stall the suite.
FAST = ("--sim-speed", "500")
BOUNDED = {"soak": ("-n", "2", "-c", "2", *FAST), "run": ("--repeat", "1", *FAST), "train-router": FAST}
POSITIONAL = {"run": 1, "train-router": 1, "import": 1}


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(FLAGS)))
    argv = [command, *(draw(values()) for _ in range(POSITIONAL.get(command, 0)))]
    for flag in draw(st.lists(st.sampled_from(FLAGS[command]), max_size=4)):
        argv += [flag, draw(values())]
    if command == "train-router":
        argv += ["--out", "router.json", "--sim"]
    return [*argv, *BOUNDED.get(command, ())]


@given(argv=command_lines())
def test_any_command_line(argv: list[str], run_cli: InProcessCli) -> None:
    proc = run_cli(*argv)
    assert_result_or_one_line(proc, Path(os.environ["HOME"]))


@given(flag=st.sampled_from(["--port", "--speed", "--seed"]), value=values())
def test_simulator_flags_out_of_range(flag: str, value: str, run_cli: InProcessCli) -> None:
    """`sim` serves until stopped, so only values that cannot start it are drawn
    here; the value must then be refused in one line."""
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if number == number and {"--port": 0 <= number <= 65535 and number.is_integer(),
                             "--speed": 0.01 <= number <= 1000,
                             "--seed": 0 <= number < 2**32 and number.is_integer()}[flag]:
        value = "-" + value.strip()  # a valid number: make it negative, so it is out of range
    proc = run_cli("sim", "--port", "-1", flag, value) if flag != "--port" else run_cli("sim", flag, value)
    assert proc.returncode == 2
    assert_result_or_one_line(proc)
