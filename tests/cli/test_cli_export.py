"""`playground export` and `playground import`, in-process through `main(argv)`."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import yaml

from playground.cli_import import profile_name
from playground.config.load import parse_policy_text
from tests.helpers.cli import InProcessCli, assert_one_line_error
from tests.helpers.data import HAND_WRITTEN, SENTINELS


def test_export_toml_to_stdout_is_a_loadable_policy(run_cli: InProcessCli) -> None:
    proc = run_cli("export", "--format", "toml")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    settings = parse_policy_text(proc.stdout, "stdout")
    assert settings.router_strategy == "complexity"
    assert tomllib.loads(proc.stdout)["strategies"]["complexity"]["large_model"] == "claude-opus-4-5"
    assert "not expressible" not in proc.stderr
    # Another column's strategy, from the same config.
    proc = run_cli("export", "--format", "toml", "--strategy", "cost")
    assert proc.returncode == 0, proc.stderr
    assert parse_policy_text(proc.stdout, "stdout").router_strategy == "cost"
    assert_one_line_error(run_cli("export", "--format", "toml", "--strategy", "smart"), 2, "unknown strategy 'smart'")


def test_export_litellm_to_a_file_is_private_atomic_and_reports_what_is_lost(tmp_path: Path,
                                                                             run_cli: InProcessCli) -> None:
    out = tmp_path / "exports" / "litellm" / "config.yaml"
    proc = run_cli("export", "--format", "litellm", "--out", str(out), "--parents", **SENTINELS)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    # --parents creates every missing directory owner-only, not just the last.
    assert [stat.S_IMODE(d.stat().st_mode) for d in (out.parent, out.parent.parent)] == [0o700, 0o700]
    assert sorted(p.name for p in out.parent.iterdir()) == ["config.yaml"]  # no temp file left behind
    text = out.read_text()
    config = yaml.safe_load(text)
    assert config["model_list"] and config["router_settings"]["enable_pre_call_checks"] is True
    lines = proc.stderr.strip().splitlines()
    assert any(line.startswith("not expressible in litellm: complexity: LiteLLM's complexity_router") for line in lines)
    assert "os.environ/OPENAI_API_KEY" in text
    for value in SENTINELS.values():
        assert value not in text + proc.stderr + proc.stdout
    # Overwriting replaces the file in place, still 0600.
    out.write_text("old")
    os.chmod(out, 0o644)
    proc = run_cli("export", "--format", "portkey", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["strategy"]["mode"] == "conditional"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert any(line.startswith("not expressible in portkey: ") for line in proc.stderr.splitlines())


def test_import_saves_a_profile_refuses_to_overwrite_and_exports_it(tmp_path: Path, run_cli: InProcessCli) -> None:
    source = tmp_path / "gateway.yaml"
    source.write_text(HAND_WRITTEN)
    proc = run_cli("import", "--format", "litellm", str(source), "--profile", "prod")
    assert proc.returncode == 0, proc.stderr
    assert "saved profile 'prod'" in proc.stdout
    assert "not imported from gateway.yaml: router_settings.redis_host" in proc.stderr
    profile = Path(os.environ["XDG_CONFIG_HOME"]) / "routing-playground" / "profiles" / "prod.toml"
    assert stat.S_IMODE(profile.stat().st_mode) == 0o600
    assert sorted(p.name for p in profile.parent.iterdir()) == ["prod.toml"]

    again = run_cli("import", "--format", "litellm", str(source), "--profile", "prod")
    assert_one_line_error(again, 2, "profile 'prod' already exists")
    assert len(again.stderr.strip().splitlines()) == 1
    forced = run_cli("import", "--format", "litellm", str(source), "--profile", "prod", "--force")
    assert forced.returncode == 0, forced.stderr

    exported = run_cli("export", "--format", "litellm", "--profile", "prod")
    assert exported.returncode == 0, exported.stderr
    config = yaml.safe_load(exported.stdout)
    assert config["router_settings"]["routing_strategy"] == "least-busy"
    weights = [d["litellm_params"].get("weight") for d in config["model_list"] if d["model_name"] == "gpt-4o"]
    assert weights == [3.0, 1.0]


def test_import_default_profile_name_is_the_file_name() -> None:
    assert profile_name(Path("/x/my gateway.yaml")) == "my-gateway"
    assert profile_name(Path("/x/..yaml")) == "imported"


def test_export_and_import_mistakes_are_one_line_errors(tmp_path: Path, run_cli: InProcessCli) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("model_list:\n  - model_name: a\n    litellm_params: {model: bedrock/claude}\n")
    proc = run_cli("import", "--format", "litellm", str(bad))
    assert_one_line_error(proc, 2, f"{bad}: model_list[0].litellm_params.model: unsupported provider prefix 'bedrock'")
    (tmp_path / "file.txt").write_text("x")
    proc = run_cli("export", "--format", "toml", "--out", str(tmp_path / "file.txt" / "under-a-file"))
    assert_one_line_error(proc, 2, "cannot write")


# One deployment, valid; each case below breaks one thing in it.
_GOOD_PARAMS = "model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY"
_GOOD_INFO = "{input_cost_per_token: 0.000001, output_cost_per_token: 0.000002, max_input_tokens: 1000}"


def _config(params: str = _GOOD_PARAMS, info: str = _GOOD_INFO, extra: str = "") -> str:
    return f"model_list:\n  - model_name: a\n    litellm_params: {{{params}}}\n    model_info: {info}\n{extra}"


BAD_IMPORTS = {
    "timeout": (_config(extra="router_settings:\n  timeout: 10000\n"), "router_settings.timeout = 10000: "),
    "api_base": (_config(params=_GOOD_PARAMS + ", api_base: 'localhost:8000/v1'"),
                 "model_list[0].litellm_params.api_base = 'localhost:8000/v1': "),
    "weight": (_config(params=_GOOD_PARAMS + ", weight: high"), "model_list[0].litellm_params.weight = 'high': "),
    "fallbacks": (_config(extra="router_settings:\n  fallbacks: [{}]\n"), "router_settings.fallbacks[0]: "),
    "cost": (_config(info="{input_cost_per_token: -0.000001, output_cost_per_token: 0.000002, max_input_tokens: 1000}"),
             "model_list[0].model_info.input_cost_per_token = -1e-06: "),
    "window": (_config(info="{input_cost_per_token: 0.000001, output_cost_per_token: 0.000002, max_input_tokens: 0}"),
               "model_list[0].model_info.max_input_tokens = 0: "),
    "key": (_config(params="model: openai/gpt-4o, api_key: os.environ/sk-live-SECRET"),
            "model_list[0].litellm_params.api_key: "),
    "similarity": (_config(extra="litellm_settings:\n  cache: true\n  cache_params: {similarity_threshold: 7}\n"),
                   "litellm_settings.cache_params.similarity_threshold = 7: "),
}


def test_import_of_bad_values_is_a_one_line_error_naming_file_and_key(tmp_path: Path, run_cli: InProcessCli) -> None:
    procs = {}
    for name, (text, fragment) in BAD_IMPORTS.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        procs[name] = run_cli("import", "--format", "litellm", str(path))
        assert_one_line_error(procs[name], 2, f"{path}: {fragment}")
    assert "SECRET" not in procs["key"].stderr
