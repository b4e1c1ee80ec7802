"""API keys come from the environment and go nowhere else: not to standard
output, JSON, errors, the config and state files, or a screenshot, even
while they are set and in use."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from playground.config import paths
from playground.config.load import load_config
from playground.sim.runner import SimServer
from playground.tui.app import PlaygroundApp
from tests.helpers.cli import InProcessCli
from tests.helpers.env import TEST_SIM_SPEED, fake_key
from tests.helpers.tui import SIZE, ended, ready, screen_text, type_prompt, wait_for

SECRET = fake_key("sk-proj", "SENTINEL0123456789abcdef")


@pytest.fixture()
def keyed_sim() -> Iterator[SimServer]:
    """A simulator that accepts only SECRET, standing in for a real provider."""
    server = SimServer(port=0, speed=float(TEST_SIM_SPEED), require_api_key=SECRET)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    """The keyed simulator serves `sim-gpt-4o`; point the real model at it."""
    path = tmp_path / "c.toml"
    path.write_text('[models.gpt-4o]\napi_name = "sim-gpt-4o"\n')
    return path


def user_files() -> list[Path]:
    roots = [root for root in (paths.config_dir(), paths.state_dir()) if root.exists()]
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


def test_a_key_in_use_never_reaches_output_or_files(keyed_sim: SimServer, config: Path, run_cli: InProcessCli) -> None:
    env = {"OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": keyed_sim.base_url + "/v1"}
    proc = run_cli("--config", str(config), "run", "What is the capital of Australia?", "-s", "fixed",
               "-p", "fixed.model=gpt-4o", "--json", **env)
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    assert row["simulated"] is False and row["model"] == "gpt-4o"  # the key was sent and accepted...
    assert SECRET not in proc.stdout + proc.stderr  # ...and shown nowhere
    proc = run_cli("models", **env)
    assert SECRET not in proc.stdout + proc.stderr
    assert run_cli("models", **env).returncode == 0  # first run without --config writes the default file
    files = user_files()
    assert files, "the first run should have written the config file"
    for path in files:
        assert SECRET not in path.read_text(encoding="utf-8", errors="replace"), path


def test_a_rejected_key_is_not_echoed(keyed_sim: SimServer, config: Path, run_cli: InProcessCli) -> None:
    wrong = fake_key("sk-proj", "WRONGKEY9876543210zyxw")
    proc = run_cli("--config", str(config), "run", "hi", "-s", "fixed", "-p", "fixed.model=gpt-4o", "--json",
               OPENAI_API_KEY=wrong, OPENAI_BASE_URL=keyed_sim.base_url + "/v1")
    assert proc.returncode == 1
    assert "check the API key for openai" in proc.stderr
    assert wrong not in proc.stdout + proc.stderr and "WRONGKEY98765" not in proc.stdout + proc.stderr


async def test_a_screenshot_of_a_live_session_holds_no_key(keyed_sim: SimServer, monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path, config: Path) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", keyed_sim.base_url + "/v1")
    settings = load_config(config).settings
    app = PlaygroundApp(settings=settings, strategies=["fixed"], strategy_values={"fixed": {"model": "gpt-4o"}})
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.session is not None and not app.session.simulated
        await type_prompt(pilot, "What is the capital of Australia?")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app.column("fixed")), "the answer")
        run = app.column("fixed").current
        assert run is not None and run.status == "done", run and run.displayed
        await wait_for(pilot, lambda: "Canberra" in screen_text(pilot), "the answer on screen")
        path = Path(app.save_screenshot(filename="live.svg", path=str(tmp_path)))
        svg = path.read_text()
        shown = screen_text(pilot)
        assert "LIVE" in shown and "Canberra" in shown and "Canberra" in svg
        assert SECRET not in svg and SECRET[:12] not in svg
