"""The config file as the CLI and TUI use it, run as real processes and a
real app: parameters, a broken file, --config anywhere on the line, and a
local OpenAI-compatible server discovered from its model list."""

from __future__ import annotations

import json
from pathlib import Path

from playground.config.load import LoadedConfig, load_config
from playground.tui.app import PlaygroundApp
from tests.helpers.cli import InProcessCli, error_lines
from tests.helpers.tui import SIZE, ready


def test_strategy_parameters_from_the_config_file_decide_and_the_command_line_wins(tmp_path: Path,
                                                                                   run_cli: InProcessCli) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[strategies.fixed]\nmodel = "gpt-5-nano"\n')
    proc = run_cli("--config", str(config), "run", "hi", "-s", "fixed", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["model"] == "gpt-5-nano"
    proc = run_cli("run", "hi", "-s", "fixed", "--json", "--config", str(config), "-p", "fixed.model=gpt-4o")
    assert json.loads(proc.stdout)["model"] == "gpt-4o"


def test_a_broken_config_still_runs_on_the_last_good_one_and_says_what_it_ignored(tmp_path: Path,
                                                                                  run_cli: InProcessCli) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[strategies.fixed]\nmodel = "gpt-5-nano"\n')
    assert run_cli("--config", str(config), "run", "hi", "-s", "fixed", "--json").returncode == 0
    config.write_text('[strategies.fixed]\nmodel = "gpt-5-nano"\n[retry]\nmax_attempts = "many"\n')
    proc = run_cli("--config", str(config), "run", "hi", "-s", "fixed", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["model"] == "gpt-5-nano"
    assert f"using the last good configuration and ignoring {config}" in proc.stderr
    assert f"{config}:4: retry.max_attempts = 'many': must be a valid integer" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_missing_explicit_config_is_one_line_exit_2(tmp_path: Path, run_cli: InProcessCli) -> None:
    proc = run_cli("models", "--config", str(tmp_path / "missing.toml"))
    assert proc.returncode == 2
    [line] = error_lines(proc)
    assert line.startswith(f"playground: error: config file {tmp_path / 'missing.toml'} does not exist (omit --config")
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr


def test_a_local_server_is_discovered_and_used_with_no_key(tmp_path: Path, sim_server: object,
                                                           run_cli: InProcessCli) -> None:
    base = sim_server.base_url  # type: ignore[attr-defined]
    config = tmp_path / "c.toml"
    # The file itself may name a model that only discovery knows.
    config.write_text(f'[providers.local]\nkind = "openai"\nbase_url = "{base}/v1"\ndiscover = true\n'
                      f'[strategies.fixed]\nmodel = "local-sim-gpt-4o"\n'
                      # A model the file declares itself is not discovered twice.
                      f'[models.my-haiku]\nprovider = "local"\napi_name = "sim-claude-haiku-4-5"\n'
                      'context_window = 32000\n'
                      'input_per_mtok = 1.0\noutput_per_mtok = 5.0\n')
    proc = run_cli("--config", str(config), "models", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = {row["id"]: row for row in json.loads(proc.stdout)}
    assert "local-sim-gpt-4o" in rows and not any("embedding" in name for name in rows)
    assert rows["local-sim-gpt-4o"]["input_per_mtok"] == 0 and rows["local-sim-gpt-4o"]["via"] == f"{base}/v1"
    assert "local-sim-claude-haiku-4-5" not in rows and rows["my-haiku"]["context_window"] == 32000
    assert "local: " in proc.stderr and "local-sim-claude-opus-4-5, " in proc.stderr
    assert "(1 already in the catalog)" in proc.stderr
    proc = run_cli("--config", str(config), "run", "What is the capital of Australia?", "-s", "fixed", "--json")
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    assert row["model"] == "local-sim-gpt-4o" and row["simulated"] is False and row["cost_usd"] == 0
    assert "Canberra" in row["text"]


def test_an_unreachable_discovery_server_is_reported_not_fatal(tmp_path: Path, run_cli: InProcessCli) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[providers.local]\nkind = "openai"\nbase_url = "http://127.0.0.1:9/v1"\ndiscover = true\n')
    proc = run_cli("--config", str(config), "models", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "local: could not list models at http://127.0.0.1:9/v1/models" in proc.stderr


async def test_the_tui_opens_the_configured_columns_and_shows_config_notices(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[router]\ncolumns = ["cost", "fixed"]\n[strategies.fixed]\nmodel = "gpt-5-nano"\n')
    load_config(config)
    config.write_text('[router]\ncolumns = ["cost", "fixed"]\n[strategies.fixed]\nmodel = "gpt-5-nano"\n'
                      '[cache]\nttl_s = -1\n')
    loaded: LoadedConfig = load_config(config)
    app = PlaygroundApp(settings=loaded.settings, notices=loaded.notices(),
                        session_options=loaded.settings.session_options(force_sim=True))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert list(app.strategies) == ["cost", "fixed"]
        assert app.strategies["fixed"].values["model"] == "gpt-5-nano"
        toasts = [str(n.message) for n in app._notifications]
        assert any(f"{config}:6: cache.ttl_s = -1: must be greater than 0" in t for t in toasts), toasts


def test_ollama_from_its_base_url_variable_is_discovered(sim_server: object, run_cli: InProcessCli) -> None:
    """OLLAMA_BASE_URL alone configures the built-in local provider; its list is read."""
    base = sim_server.base_url  # type: ignore[attr-defined]
    proc = run_cli("models", "--json", OLLAMA_BASE_URL=f"{base}/v1")
    assert proc.returncode == 0, proc.stderr
    rows = {row["id"]: row for row in json.loads(proc.stdout)}
    assert rows["ollama-sim-gpt-4o"]["provider"] == "ollama" and rows["ollama-sim-gpt-4o"]["output_per_mtok"] == 0
    assert "ollama-llama3-2" in rows  # the catalog's own entries stay


def test_an_export_of_a_broken_config_fails_instead_of_shipping_an_older_one(tmp_path: Path,
                                                                             run_cli: InProcessCli) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[strategies.fixed]\nmodel = "gpt-4o"\n')
    assert run_cli("--config", str(config), "export", "-f", "toml").returncode == 0  # now the last good one
    config.write_text('[strategies.fixed]\nmodel = "gpt-9"\n')
    proc = run_cli("--config", str(config), "export", "-f", "toml", "-s", "fixed", "-o", str(tmp_path / "out.toml"))
    assert proc.returncode == 2 and not (tmp_path / "out.toml").exists()
    assert f"{config}:2: strategies.fixed.model = 'gpt-9': unknown model 'gpt-9'" in proc.stderr
    assert "Traceback" not in proc.stderr
