"""`main(argv)` can be called again and again in one process (as the tests
and any embedding do): no simulator thread, configuration or environment
value survives from one call to the next."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

from tests.helpers.cli import InProcessCli


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.is_alive()}


def test_calls_leave_no_simulator_thread_or_event_loop_behind(run_cli: InProcessCli) -> None:
    before = _threads()
    for _ in range(2):
        proc = run_cli("run", "What is 2 + 2?", "-s", "fixed", "--json")
        assert proc.returncode == 0, proc.stderr
        assert not any(name.startswith("sim-server") for name in _threads() - before)
    assert run_cli("run", "hi", "-s", "smart").returncode == 2  # a failed call cleans up too
    assert not any(name.startswith("sim-server") for name in _threads() - before)
    # asyncio.run closed its loop: a new one can run here.
    assert asyncio.run(asyncio.sleep(0, result="ok")) == "ok"


def test_each_call_reads_the_configuration_and_environment_afresh(tmp_path: Path, run_cli: InProcessCli) -> None:
    config = tmp_path / "c.toml"

    def model(**env: str) -> str:
        proc = run_cli("--config", str(config), "run", "hi", "-s", "fixed", "--json", **env)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)["model"]

    config.write_text('[strategies.fixed]\nmodel = "gpt-5-nano"\n')
    assert model() == "gpt-5-nano"
    config.write_text('[strategies.fixed]\nmodel = "gpt-4o-mini"\n')
    assert model() == "gpt-4o-mini"
    assert model(PLAYGROUND_STRATEGIES__FIXED__MODEL="gpt-5-mini") == "gpt-5-mini"
    assert model() == "gpt-4o-mini"  # the variable was for that call only
