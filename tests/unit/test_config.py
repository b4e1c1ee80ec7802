"""The configuration file: first run, validation with located errors, the
last good configuration, environment overrides, model overrides and
additions, and keys never written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from playground.config import paths
from playground.config.load import load_config, parse_policy_text
from playground.config.problems import ConfigError
from playground.config.profiles import (
    delete_profile,
    diff_profiles,
    duplicate_profile,
    list_profiles,
    load_profile,
    save_profile,
)
from playground.config.template import FIRST_RUN_CONFIG
from playground.core.errors import ErrorKind, UserError
from playground.launch import start_simulator
from tests.helpers.env import fake_key

PASTED = fake_key("sk-live", "secret-123")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_run_writes_a_commented_owner_only_config_that_loads_as_the_defaults() -> None:
    loaded = load_config()
    path = paths.config_dir() / "config.toml"
    assert loaded.created and loaded.path == path and path.exists()
    assert mode(path) == 0o600
    text = path.read_text()
    assert text == FIRST_RUN_CONFIG and text.count("#") > 30
    assert "created" in loaded.notices()[0] and str(path) in loaded.notices()[0]
    settings = loaded.settings
    assert settings.columns == ["fixed", "complexity", "task", "cost"]
    assert settings.resilience.retry.max_attempts == 6 and settings.resilience.breaker.minimum_calls == 20
    assert settings.cache.similarity_threshold == 0.92
    # Second run: nothing created, nothing to say.
    again = load_config()
    assert not again.created and again.notices() == []


def test_explicit_config_that_does_not_exist_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"config file .*nope\.toml does not exist"):
        load_config(tmp_path / "nope.toml")


def test_errors_name_file_line_key_value_and_what_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("# comment\n[retry]\nmax_attempts = 0\n\n[breaker]\nwindow_type = \"sliding\"\n"
                    "[strategies.complexity]\nhigh_threshold = 1.5\n")
    loaded = load_config(path)
    messages = [str(p) for p in loaded.problems]
    assert f"{path}:3: retry.max_attempts = 0: must be greater than or equal to 1" in messages
    assert f"{path}:6: breaker.window_type = 'sliding': allowed: 'count' or 'time'" in messages
    # Strategy parameters are checked once the schema passes: fix and reload.
    path.write_text("[strategies.complexity]\n\nhigh_threshold = 1.5\nfoo = 1\n")
    problems = [str(p) for p in load_config(path).problems]
    assert f"{path}:3: strategies.complexity.high_threshold = 1.5: 1.5 is out of range; allowed 0.0..1.0" in problems
    assert any(p.startswith(f"{path}:4: strategies.complexity.foo = 1: unknown parameter; complexity has: ")
               for p in problems)


def test_a_broken_file_falls_back_to_the_last_good_configuration_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[retry]\nmax_attempts = 3\n")
    assert load_config(path).settings.resilience.retry.max_attempts == 3
    path.write_text("[retry]\nmax_attempts = 3\njitter = 7\n")
    loaded = load_config(path)
    assert loaded.fell_back_to == "last good"
    assert loaded.settings.resilience.retry.max_attempts == 3  # from the last good file, not the defaults
    notice = loaded.notices()[-1]
    assert notice.startswith(f"configuration problems: using the last good configuration and ignoring {path}:")
    assert "retry.jitter = 7: must be less than or equal to 1" in notice
    last_good = paths.last_good_file(path)
    assert mode(last_good) == 0o600


def test_without_a_last_good_configuration_the_defaults_are_used(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[retry\n")
    loaded = load_config(path)
    assert loaded.fell_back_to == "defaults" and loaded.settings.resilience.retry.max_attempts == 6
    assert "not valid TOML" in str(loaded.problems[0]) and loaded.problems[0].line == 1


def test_environment_variables_override_the_file_and_are_named_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[retry]\nmax_attempts = 3\n[strategies.complexity]\nhigh_threshold = 0.7\n")
    env = {"PLAYGROUND_RETRY__MAX_ATTEMPTS": "2", "PLAYGROUND_STRATEGIES__COMPLEXITY__HIGH_THRESHOLD": "0.4",
           "PLAYGROUND_ROUTER__COLUMNS": '["cost", "fixed"]', "PLAYGROUND_CACHE__ENABLED": "true"}
    settings = load_config(path, env=env).settings
    assert settings.resilience.retry.max_attempts == 2
    assert settings.values_for("complexity") == {"high_threshold": 0.4}
    assert settings.columns == ["cost", "fixed"] and settings.cache.enabled
    loaded = load_config(path, env={"PLAYGROUND_TIMEOUTS__IDLE_S": "-1"})
    assert str(loaded.problems[0]) == ("environment variable PLAYGROUND_TIMEOUTS__IDLE_S: timeouts.idle_s = -1: "
                                       "must be greater than 0")


def test_models_can_be_overridden_and_added_and_groups_checked() -> None:
    settings = parse_policy_text(
        '[providers.gateway]\nkind = "openai"\nbase_url = "https://llm.example.com/v1"\napi_key_env = "GATEWAY_KEY"\n'
        '[models.gpt-4o]\ninput_per_mtok = 1.0\ncapabilities = { coding = 2 }\n'
        '[models.house-model]\nprovider = "gateway"\napi_name = "house-v2"\ncontext_window = 32000\n'
        'input_per_mtok = 0.2\noutput_per_mtok = 0.6\n'
        '[groups]\nmine = ["house-model", "gpt-4o"]\n', "c.toml")
    gpt = settings.catalog.get("gpt-4o")
    assert gpt.input_per_mtok == 1.0 and gpt.capability("coding") == 2 and gpt.capability("reasoning") > 2
    house = settings.catalog.get("house-model")
    assert (house.provider, house.api_name, house.context_window, house.output_per_mtok) == (
        "gateway", "house-v2", 32000, 0.6)
    assert settings.catalog.providers["gateway"].api_key_env == "GATEWAY_KEY"
    assert settings.catalog.groups["mine"] == ("house-model", "gpt-4o")
    with pytest.raises(ConfigError) as caught:
        parse_policy_text('[models.paid]\nprovider = "openai"\napi_name = "x"\ncontext_window = 1000\n'
                          '[groups]\nbad = ["nope"]\n[fallbacks.chains]\ngpt-4o = ["ghost"]\n', "c.toml")
    text = str(caught.value)
    assert "c.toml:1: models.paid: a model of a paid provider needs input_per_mtok and output_per_mtok" in text
    assert "c.toml:6: groups.bad = ['nope']: unknown model(s) nope" in text
    assert "c.toml:8: fallbacks.chains.gpt-4o = ['ghost']: unknown model(s) ghost" in text


def test_a_key_pasted_where_a_variable_name_belongs_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policy_text(f'[providers.x]\nbase_url = "https://x.example/v1"\napi_key_env = "{PASTED}"\n', "c.toml")
    assert PASTED not in str(caught.value)
    assert "c.toml:3: providers.x.api_key_env: must be an environment variable NAME" in str(caught.value)


def test_resilience_timeouts_and_cache_reach_the_engine_objects() -> None:
    settings = parse_policy_text(
        '[retry]\nretry_on = ["rate_limited"]\nretries_per_model = 0\n[timeouts]\nidle_s = 3\n'
        '[breaker]\nwait_in_open_s = 2\n[cache]\nenabled = true\nsimilarity_threshold = 0.8\nttl_s = 5\n'
        'max_entries = 3\n'
        '[fallbacks]\nenabled = false\n', "c.toml")
    assert settings.resilience.retry.retry_on == frozenset({ErrorKind.RATE_LIMITED})
    assert settings.resilience.retry.retries_per_model == 0 and not settings.resilience.fallbacks_enabled
    assert settings.timeouts.idle_s == 3 and settings.resilience.breaker.wait_in_open_s == 2
    assert (settings.cache.enabled, settings.cache.similarity_threshold, settings.cache.ttl_s,
            settings.cache.max_entries) == (True, 0.8, 5, 3)
    with settings.open_session(force_sim=True, simulator=start_simulator) as session:
        engine = session.make_engine()
        assert engine.cache.config.max_entries == 3 and engine.timeouts.idle_s == 3


def test_profiles_save_load_duplicate_diff_and_delete(tmp_path: Path) -> None:
    base = parse_policy_text("[strategies.complexity]\nhigh_threshold = 0.6\n", "c.toml").policy
    path = save_profile("cheap", base)
    assert mode(path) == 0o600 and path.parent == paths.profiles_dir()
    assert [p.name for p in path.parent.iterdir()] == ["cheap.toml"]  # no temp file left behind
    assert load_profile("cheap").values_for("complexity") == {"high_threshold": 0.6}
    duplicate_profile("cheap", "cheap-2")
    with pytest.raises(UserError, match="already exists"):
        duplicate_profile("cheap", "cheap-2")
    tuned = base.model_copy(update={"strategies": {"complexity": {"high_threshold": 0.3}}})
    save_profile("cheap-2", tuned)
    diff = diff_profiles("cheap", "cheap-2")
    assert [(d.key, d.left, d.right) for d in diff] == [("strategies.complexity.high_threshold", 0.6, 0.3)]
    assert list_profiles() == ["cheap", "cheap-2"]
    delete_profile("cheap-2")
    assert list_profiles() == ["cheap"]
    with pytest.raises(UserError, match="no profile named 'ghost'"):
        load_profile("ghost")
    with pytest.raises(UserError, match="profile name '../x'"):
        save_profile("../x", base)


def test_keys_in_the_environment_are_never_written(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = fake_key("sk-test", "SENTINEL-9f8e7d")
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    loaded = load_config()
    save_profile("p", loaded.settings.policy)
    written = [p for p in paths.config_dir().rglob("*") if p.is_file()]
    written += [p for p in paths.state_dir().rglob("*") if p.is_file()]
    assert len(written) >= 3  # config, profile, last good copy
    for path in written:
        assert secret not in path.read_text(), path
        assert mode(path) == 0o600, path
    assert os.environ["OPENAI_API_KEY"] == secret


def test_values_that_may_be_keys_are_never_repeated_in_errors() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policy_text(f'[providers.openai]\napi_key = "{fake_key("sk-proj", "SECRET123")}"\n'
                          f'[strategies.fixed]\nmodel = "{fake_key("sk-ant-api03", "abcdefghijklmnop")}"\n', "k.toml")
    text = str(caught.value)
    assert "SECRET123" not in text and "abcdefghijklmnop" not in text
    assert "k.toml:2: providers.openai.api_key = (value hidden: it may be a key): unknown key" in text
    with pytest.raises(ConfigError) as caught:
        parse_policy_text(f'[providers.groq]\napi_key_env = "{"_".join(["gsk", "SECRETSECRETSECRET"])}"\n', "k.toml")
    assert "gsk_SECRET" not in str(caught.value) and "must be an environment variable NAME" in str(caught.value)


def test_a_catalog_provider_can_be_overridden_in_part_and_a_new_one_needs_a_base_url() -> None:
    settings = parse_policy_text('[providers.openai]\napi_key_env = "MY_OPENAI_KEY"\n', "c.toml")
    openai = settings.catalog.providers["openai"]
    assert openai.api_key_env == "MY_OPENAI_KEY" and openai.base_url == "https://api.openai.com/v1"
    assert settings.keyless_providers == frozenset()  # a provider is switched on by its key, or `enabled`
    with pytest.raises(ConfigError, match=r"c.toml:1: providers.newco: a new provider needs base_url"):
        parse_policy_text('[providers.newco]\nkind = "openai"\n', "c.toml")
    local = parse_policy_text('[providers.box]\nbase_url = "http://127.0.0.1:8000/v1"\nenabled = true\n', "c.toml")
    assert local.keyless_providers == frozenset({"box"})


def test_strategy_values_are_kept_in_their_declared_types() -> None:
    settings = parse_policy_text('[strategies.task]\n'
                                 'rules = \'[{"task": "code", "pattern": "def ", "model": "gpt-4o"}]\'\n'
                                 '[strategies.complexity]\nhigh_threshold = 0.6\n', "c.toml")
    assert settings.values_for("task")["rules"] == [{"task": "code", "pattern": "def ", "model": "gpt-4o"}]
    with pytest.raises(ConfigError, match="not a finite number"):
        parse_policy_text('[strategies.complexity]\nhigh_threshold = nan\n', "c.toml")


def test_an_unwritable_config_dir_runs_on_defaults_and_says_why(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    loaded = load_config()
    assert not loaded.created and loaded.settings.resilience.retry.max_attempts == 6
    assert "cannot write" in loaded.notices()[0] and "running on the default configuration" in loaded.notices()[0]


def test_discovered_models_survive_a_rebuild_and_profiles_may_name_them() -> None:
    extra = {"box-llama": {"provider": "ollama", "api_name": "llama", "tier": "local", "input_per_mtok": 0.0,
                           "output_per_mtok": 0.0, "context_window": 8192, "max_output_tokens": 4096, "source": "t",
                           "price_date": "2026-11-22", "capabilities": {}, "sim": {"ttft_ms": 1, "tokens_per_s": 1,
                                                                                    "quality": 0.5}}}
    settings = parse_policy_text('[strategies.fixed]\nmodel = "box-llama"\n', "c.toml", extra_models=extra)
    rebuilt = settings.with_router_strategy("fixed")
    assert "box-llama" in rebuilt.catalog.models and rebuilt.values_for("fixed") == {"model": "box-llama"}
    save_profile("local", settings.policy)
    with pytest.raises(UserError, match="unknown model 'box-llama'"):
        load_profile("local")
    assert load_profile("local", extra_models=settings.extra_models).values_for("fixed") == {"model": "box-llama"}


def test_a_number_too_long_for_python_is_a_config_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[retry]\nmax_attempts = " + "9" * 5000 + "\n")
    loaded = load_config(path)
    assert loaded.fell_back_to == "defaults" and "not valid TOML" in str(loaded.problems[0])


def test_falling_back_drops_discovered_models_of_a_provider_only_the_broken_file_had(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[providers.box]\nbase_url = "http://127.0.0.1:9/v1"\nenabled = true\n[retry]\njitter = 7\n')
    extra = {"box-llama": {"provider": "box", "api_name": "llama", "tier": "local", "input_per_mtok": 0.0,
                           "output_per_mtok": 0.0, "context_window": 8192, "max_output_tokens": 4096, "source": "t",
                           "price_date": "2026-11-22", "capabilities": {}, "sim": {"ttft_ms": 1, "tokens_per_s": 1,
                                                                                    "quality": 0.5}}}
    loaded = load_config(path, extra_models=extra)
    assert loaded.fell_back_to == "defaults" and "box-llama" not in loaded.settings.catalog.models


def _many_bad_models(count: int) -> str:
    return "".join(f"[models.m{i}]\nprovider = \"openai\"\ncontext_window = -{i + 1}\n" for i in range(count))


def test_many_problems_are_located_in_one_scan_and_the_first_20_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from playground.config import load

    scans = []
    real_index = load.KeyIndex

    def counting(text: str) -> object:
        scans.append(len(text))
        return real_index(text)

    monkeypatch.setattr(load, "KeyIndex", counting)
    with pytest.raises(ConfigError) as caught:
        parse_policy_text(_many_bad_models(2000), "big.toml")
    assert len(scans) == 1  # not one scan of the whole file per problem
    problems = caught.value.problems
    assert len(problems) == 2000
    assert str(problems[1999]) == "big.toml:6000: models.m1999.context_window = -2000: must be greater than 0"
    lines = str(caught.value).splitlines()
    assert len(lines) == 21 and lines[0].startswith("big.toml:3: models.m0.context_window = -1")
    assert lines[-1] == "... and 1980 more problems (fix these and run again to see them)"


def test_a_broken_file_notice_lists_the_first_20_problems(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(_many_bad_models(30))
    notice = load_config(path).notices()[-1]
    assert notice.count("models.m") == 20
    assert notice.endswith("... and 10 more problems (fix these and run again to see them)")


def test_locating_keys_in_headers_dotted_keys_and_quoted_keys() -> None:
    from playground.config.locate import KeyIndex

    index = KeyIndex('version = 1\n[retry]\nmax_attempts = 2\n[models."gpt-4o"]\nsim.ttft_ms = 3\n'
                     'strategies.fixed.model = "x"\n')
    assert index.locate(("retry", "max_attempts")) == 3
    assert index.locate(("retry", "jitter")) == 2  # absent: its table's line
    assert index.locate(("models", "gpt-4o", "sim", "ttft_ms")) == 5
    assert index.locate(("models", "gpt-4o", "sim")) == 5
    assert index.locate(("timeouts", "idle_s")) is None


def test_no_value_in_the_schema_may_be_infinite_or_nan() -> None:
    for text, key in (("[models.gpt-4o]\ninput_per_mtok = inf\n", "models.gpt-4o.input_per_mtok"),
                      ("[cache]\nttl_s = inf\n", "cache.ttl_s"),
                      ("[models.gpt-4o.capabilities]\ncoding = nan\n", "models.gpt-4o.capabilities.coding")):
        with pytest.raises(ConfigError, match=f"c.toml:2: {key} = (inf|nan): (must be a finite number|.*)"):
            parse_policy_text(text, "c.toml")


def test_a_huge_value_is_shown_short_in_a_message() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policy_text("[router]\ncolumns = [" + ", ".join(['"x"'] * 10_000) + "]\n", "c.toml")
    assert len(str(caught.value)) < 400 and "..." in str(caught.value)


def test_private_files_get_private_parent_directories(tmp_path: Path) -> None:
    from playground.config.files import write_private

    target = tmp_path / "a" / "b" / "c.txt"
    write_private(target, "x")
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", target)] == [0o700, 0o700, 0o600]
    with pytest.raises(UserError, match="directory .* does not exist"):
        write_private(tmp_path / "none" / "x.txt", "x", parents=False)
