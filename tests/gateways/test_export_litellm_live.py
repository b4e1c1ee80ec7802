"""A real consumer of the LiteLLM export: the exported model_list and
router_settings go into `litellm.Router` unchanged, and requests go through it
to the built-in simulator over loopback (OpenAI and Anthropic protocols).

Skipped when `litellm` is not installed (`pip install -e '.[litellm]'`)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
import yaml

# LiteLLM fetches its model cost map from the network at import; use the copy it ships.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
litellm = pytest.importorskip("litellm")

from playground.config.build import Settings  # noqa: E402
from playground.config.exporters import export_policy  # noqa: E402
from playground.config.load import parse_policy_text  # noqa: E402
from playground.sim.runner import SimServer  # noqa: E402
from tests.helpers.env import TEST_SIM_SPEED  # noqa: E402

KEY_ENVS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY")


@pytest.fixture(autouse=True)
def dummy_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # The export references these variables; the simulator accepts any key.
    for name in KEY_ENVS:
        monkeypatch.setenv(name, "sim-dummy-key")


def sim_policy(base_url: str, models: list[str], body: str) -> Settings:
    """A policy whose providers are the simulator and whose models are its `sim-<id>` counterparts."""
    lines = [body,
             f'[providers.openai]\nkind = "openai"\nbase_url = "{base_url}/v1"\napi_key_env = "OPENAI_API_KEY"\n',
             f'[providers.openrouter]\nkind = "openai"\nbase_url = "{base_url}/v1"\n'
             'api_key_env = "OPENROUTER_API_KEY"\n',
             f'[providers.anthropic]\nkind = "anthropic"\nbase_url = "{base_url}"\napi_key_env = "ANTHROPIC_API_KEY"\n']
    lines += [f'[models.{m}]\napi_name = "sim-{m}"\n' for m in models]
    return parse_policy_text("\n".join(lines), "live-test")


def router_from(settings: Settings) -> tuple[Any, dict[str, Any]]:
    config = yaml.safe_load(export_policy(settings, "litellm").text)
    return litellm.Router(model_list=config["model_list"], **config["router_settings"]), config


def ask(router: Any, model: str, prompt: str = "What is a bloom filter?", **kwargs: Any) -> Any:
    async def go() -> Any:
        return await router.acompletion(model=model, messages=[{"role": "user", "content": prompt}],
                                        max_tokens=64, **kwargs)

    return asyncio.run(go())


def deployment(response: Any) -> str:
    return response._hidden_params["model_id"]


def test_fixed_model_answers_with_our_prices(sim_server: Any) -> None:
    settings = sim_policy(sim_server.base_url, ["gpt-4o-mini"],
                          '[router]\nstrategy = "fixed"\n[strategies.fixed]\nmodel = "gpt-4o-mini"\n'
                          "[fallbacks]\nenabled = false\n")
    router, _ = router_from(settings)
    response = ask(router, "gpt-4o-mini")
    assert response.choices[0].message.content
    assert deployment(response) == "gpt-4o-mini"
    usage = response.usage
    spec = settings.catalog.models["gpt-4o-mini"]
    expected = (usage.prompt_tokens * spec.input_per_mtok + usage.completion_tokens * spec.output_per_mtok) / 1e6
    assert response._hidden_params["response_cost"] == pytest.approx(expected, rel=1e-6)


def test_fallback_reaches_an_anthropic_deployment_when_the_primary_is_down() -> None:
    with SimServer(port=0, speed=float(TEST_SIM_SPEED), faults="sim-gpt-4o:down=1") as sim:
        settings = sim_policy(sim.base_url, ["gpt-4o", "claude-haiku-4-5"],
                              '[router]\nstrategy = "fallback"\n[strategies.fallback]\nprimary = "gpt-4o"\n'
                              'chain = ["claude-haiku-4-5"]\n[retry]\nretries_per_model = 0\n')
        router, config = router_from(settings)
        assert config["router_settings"]["fallbacks"] == [{"gpt-4o": ["claude-haiku-4-5"]}]
        response = ask(router, "gpt-4o")
    assert response.choices[0].message.content
    assert deployment(response) == "claude-haiku-4-5"


def test_weighted_group_spreads_over_its_deployments(sim_server: Any) -> None:
    settings = sim_policy(sim_server.base_url, ["gpt-4o", "openrouter-gpt-4o"],
                          '[router]\nstrategy = "loadbalance"\n[strategies.loadbalance]\ngroup = "gpt-4o"\n'
                          'policy = "weighted"\nweights = { gpt-4o = 1, openrouter-gpt-4o = 1 }\n')
    router, config = router_from(settings)
    assert config["router_settings"]["routing_strategy"] == "simple-shuffle"
    served = {deployment(ask(router, "gpt-4o", f"question {i}")) for i in range(12)}
    assert served == {"gpt-4o", "openrouter-gpt-4o"}  # 2 * 0.5^12 chance of a false failure


def test_complexity_router_config_is_accepted_and_routes_to_a_tier(sim_server: Any) -> None:
    tiers = ["gpt-5-mini", "claude-sonnet-4-5", "claude-opus-4-5"]
    settings = sim_policy(sim_server.base_url, tiers,
                          '[router]\nstrategy = "complexity"\n[fallbacks]\nenabled = false\n')
    router, _ = router_from(settings)
    response = ask(router, "playground-complexity", "hi")
    assert response.choices[0].message.content
    assert deployment(response) in tiers


def test_task_labels_route_by_tags(sim_server: Any) -> None:
    models = ["claude-sonnet-4-5", "gpt-5-1", "gpt-4o", "claude-haiku-4-5", "gpt-5-mini"]
    settings = sim_policy(sim_server.base_url, models, '[router]\nstrategy = "task"\n[fallbacks]\nenabled = false\n')
    router, _ = router_from(settings)
    assert deployment(ask(router, "playground-task", metadata={"tags": ["task:code"]})) == "claude-sonnet-4-5"
    assert deployment(ask(router, "playground-task")) == "gpt-5-mini"  # untagged: the default
