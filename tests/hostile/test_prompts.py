"""Property: any prompt — argument, standard input (any bytes) or system
prompt — is answered, or refused in one line with exit 2."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tests.helpers.cli import InProcessCli
from tests.helpers.hostile import assert_result_or_one_line, values


def _answered_or_refused(proc_stdout: str, code: int) -> None:
    if code == 0:
        (row,) = [json.loads(line) for line in proc_stdout.splitlines()]
        assert row["error"] is None and row["text"]


@given(prompt=st.one_of(values(), st.text(min_size=1, max_size=300)))
def test_any_prompt_argument(prompt: str, run_cli: InProcessCli) -> None:
    proc = run_cli("run", prompt, "-s", "fixed", "--json", "--max-tokens", "64")
    assert_result_or_one_line(proc)
    _answered_or_refused(proc.stdout, proc.returncode)


@given(data=st.binary(max_size=400))
def test_any_bytes_on_standard_input(data: bytes, run_cli: InProcessCli) -> None:
    proc = run_cli("run", "-", "-s", "fixed", "--json", "--max-tokens", "64", stdin=data)
    assert_result_or_one_line(proc)
    _answered_or_refused(proc.stdout, proc.returncode)


@given(system=values())
def test_any_system_prompt(system: str, run_cli: InProcessCli) -> None:
    proc = run_cli("run", "What is the capital of France?", "--system", system, "-s", "fixed", "--json",
                   "--max-tokens", "64")
    assert_result_or_one_line(proc)
    _answered_or_refused(proc.stdout, proc.returncode)
