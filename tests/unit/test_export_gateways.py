"""Issue #12's export fixes, checked on the configs themselves (the gateway
conformance suite runs them in the real gateways): Anthropic hosts, base URLs
carried through, attempt budgets and timeouts that hold, load balancing that
fails over, and notes that are true and name the gateway version."""

from __future__ import annotations

import json

import pytest
import yaml

from playground.config.build import Settings
from playground.config.exporters import export_policy
from playground.config.exporters.common import LITELLM_VERSION, PORTKEY_VERSION
from playground.config.load import parse_policy_text
from playground.strategies.registry import STRATEGIES

SIM = "http://127.0.0.1:4010"
# The playground pointed at one server (the simulator, a proxy...) for both APIs.
POINTED = {"OPENAI_BASE_URL": f"{SIM}/v1", "ANTHROPIC_BASE_URL": SIM}


def settings_for(strategy: str, extra: str = "") -> Settings:
    return parse_policy_text(f'[router]\nstrategy = "{strategy}"\n{extra}', "test")


def litellm(settings: Settings, env: dict[str, str] | None = None) -> tuple[dict, list[str], str]:
    result = export_policy(settings, "litellm", env=env)
    return yaml.safe_load(result.text), result.unexpressed, result.text


def portkey(settings: Settings, env: dict[str, str] | None = None) -> tuple[dict, list[str]]:
    result = export_policy(settings, "portkey", env=env)
    return json.loads(result.text), result.unexpressed


def leaves(node: dict) -> list[dict]:
    return [node] if "targets" not in node else [leaf for t in node["targets"] for leaf in leaves(t)]


def longest_chain(node: dict) -> int:
    if "targets" not in node:
        return 1
    lengths = [longest_chain(t) for t in node["targets"]]
    return sum(lengths) if node["strategy"]["mode"] == "fallback" else max(lengths)


def deployments(config: dict, model_id: str) -> list[dict]:
    return [d for d in config["model_list"] if d.get("model_info", {}).get("id", "").split("@")[0] == model_id]


# --- hosts and base URLs ---------------------------------------------------------------

@pytest.mark.parametrize("anthropic_base", [SIM, f"{SIM}/", f"{SIM}/v1"])
def test_anthropic_targets_in_portkey_end_in_v1(anthropic_base: str) -> None:
    """Portkey appends /messages to an Anthropic custom_host."""
    config, _ = portkey(settings_for("fixed"), {"ANTHROPIC_BASE_URL": anthropic_base})
    opus = next(t for t in leaves(config) if t["override_params"]["model"] == "claude-opus-4-5")
    assert opus["provider"] == "anthropic" and opus["custom_host"] == f"{SIM}/v1"


def test_base_urls_from_the_environment_reach_both_gateways() -> None:
    settings = settings_for("complexity")
    config, _ = portkey(settings, POINTED)
    hosts = {t["override_params"]["model"]: (t["provider"], t.get("custom_host")) for t in leaves(config)}
    assert hosts["claude-opus-4-5"] == ("anthropic", f"{SIM}/v1")
    assert hosts["gpt-5-mini"] == ("openai", f"{SIM}/v1")
    lite, _, _ = litellm(settings, POINTED)
    (opus,) = deployments(lite, "claude-opus-4-5")
    assert opus["litellm_params"]["model"] == "anthropic/claude-opus-4-5"
    assert opus["litellm_params"]["api_base"] == SIM  # LiteLLM appends /v1/messages
    (mini,) = deployments(lite, "gpt-5-mini")
    assert mini["litellm_params"]["model"] == "openai/gpt-5-mini" and mini["litellm_params"]["api_base"] == f"{SIM}/v1"
    # Without the variables, the public APIs by their gateway names.
    config, _ = portkey(settings, {})
    assert all("custom_host" not in t for t in leaves(config))
    lite, _, _ = litellm(settings, {})
    assert all("api_base" not in d["litellm_params"] for d in lite["model_list"] if "model_info" in d)


def test_a_configured_base_url_reaches_both_gateways() -> None:
    settings = settings_for("fixed", '[providers.anthropic]\nkind = "anthropic"\nbase_url = "https://llm.example.com/anthropic"\n'
                                     'api_key_env = "ANTHROPIC_API_KEY"\n[fallbacks]\nenabled = false\n')
    config, _ = portkey(settings, {})
    assert config["targets"][0]["custom_host"] == "https://llm.example.com/anthropic/v1"
    lite, _, _ = litellm(settings, {})
    (opus,) = deployments(lite, "claude-opus-4-5")
    assert opus["litellm_params"]["api_base"] == "https://llm.example.com/anthropic"


# --- attempts and timeouts ----------------------------------------------------------------

BUDGETS = [
    "",
    "[retry]\nmax_attempts = 4\nretries_per_model = 1\n",
    "[retry]\nmax_attempts = 3\nretries_per_model = 0\n",
    "[retry]\nmax_attempts = 2\nretries_per_model = 3\n",
]


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_litellm_never_makes_more_attempts_than_the_policy(strategy: str, budget: str) -> None:
    """LiteLLM tries every listed fallback, each with num_retries retries."""
    settings = settings_for(strategy, budget)
    config, _, _ = litellm(settings)
    router = config["router_settings"]
    lists = [chain for entry in router.get("fallbacks", []) + router.get("context_window_fallbacks", [])
             for chain in entry.values()]
    worst = (1 + router["num_retries"]) * (1 + max(map(len, lists), default=0))
    assert worst <= settings.policy.retry.max_attempts
    assert router["timeout"] * worst <= settings.policy.timeouts.total_s
    assert router["stream_timeout"] <= router["timeout"]
    named = {d["model_name"] for d in config["model_list"]}
    assert {name for chain in lists for name in chain} <= named


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_portkey_never_makes_more_attempts_than_the_policy(strategy: str, budget: str) -> None:
    settings = settings_for(strategy, budget)
    config, _ = portkey(settings)
    worst = (1 + config["retry"]["attempts"]) * longest_chain(config)
    assert worst <= settings.policy.retry.max_attempts
    assert config["request_timeout"] * worst <= settings.policy.timeouts.total_s * 1000


# --- load balancing with a deployment down ----------------------------------------------------

LB = '[strategies.loadbalance]\npolicy = "weighted"\nweights = { gpt-4o = 3, openrouter-gpt-4o = 1 }\n'


def test_litellm_load_balanced_group_falls_back_to_each_deployment() -> None:
    config, _, _ = litellm(settings_for("loadbalance", LB))
    router = config["router_settings"]
    assert router["fallbacks"] == [{"gpt-4o": ["openrouter-gpt-4o", "gpt-4o (direct)"]}]
    names = [d["model_name"] for d in config["model_list"]]
    assert names.count("gpt-4o") == 2  # the balanced group
    direct = [d for d in config["model_list"] if d["model_name"] == "gpt-4o (direct)"]
    assert len(direct) == 1 and direct[0]["litellm_params"]["model"] == "openai/gpt-4o"
    assert names.count("openrouter-gpt-4o") == 1


def test_portkey_ab_variants_fall_back_on_their_own_chains() -> None:
    config, _ = portkey(settings_for("abtest"))
    assert config["strategy"]["mode"] == "loadbalance"
    for group in config["targets"]:
        assert group["strategy"]["mode"] == "fallback" and len(group["targets"]) >= 2
    first = [t["override_params"]["model"] for t in config["targets"][0]["targets"]]
    assert first[0] == "gpt-5.1"


# --- notes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_every_note_names_the_gateway_version(strategy: str) -> None:
    settings = settings_for(strategy, "[cache]\nenabled = true\n")
    _, lite_notes, _ = litellm(settings)
    _, portkey_notes = portkey(settings)
    assert lite_notes and all(n.endswith(f"[{LITELLM_VERSION}]") for n in lite_notes)
    assert portkey_notes and all(n.endswith(f"[{PORTKEY_VERSION}]") for n in portkey_notes)


def test_notes_say_what_the_gateways_do() -> None:
    settings = settings_for("fallback", "[cache]\nenabled = true\n")
    _, notes = portkey(settings)
    text = "\n".join(notes)
    assert "cache: the open-source gateway ignores it" in text
    assert "the open-source gateway ignores strategy.cb_config" in text
    assert "Portkey falls back only on the listed statuses" in text
    assert "recent gateways" not in text and "caches exact matches" not in text
    assert "returns HTTP 200 with a truncated answer" in text
    assert "applies request_timeout to each attempt" in text
    _, notes, raw = litellm(settings)
    assert "# Run: LITELLM_MASTER_KEY=" in raw
    assert any("neither retries nor falls back once streaming has started" in n for n in notes)
    assert any(
        "each fallback list holds at most 2 models" in n and "the fallbacks of claude-opus-4-5" in n for n in notes
    )


# --- what the conformance suite found next (issue #12) ------------------------------------------

def test_litellm_complexity_router_forwards_the_callers_max_tokens() -> None:
    config, _, _ = litellm(settings_for("complexity"))
    router = next(d for d in config["model_list"] if d["model_name"] == "playground-complexity")
    assert router["litellm_params"]["complexity_router_config"]["max_tokens_from_tier_model"] is False


def test_cost_falls_back_along_the_cheapest_models_chain_in_both_gateways() -> None:
    """The playground sends a cost request to the cheapest model and falls back
    along that model's chain, not along the pool."""
    settings = settings_for("cost")
    config, _, _ = litellm(settings)
    primary = config["model_list"][0]["model_info"]["id"]
    assert primary == "gpt-5-nano"
    assert config["router_settings"]["fallbacks"] == [{"playground-cost": ["groq-llama-3-1-8b",
                                                                           "openrouter-gemini-2-5-flash"]}]
    portkey_config, notes = portkey(settings)
    assert [t["override_params"]["model"] for t in portkey_config["targets"]] == [
        "gpt-5-nano", "llama-3.1-8b-instant", "google/gemini-2.5-flash"]
    assert any("exported the cheapest model of the pool (gpt-5-nano)" in n for n in notes)


def test_chains_leave_out_models_the_playground_cannot_call() -> None:
    """The engine skips a model without a key; the export does not name it."""
    settings = settings_for("cost", '[fallbacks.chains]\ngpt-5-nano = ["groq-llama-3-1-8b", "gpt-5-mini"]\n')
    keys = {"OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k"}
    config, _, _ = litellm(settings, keys)
    assert config["router_settings"]["fallbacks"] == [{"playground-cost": ["gpt-5-mini"]}]
    portkey_config, _ = portkey(settings, keys)
    assert [t["override_params"]["model"] for t in portkey_config["targets"]] == ["gpt-5-nano", "gpt-5-mini"]


@pytest.mark.parametrize("strategy", ["task", "llmrouter"])
def test_litellm_tag_routed_fallbacks_take_tagged_requests(strategy: str) -> None:
    """With tag filtering on, a group whose deployments carry no tag refuses a tagged request."""
    config, _, _ = litellm(settings_for(strategy))
    (entry,) = config["router_settings"]["fallbacks"]
    (chain,) = entry.values()
    for name in chain:
        (deployment,) = [d for d in config["model_list"] if d["model_name"] == name]
        assert deployment["litellm_params"]["tags"] == ["default"]


def test_litellm_says_a_load_balanced_retry_may_draw_another_deployment() -> None:
    _, notes, _ = litellm(settings_for("loadbalance", LB))
    assert any("draws a deployment of gpt-4o for every attempt" in n for n in notes)
