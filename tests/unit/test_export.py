"""Export to the project's TOML, LiteLLM and Portkey; import from LiteLLM.
No network, no keys."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from playground.config.build import Settings
from playground.config.exporters import Format, export_policy
from playground.config.exporters.export_toml import self_contained_policy
from playground.config.exporters.plan import build_plan
from playground.config.files import write_private
from playground.config.import_litellm import import_litellm
from playground.config.load import parse_policy_text
from playground.config.profiles import load_profile, save_profile
from playground.config.serialize import policy_to_toml
from playground.core.catalog import default_catalog_raw
from playground.core.errors import UserError
from playground.strategies.registry import STRATEGIES, make_strategy
from playground.strategies.routing import neutral_route
from tests.helpers.data import HAND_WRITTEN, SENTINELS


def settings_for(strategy: str, extra: str = "") -> Settings:
    return parse_policy_text(f'[router]\nstrategy = "{strategy}"\n{extra}', "test")


# --- toml ----------------------------------------------------------------------


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_toml_round_trip(strategy: str) -> None:
    settings = settings_for(strategy, "[retry]\nmax_attempts = 4\n[cache]\nenabled = true\nttl_s = 60.0\n")
    result = export_policy(settings, "toml")
    assert result.suffix == ".toml" and result.unexpressed == []
    again = parse_policy_text(result.text, "exported.toml")
    assert again.router_strategy == strategy
    assert again.resilience.retry == settings.resilience.retry
    assert again.resilience.breaker == settings.resilience.breaker
    assert again.cache == settings.cache and again.timeouts == settings.timeouts
    want = make_strategy(strategy, settings.catalog, settings.values_for(strategy)).values
    got = make_strategy(strategy, again.catalog, again.values_for(strategy)).values
    assert got == want
    for model_id in build_plan(settings).all_models():
        assert again.catalog.models[model_id] == settings.catalog.models[model_id]
    # Exporting the export changes nothing.
    assert export_policy(again, "toml").text == result.text


def test_exports_and_profiles_leave_the_apps_own_preferences_out() -> None:
    """Theme, history and key bindings are the user's, not the policy's: loading an
    exported policy or a profile elsewhere must not change someone's keys."""
    settings = settings_for("fixed", '[ui]\ntheme = "playground-light"\n[history]\nkeep_runs = 5\n'
                                     '[keymap]\nhelp = "f12"\n')
    assert settings.policy.keymap == {"help": "f12"}
    text = export_policy(settings, "toml").text
    assert "[ui]" not in text and "[history]" not in text and "[keymap]" not in text and "f12" not in text
    profile = policy_to_toml(settings.policy)
    assert "[keymap]" not in profile and "playground-light" not in profile and "[router]" in profile


@pytest.mark.parametrize("strategy", ["fixed", "complexity", "task", "fallback", "loadbalance", "cascade", "learned"])
def test_toml_export_loads_against_a_different_catalog(strategy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for(strategy)
    text = export_policy(settings, "toml").text
    raw = default_catalog_raw()
    # A machine whose packaged catalog knows one provider, one model and another flagship.
    tiny = {"catalog_date": raw["catalog_date"], "flagship": "ollama-llama3-2",
            "providers": {"ollama": raw["providers"]["ollama"]},
            "models": {"ollama-llama3-2": raw["models"]["ollama-llama3-2"]},
            "embedding_models": raw["embedding_models"]}
    monkeypatch.setattr("playground.config.build.default_catalog_raw", lambda: copy.deepcopy(tiny))
    elsewhere = parse_policy_text(text, "exported.toml")
    assert elsewhere.catalog.flagship == "ollama-llama3-2"
    plan, plan_there = build_plan(settings), build_plan(elsewhere)
    assert plan_there.routed_models() == plan.routed_models()
    assert plan_there.chains == plan.chains
    assert make_strategy(strategy, elsewhere.catalog, elsewhere.values_for(strategy)).values == \
        make_strategy(strategy, settings.catalog, settings.values_for(strategy)).values


def test_toml_export_spells_out_flagship_models_providers_and_chains() -> None:
    policy = self_contained_policy(settings_for("complexity"))
    assert policy.strategies["complexity"]["large_model"] == "claude-opus-4-5"  # not "@flagship"
    assert {"gpt-5-mini", "claude-sonnet-4-5", "claude-opus-4-5"} <= set(policy.models)
    assert policy.models["claude-opus-4-5"].input_per_mtok == 5.0
    assert policy.providers["anthropic"].api_key_env == "ANTHROPIC_API_KEY"
    assert policy.fallbacks.chains["claude-opus-4-5"] == ["gpt-5-4", "claude-sonnet-4-5"]


# --- litellm ---------------------------------------------------------------------


def litellm_config(settings: Settings) -> tuple[dict, list[str]]:
    result = export_policy(settings, "litellm")
    assert result.suffix == ".yaml"
    return yaml.safe_load(result.text), result.unexpressed


def by_name(config: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for entry in config["model_list"]:
        out.setdefault(entry["model_name"], []).append(entry)
    return out


def test_litellm_fixed_model_with_fallbacks_costs_and_env_keys() -> None:
    config, _ = litellm_config(settings_for("fixed"))
    names = by_name(config)
    (opus,) = names["claude-opus-4-5"]
    assert opus["litellm_params"]["model"] == "anthropic/claude-opus-4-5"
    assert opus["litellm_params"]["api_key"] == "os.environ/ANTHROPIC_API_KEY"
    assert "api_base" not in opus["litellm_params"]
    info = opus["model_info"]
    assert info["input_cost_per_token"] == pytest.approx(5e-6) and info["output_cost_per_token"] == pytest.approx(25e-6)
    assert info["max_input_tokens"] == 200_000 and info["max_output_tokens"] == 64_000
    router = config["router_settings"]
    assert router["routing_strategy"] == "simple-shuffle"
    assert router["fallbacks"] == [{"claude-opus-4-5": ["gpt-5-4", "claude-sonnet-4-5"]}]
    assert router["context_window_fallbacks"] == [{"claude-opus-4-5": ["gpt-5-4"]}]  # only larger windows
    assert router["enable_pre_call_checks"] is True
    assert router["num_retries"] == 1 and router["cooldown_time"] == 10.0 and router["allowed_fails"] == 12
    assert router["retry_policy"]["AuthenticationErrorRetries"] == 0
    assert router["allowed_fails_policy"]["RateLimitErrorAllowedFails"] >= 1000  # 429s do not trip the breaker
    # Both gateways time each attempt: the 180 s total over (1 + 1 retry) × (1 + 2 fallbacks) attempts.
    assert router["timeout"] == 30.0 and router["stream_timeout"] == 30.0
    assert set(names) == {"claude-opus-4-5", "gpt-5-4", "claude-sonnet-4-5"}
    (gpt,) = names["gpt-5-4"]
    assert gpt["litellm_params"]["model"] == "openai/gpt-5.4"


@pytest.mark.parametrize(("policy", "routing"), [("weighted", "simple-shuffle"), ("least-busy", "least-busy"),
                                                 ("latency", "latency-based-routing")])
def test_litellm_loadbalance_group_with_weights(policy: str, routing: str) -> None:
    settings = settings_for("loadbalance", f'[strategies.loadbalance]\ngroup = "gpt-4o"\npolicy = "{policy}"\n'
                                           'weights = { gpt-4o = 3, openrouter-gpt-4o = 1 }\n')
    config, _ = litellm_config(settings)
    group = by_name(config)["gpt-4o"]
    assert [(d["model_info"]["id"], d["litellm_params"]["weight"]) for d in group] == \
        [("gpt-4o", 3.0), ("openrouter-gpt-4o", 1.0)]
    assert group[1]["litellm_params"]["model"] == "openrouter/openai/gpt-4o"
    assert config["router_settings"]["routing_strategy"] == routing


def test_litellm_cost_is_the_cheapest_model_with_its_chain_and_fallback_is_explicit() -> None:
    """The playground sends a cost request to the cheapest model of the pool and
    falls back along its chain: so does the export (LiteLLM's cost-based routing
    over the pool stayed on a failing cheapest model in the gateway runs, #12)."""
    config, notes = litellm_config(settings_for("cost"))
    (cheapest,) = by_name(config)["playground-cost"]
    assert cheapest["model_info"]["id"] == "gpt-5-nano" and cheapest["litellm_params"]["input_cost_per_token"] >= 0
    assert config["router_settings"]["fallbacks"] == [{"playground-cost": ["groq-llama-3-1-8b",
                                                                           "openrouter-gemini-2-5-flash"]}]
    assert any("budget" in n for n in notes)
    assert any("cheapest model of the pool (gpt-5-nano)" in n for n in notes)
    config, _ = litellm_config(settings_for("fallback"))
    # The chain is cut to the budget: (1 + 1 retry) × (1 + 2 fallbacks) = 6 = max_attempts.
    assert config["router_settings"]["fallbacks"] == [{"claude-opus-4-5": ["gpt-5-4", "claude-sonnet-4-5"]}]
    assert "gpt-4o" not in by_name(config)


def test_litellm_complexity_uses_the_complexity_router() -> None:
    config, notes = litellm_config(settings_for("complexity"))
    (router,) = by_name(config)["playground-complexity"]
    assert router["litellm_params"]["model"] == "auto_router/complexity_router"
    tiers = router["litellm_params"]["complexity_router_config"]["tiers"]
    assert tiers == {"SIMPLE": "gpt-5-mini", "MEDIUM": "claude-sonnet-4-5", "COMPLEX": "claude-opus-4-5",
                     "REASONING": "claude-opus-4-5"}
    for model in set(tiers.values()):
        assert model in by_name(config)  # every tier names a deployment
    assert any("thresholds" in n and "do not carry over" in n for n in notes)


def test_litellm_task_uses_tags_and_says_the_caller_must_classify() -> None:
    config, notes = litellm_config(settings_for("task"))
    group = by_name(config)["playground-task"]
    tags = {d["model_info"]["id"]: d["litellm_params"]["tags"] for d in group}
    assert tags["claude-sonnet-4-5"] == ["task:code"] and "default" in tags["gpt-5-mini"]
    assert config["router_settings"]["enable_tag_filtering"] is True
    assert any("regex rules" in n for n in notes)


def test_openai_compatible_server_is_openai_with_api_base() -> None:
    settings = settings_for(
        "fixed",
        '[strategies.fixed]\nmodel = "mine"\n'
        '[providers.my-gateway]\nbase_url = "https://llm.example.com/v1"\napi_key_env = "MY_GATEWAY_KEY"\n'
        '[models.mine]\nprovider = "my-gateway"\napi_name = "mine-v2"\ncontext_window = 32000\n'
        "input_per_mtok = 1.0\noutput_per_mtok = 2.0\n[fallbacks]\nenabled = false\n",
    )
    config, _ = litellm_config(settings)
    (mine,) = by_name(config)["mine"]
    assert mine["litellm_params"] == {"model": "openai/mine-v2", "api_base": "https://llm.example.com/v1",
                                      "api_key": "os.environ/MY_GATEWAY_KEY", "input_cost_per_token": 1e-6,
                                      "output_cost_per_token": 2e-6}
    assert "fallbacks" not in config["router_settings"]
    local = settings_for("fixed", '[strategies.fixed]\nmodel = "ollama-llama3-2"\n')
    (llama,) = by_name(litellm_config(local)[0])["ollama-llama3-2"]
    assert llama["litellm_params"]["model"] == "openai/llama3.2:3b"
    assert llama["litellm_params"]["api_base"] == "http://127.0.0.1:11434/v1"
    assert not llama["litellm_params"]["api_key"].startswith("os.environ/")


def test_litellm_cache_exports_exact_cache_and_says_semantic_is_not() -> None:
    config, notes = litellm_config(settings_for("fixed", "[cache]\nenabled = true\nttl_s = 600\n"))
    assert config["litellm_settings"] == {"disable_hf_tokenizer_download": True, "cache": True,
                                         "cache_params": {"type": "local", "ttl": 600.0}}
    assert any(n.startswith("semantic cache similarity threshold 0.92") for n in notes)


# --- portkey ---------------------------------------------------------------------

# Written from Portkey-AI/gateway src/middlewares/requestValidator/schema/config.ts
# (the Zod schema the gateway validates configs with) and the docs at
# https://portkey.ai/docs/product/ai-gateway/configs, .../conditional-routing and
# .../circuit-breaker (override_params, named targets, cb_config).
STATUS = {"type": "array", "items": {"type": "integer", "minimum": 100, "maximum": 599}}
PORTKEY_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$ref": "#/$defs/config",
    "$defs": {
        "config": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "strategy": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["mode"],
                    "properties": {
                        "mode": {"enum": ["single", "loadbalance", "fallback", "conditional"]},
                        "on_status_codes": STATUS,
                        "conditions": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["query", "then"],
                                "additionalProperties": False,
                                "properties": {"query": {"type": "object"}, "then": {"type": "string"}},
                            },
                        },
                        "default": {"type": "string"},
                        "cb_config": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "failure_threshold": {"type": "integer", "minimum": 1},
                                "failure_threshold_percentage": {
                                    "type": "number",
                                    "exclusiveMinimum": 0,
                                    "maximum": 100,
                                },
                                "minimum_requests": {"type": "integer", "minimum": 1},
                                "cooldown_interval": {"type": "integer", "minimum": 30000},
                                "failure_status_codes": STATUS,
                            },
                        },
                    },
                },
                "provider": {"type": "string"},
                "api_key": {"type": "string"},
                "virtual_key": {"type": "string"},
                "custom_host": {"type": "string", "pattern": "^https?://"},
                "override_params": {
                    "type": "object",
                    "required": ["model"],
                    "properties": {"model": {"type": "string"}},
                },
                "weight": {"type": "number", "minimum": 0},
                "retry": {
                    "type": "object",
                    "required": ["attempts"],
                    "additionalProperties": False,
                    "properties": {
                        "attempts": {"type": "integer", "minimum": 0, "maximum": 5},
                        "on_status_codes": STATUS,
                    },
                },
                "request_timeout": {"type": "integer", "minimum": 1},
                "cache": {
                    "type": "object",
                    "required": ["mode"],
                    "additionalProperties": False,
                    "properties": {
                        "mode": {"enum": ["simple", "semantic"]},
                        "max_age": {"type": "integer", "minimum": 60, "maximum": 7_776_000},
                    },
                },
                "targets": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/config"}},
            },
            # The gateway's refinement: a provider, or a strategy with targets.
            "anyOf": [{"required": ["provider"]}, {"required": ["strategy", "targets"]}],
        },
    },
}


def portkey_config(settings: Settings) -> tuple[dict, list[str]]:
    result = export_policy(settings, "portkey")
    assert result.suffix == ".json"
    config = json.loads(result.text)
    jsonschema.validate(config, PORTKEY_SCHEMA)
    return config, result.unexpressed


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_portkey_config_matches_the_documented_shape(strategy: str) -> None:
    config, _ = portkey_config(settings_for(strategy, "[cache]\nenabled = true\n"))
    assert config["retry"] == {"attempts": 1, "on_status_codes": [429, 500, 502, 503, 504, 529]}
    # Each attempt gets the 180 s total over the most attempts a request can make.
    worst = (1 + config["retry"]["attempts"]) * longest_chain(config)
    assert config["request_timeout"] == 180_000 // worst
    assert config["cache"] == {"mode": "semantic", "max_age": 3600}


def longest_chain(node: dict) -> int:
    """Targets one request can try in turn: all of a fallback's, one of any other strategy's."""
    if "targets" not in node:
        return 1
    lengths = [longest_chain(t) for t in node["targets"]]
    return sum(lengths) if node["strategy"]["mode"] == "fallback" else max(lengths)


def test_portkey_conditional_on_metadata_for_complexity() -> None:
    config, notes = portkey_config(settings_for("complexity"))
    strategy = config["strategy"]
    assert strategy["mode"] == "conditional" and strategy["default"] == "claude-sonnet-4-5"
    assert {"query": {"metadata.complexity": {"$eq": "high"}}, "then": "claude-opus-4-5"} in strategy["conditions"]
    names = {t["name"] for t in config["targets"]}
    assert {c["then"] for c in strategy["conditions"]} | {strategy["default"]} <= names
    opus = next(t for t in config["targets"] if t["name"] == "claude-opus-4-5")
    assert opus["strategy"]["mode"] == "fallback" and "cb_config" in opus["strategy"]
    assert opus["targets"][0] == {"provider": "anthropic", "api_key": "${ANTHROPIC_API_KEY}",
                                  "override_params": {"model": "claude-opus-4-5"}}
    assert any("x-portkey-metadata" in n and "caller" in n for n in notes)


def test_portkey_loadbalance_weights_and_breaker() -> None:
    settings = settings_for(
        "loadbalance",
        '[strategies.loadbalance]\npolicy = "weighted"\n'
        "weights = { gpt-4o = 3, openrouter-gpt-4o = 1 }\n[breaker]\nwait_in_open_s = 60\n",
    )
    config, notes = portkey_config(settings)
    assert config["strategy"]["mode"] == "loadbalance"
    # Each weighted target is a fallback group: the deployment, then the other one.
    groups = config["targets"]
    assert [g["weight"] for g in groups] == [3.0, 1.0]
    assert [[(t["provider"], t["override_params"]["model"]) for t in g["targets"]] for g in groups] == [
        [("openai", "gpt-4o"), ("openrouter", "openai/gpt-4o")],
        [("openrouter", "openai/gpt-4o"), ("openai", "gpt-4o")],
    ]
    assert all(g["strategy"]["mode"] == "fallback" for g in groups)
    assert config["strategy"]["cb_config"] == {"failure_threshold_percentage": 60.0, "minimum_requests": 20,
                                               "cooldown_interval": 60_000,
                                               "failure_status_codes": [500, 502, 503, 504, 529]}
    assert any(n.startswith("circuit breaker: the open-source gateway ignores strategy.cb_config") for n in notes)


def test_portkey_local_server_uses_custom_host() -> None:
    config, _ = portkey_config(settings_for("fixed", '[strategies.fixed]\nmodel = "ollama-llama3-2"\n'
                                                     '[fallbacks]\nenabled = false\n'))
    assert config["strategy"] == {"mode": "single"}
    assert config["targets"] == [{"provider": "ollama", "custom_host": "http://127.0.0.1:11434",
                                  "override_params": {"model": "llama3.2:3b"}}]


# --- what cannot be expressed ------------------------------------------------------


@pytest.mark.parametrize(("strategy", "extra", "fragment"), [
    ("cascade", '[strategies.cascade]\njudge = "gpt-5-1"\n', "cascade with an LLM judge (gpt-5-1"),
    ("cascade", "", "cascade escalates when an answer fails quality checks"),
    ("ensemble", "", "ensemble (best-of-N picked by judge gpt-5-1) fans out to 3 models"),
    ("llmrouter", "", "llmrouter: asking gpt-5-nano to label each request"),
    ("learned", "", "learned: the k-nearest-neighbour router over prompt embeddings"),
    ("abtest", "", "abtest: stickiness per user id"),
    ("fixed", "", "circuit breaker"),
])
@pytest.mark.parametrize("fmt", ["litellm", "portkey"])
def test_unexpressed_lines(strategy: str, extra: str, fragment: str, fmt: Format) -> None:
    result = export_policy(settings_for(strategy, extra), fmt)
    assert any(fragment in line for line in result.unexpressed), result.unexpressed
    assert all("\n" not in line for line in result.unexpressed)


# --- keys ----------------------------------------------------------------------------


def test_keys_never_appear_in_exports_profiles_or_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in SENTINELS.items():
        monkeypatch.setenv(name, value)
    written: list[str] = []
    for strategy in STRATEGIES:
        settings = settings_for(strategy, "[cache]\nenabled = true\n")
        for fmt in ("toml", "litellm", "portkey"):
            result = export_policy(settings, fmt)
            write_private(tmp_path / f"{strategy}{result.suffix}", result.text)
            written.append(result.text)
        save_profile(strategy, self_contained_policy(settings), tmp_path / "profiles")
    texts = [p.read_text() for p in tmp_path.rglob("*") if p.is_file()] + written
    for text in texts:
        for value in SENTINELS.values():
            assert value not in text
    litellm = export_policy(settings_for("complexity"), "litellm").text
    assert "api_key: os.environ/OPENAI_API_KEY" in litellm and "api_key: os.environ/ANTHROPIC_API_KEY" in litellm
    assert '"api_key": "${OPENAI_API_KEY}"' in export_policy(settings_for("complexity"), "portkey").text
    assert 'api_key_env = "OPENAI_API_KEY"' in export_policy(settings_for("complexity"), "toml").text


# --- import ----------------------------------------------------------------------------


def test_import_hand_written_litellm_config_then_export_again(tmp_path: Path) -> None:
    source = tmp_path / "config.yaml"
    source.write_text(HAND_WRITTEN)
    notes: list[str] = []
    policy = import_litellm(source, notes)
    assert policy.router.strategy == "loadbalance"
    assert policy.strategies["loadbalance"] == {"group": "gpt-4o", "policy": "least-busy",
                                                "weights": {"gpt-4o": 3.0, "gpt-4o-2": 1.0}}
    assert policy.groups == {"gpt-4o": ["gpt-4o", "gpt-4o-2"]}
    assert policy.providers["llm-example-com"].base_url == "https://llm.example.com/v1"
    assert policy.providers["llm-example-com"].api_key_env == "EXAMPLE_KEY"
    assert policy.models["claude-sonnet"].context_window == 200_000
    assert policy.models["gpt-4o"].input_per_mtok == pytest.approx(2.5)
    assert policy.retry.retries_per_model == 2 and policy.timeouts.total_s == 60.0
    assert policy.breaker.wait_in_open_s == 30.0 and policy.breaker.minimum_calls == 3
    assert policy.fallbacks.chains == {"gpt-4o": ["claude-sonnet"], "gpt-4o-2": ["claude-sonnet"]}
    assert any("redis_host" in n for n in notes) and any("rpm" in n for n in notes)
    assert any("drop_params" in n for n in notes)
    settings = parse_policy_text(policy_to_toml(policy), "imported")
    config = yaml.safe_load(export_policy(settings, "litellm").text)
    group = by_name(config)["gpt-4o"]
    assert [d["litellm_params"]["weight"] for d in group] == [3.0, 1.0]
    assert group[1]["litellm_params"]["api_base"] == "https://llm.example.com/v1"
    assert group[1]["litellm_params"]["api_key"] == "os.environ/EXAMPLE_KEY"
    assert config["router_settings"]["routing_strategy"] == "least-busy"
    assert config["router_settings"]["num_retries"] == 2 and config["router_settings"]["cooldown_time"] == 30.0


# A fixed model with its fallback chain reads back as the fallback strategy: in
# LiteLLM the two are the same config.
@pytest.mark.parametrize(("strategy", "back"), [("fixed", "fallback"), ("fallback", "fallback"),
                                                ("loadbalance", "loadbalance"), ("complexity", "complexity")])
def test_export_import_export_is_stable(strategy: str, back: str, tmp_path: Path) -> None:
    settings = settings_for(strategy)
    first = export_policy(settings, "litellm").text
    (tmp_path / "c.yaml").write_text(first)
    policy = import_litellm(tmp_path / "c.yaml")
    assert policy.router.strategy == back
    again = parse_policy_text(policy_to_toml(policy), "imported")
    second = yaml.safe_load(export_policy(again, "litellm").text)
    assert [d["model_name"] for d in second["model_list"]] == [
        d["model_name"] for d in yaml.safe_load(first)["model_list"]
    ]


@pytest.mark.parametrize(("text", "fragment"), [
    ("model_list: [\n  - oops", "not valid YAML"),
    ("router_settings: {}\n", "model_list: missing or empty"),
    ("- just\n- a list\n", "expected a mapping with model_list"),
    ("model_list:\n  - model_name: a\n    litellm_params: {model: azure/gpt-4o}\n",
     "model_list[0].litellm_params.model: unsupported provider prefix 'azure'"),
    ("model_list:\n  - model_name: a\n", "model_list[0].litellm_params.model: missing"),
])
def test_import_errors_name_the_file_and_key(text: str, fragment: str, tmp_path: Path) -> None:
    source = tmp_path / "bad.yaml"
    source.write_text(text)
    with pytest.raises(UserError) as info:
        import_litellm(source)
    assert str(info.value).startswith(str(source)) and fragment in str(info.value)


def test_import_never_copies_a_literal_key(tmp_path: Path) -> None:
    source = tmp_path / "c.yaml"
    source.write_text(
        "model_list:\n  - model_name: a\n    litellm_params: {model: openai/gpt-4o, api_key: sk-LITERAL-123}\n"
        "    model_info: {input_cost_per_token: 0.000001, output_cost_per_token: 0.000002, max_input_tokens: 1000}\n"
    )
    notes: list[str] = []
    policy = import_litellm(source, notes)
    assert "sk-LITERAL-123" not in policy_to_toml(policy)
    assert any("literal value and was NOT imported" in n for n in notes)
    save_profile("lit", policy, tmp_path / "p")
    assert "sk-LITERAL-123" not in (tmp_path / "p" / "lit.toml").read_text()
    assert load_profile("lit", tmp_path / "p").router_strategy == "fixed"


# --- what the user can call ------------------------------------------------------------

# Keys for OpenAI and Anthropic only: the playground routes to their models alone.
TWO_KEYS = {"OPENAI_API_KEY": "sk-test-openai", "ANTHROPIC_API_KEY": "sk-ant-test"}


def test_export_plan_uses_the_providers_the_playground_can_call() -> None:
    from playground.config.exporters.plan import router_strategy
    from playground.engine.session import Session
    from playground.providers.endpoints import real_endpoints

    settings = settings_for("capability")
    endpoints = real_endpoints(settings.catalog, TWO_KEYS, settings.keyless_providers)
    context = Session(settings.catalog, endpoints, simulated=False).context  # the playground's own context
    decision = router_strategy(settings).decide(neutral_route(), context)
    plan = build_plan(settings, TWO_KEYS)
    assert plan.primary == decision.model == "claude-opus-4-5"
    assert plan.members == [decision.model, *decision.fallbacks]
    assert any(
        line.startswith("models of groq, deepseek, openrouter") and "no key (or base URL) in the environment" in line
        for line in plan.caveats
    ), plan.caveats
    config, notes = litellm_config_env(settings, TWO_KEYS)
    assert config["router_settings"].get("fallbacks", [{}])[0].get("claude-opus-4-5") == list(decision.fallbacks)
    assert any("left out" in n for n in notes)

    cost = settings_for("cost")
    pool = build_plan(cost, TWO_KEYS).members
    assert pool and {cost.catalog.models[m].provider for m in pool} <= {"openai", "anthropic"}
    providers = {settings.catalog.models[d["model_info"]["id"]].provider
                 for d in litellm_config_env(cost, TWO_KEYS)[0]["model_list"]}
    assert providers <= {"openai", "anthropic"}
    portkey = json.loads(export_policy(cost, "portkey", env=TWO_KEYS).text)
    assert {t["provider"] for t in portkey["targets"]} <= {"openai", "anthropic"}
    # No key at all: the playground runs on the simulator, where every model is there.
    everything = build_plan(cost, {}).members
    assert {"groq", "deepseek"} <= {cost.catalog.models[m].provider for m in everything}
    assert not any("left out" in line for line in build_plan(cost, {}).caveats)


def litellm_config_env(settings: Settings, env: dict[str, str]) -> tuple[dict, list[str]]:
    result = export_policy(settings, "litellm", env=env)
    return yaml.safe_load(result.text), result.unexpressed


# --- one retry budget in Portkey too ----------------------------------------------------


def test_portkey_keeps_retries_and_fallbacks_within_max_attempts() -> None:
    config, notes = portkey_config(settings_for("fixed", "[retry]\nmax_attempts = 1\nretries_per_model = 3\n"))
    assert config["retry"]["attempts"] == 0
    assert config["strategy"] == {"mode": "single"} and len(config["targets"]) == 1
    assert any("max_attempts 1" in n for n in notes)
    # 1 + 2 retries leaves room for one fallback in 6 attempts: (1 + 2) × (1 + 1) = 6.
    config, _ = portkey_config(settings_for("fallback", "[retry]\nmax_attempts = 6\nretries_per_model = 2\n"))
    assert config["retry"]["attempts"] == 2 and len(config["targets"]) == 2
    # Conditional branches: each per-model chain is cut the same way.
    config, _ = portkey_config(settings_for("complexity", "[retry]\nmax_attempts = 2\nretries_per_model = 0\n"))
    opus = next(t for t in config["targets"] if t["name"] == "claude-opus-4-5")
    assert len(opus["targets"]) == 2


def test_portkey_falls_back_on_every_failure_the_engine_falls_back_on() -> None:
    config, _ = portkey_config(settings_for("fallback", "[retry]\nretry_on = []\n"))
    assert config["retry"]["on_status_codes"] == []
    assert config["strategy"]["on_status_codes"] == [401, 403, 408, 429, 500, 502, 503, 504, 529]
    config, _ = portkey_config(settings_for("fallback", '[retry]\nretry_on = ["rate_limited"]\n'))
    assert config["retry"]["on_status_codes"] == [429]
    assert 401 in config["strategy"]["on_status_codes"] and 500 in config["strategy"]["on_status_codes"]


def test_litellm_and_portkey_agree_on_native_providers_and_the_attempt_budget() -> None:
    from playground.config.exporters.common import attempt_budget, native_provider

    settings = settings_for("fixed")
    catalog = settings.catalog
    assert native_provider(catalog, catalog.models["claude-opus-4-5"]) == "anthropic"
    assert native_provider(catalog, catalog.models["ollama-llama3-2"]) is None
    retry = settings.policy.retry
    for max_attempts, retries in [(1, 3), (2, 0), (6, 1), (6, 2), (7, 10)]:
        r = retry.model_copy(update={"max_attempts": max_attempts, "retries_per_model": retries})
        per_model, fallbacks = attempt_budget(r)
        assert (1 + per_model) * (1 + fallbacks) <= max_attempts
        capped, capped_fallbacks = attempt_budget(r, max_retries=0)
        assert capped == 0 and capped_fallbacks == max_attempts - 1


def test_import_reads_env_names_with_the_schema_pattern(tmp_path: Path) -> None:
    source = tmp_path / "c.yaml"
    source.write_text(
        "model_list:\n  - model_name: a\n    litellm_params: {model: openai/gpt-4o, api_key: os.environ/my_key}\n"
        "    model_info: {input_cost_per_token: 0.000001, output_cost_per_token: 0.000002, max_input_tokens: 1000}\n"
    )
    with pytest.raises(UserError) as info:
        import_litellm(source)
    assert "model_list[0].litellm_params.api_key" in str(info.value) and "my_key" not in str(info.value)


def test_a_keyless_local_server_stays_switched_on_through_import_and_export(tmp_path: Path) -> None:
    """LiteLLM calls a local server with no key; the imported policy must too,
    and exporting a catalog's local model must not switch its provider on."""
    source = tmp_path / "config.yaml"
    source.write_text("model_list:\n  - model_name: llama\n    litellm_params:\n      model: ollama_chat/llama3.2\n"
                      "      api_base: http://localhost:11434\n")
    policy = import_litellm(source, [])
    [(name, section)] = policy.providers.items()
    assert section.enabled and not section.api_key_env
    assert parse_policy_text(policy_to_toml(policy), "imported").keyless_providers == frozenset({name})
    settings = parse_policy_text(
        '[router]\nstrategy = "fixed"\n[strategies.fixed]\nmodel = "ollama-llama3-2"\n', "c.toml"
    )
    exported = parse_policy_text(export_policy(settings, "toml").text, "exported")
    assert "ollama" in exported.catalog.providers and exported.keyless_providers == frozenset()
