"""Every model is served by its catalog id (as `playground models --sim`
lists it), its `sim-` id and its provider's API name, in both protocols,
so any client or gateway pointed at the simulator with just a base URL
works. Faults and counters treat the names as one model."""

from __future__ import annotations

import anthropic
import openai
import pytest

from playground.core.catalog import default_catalog
from playground.core.errors import UserError
from playground.sim.content.answers import answer_for
from playground.sim.runner import SimServer

CATALOG = default_catalog()
PROMPT = "What is a bloom filter?"


@pytest.mark.parametrize("name", ["gpt-5-4", "sim-gpt-5-4", "gpt-5.4"])
def test_openai_protocol_serves_every_name(openai_sdk: openai.OpenAI, name: str) -> None:
    response = openai_sdk.chat.completions.create(model=name, messages=[{"role": "user", "content": PROMPT}])
    assert response.model == name  # echoed as asked, like the real APIs
    assert response.choices[0].message.content == answer_for(CATALOG.get("gpt-5-4"), PROMPT).text


@pytest.mark.parametrize("name", ["claude-sonnet-4-5", "sim-claude-sonnet-4-5", "anthropic/claude-sonnet-4.5"])
def test_anthropic_protocol_serves_every_name(anthropic_sdk: anthropic.Anthropic, name: str) -> None:
    with anthropic_sdk.messages.stream(model=name, max_tokens=1024,
                                       messages=[{"role": "user", "content": PROMPT}]) as stream:
        text = "".join(stream.text_stream)
    model_id = "openrouter-claude-sonnet-4-5" if "/" in name else "claude-sonnet-4-5"
    assert text == answer_for(CATALOG.get(model_id), PROMPT).text


def test_embeddings_by_provider_name(openai_sdk: openai.OpenAI) -> None:
    by_id = openai_sdk.embeddings.create(model="text-embedding-3-small", input="hello", encoding_format="float")
    by_sim = openai_sdk.embeddings.create(model="sim-text-embedding-3-small", input="hello", encoding_format="float")
    assert by_id.data[0].embedding == by_sim.data[0].embedding


def test_faults_and_counters_see_one_model_whatever_its_name() -> None:
    with SimServer(speed=200, faults="gpt-4o-mini:down=1") as sim:
        assert list(sim.describe_faults()["models"]) == ["sim-gpt-4o-mini"]  # keyed by the canonical name
        client = openai.OpenAI(base_url=sim.base_url + "/v1", api_key="x", max_retries=0)
        for name in ("sim-gpt-4o-mini", "gpt-4o-mini"):
            with pytest.raises(openai.APIConnectionError):
                client.chat.completions.create(model=name, messages=[{"role": "user", "content": "hi"}])
        sim.set_faults("")
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
        models = sim.stats()["models"]
        assert list(models) == ["sim-gpt-4o-mini"]
        assert models["sim-gpt-4o-mini"]["requests"] == 3 and models["sim-gpt-4o-mini"]["faults"]["down"] == 2


def test_a_model_named_twice_in_a_spec_is_a_duplicate() -> None:
    with pytest.raises(UserError, match="cut is already set for sim-gpt-4o by item 1"):
        SimServer(faults="sim-gpt-4o:cut=0.5,gpt-4o:cut=0.1")


def test_unknown_model_hint_names_the_ids_models_sim_lists() -> None:
    with pytest.raises(UserError, match=r"unknown simulated model 'gpt4o'; models are named as `playground models "
                                        r"--sim` lists them, e.g. gpt-4o \(or sim-gpt-4o\)"):
        SimServer(faults="gpt4o:down=1")
