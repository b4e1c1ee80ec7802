"""The per-case fault plan behind the comparison, against the real simulator
over loopback with the official OpenAI SDK: a case's tag (its max_tokens)
selects its fault, untagged requests pass, and every tagged request is logged."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from playground.core.catalog import default_catalog
from playground.gateways.faults import FAULTS_BY_KEY, NO_FAULT, Entry, MatrixFaultPlan
from playground.sim.runner import SimServer
from tests.helpers.env import TEST_SIM_SPEED

CATALOG = default_catalog()
Fixture = tuple[MatrixFaultPlan, openai.OpenAI, SimServer]


def ask(client: openai.OpenAI, model: str, tag: int, stream: bool = False) -> str:
    messages = [{"role": "user", "content": "Explain how a bloom filter works, step by step."}]
    if not stream:
        reply = client.chat.completions.create(model=model, messages=messages, max_tokens=tag)  # type: ignore[arg-type]
        return reply.choices[0].message.content or ""
    chunks = client.chat.completions.create(model=model, messages=messages, max_tokens=tag, stream=True)  # type: ignore[arg-type]
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


@pytest.fixture()
def plan_and_client() -> Iterator[Fixture]:
    plan = MatrixFaultPlan(CATALOG)
    sim = SimServer(catalog=CATALOG, speed=float(TEST_SIM_SPEED), faults=plan).start()
    client = openai.OpenAI(base_url=sim.base_url + "/v1", api_key="sim", max_retries=0)
    yield plan, client, sim
    client.close()
    sim.stop()


def test_a_tag_selects_its_fault_and_its_log(plan_and_client: Fixture) -> None:
    plan, client, _ = plan_and_client
    plan.arm(301, FAULTS_BY_KEY["server_error"], "gpt-4o")
    plan.arm(302, NO_FAULT, None)
    with pytest.raises(openai.InternalServerError):
        ask(client, "sim-gpt-4o", 301)
    assert ask(client, "sim-gpt-4o-mini", 301)  # the fault hits its target only
    assert ask(client, "sim-gpt-4o", 302)
    assert ask(client, "sim-gpt-4o", 64)  # untagged: untouched, unlogged
    assert plan.entries(301) == [Entry("gpt-4o", "server_error"), Entry("gpt-4o-mini", None)]
    assert plan.entries(302) == [Entry("gpt-4o", None)]


def test_a_whole_chain_fault_hits_every_model(plan_and_client: Fixture) -> None:
    plan, client, _ = plan_and_client
    plan.arm(303, FAULTS_BY_KEY["chain"], None)
    for model in ("sim-gpt-4o", "sim-gpt-5-mini"):
        with pytest.raises(openai.InternalServerError):
            ask(client, model, 303)
    assert [e.fault for e in plan.entries(303)] == ["chain", "chain"]


def test_a_cut_breaks_the_stream_after_some_text(plan_and_client: Fixture) -> None:
    plan, client, _ = plan_and_client
    plan.arm(304, FAULTS_BY_KEY["cut"], "gpt-4o")
    with pytest.raises(openai.APIError):
        ask(client, "sim-gpt-4o", 304, stream=True)
    assert plan.entries(304) == [Entry("gpt-4o", "cut")]


def test_down_drops_the_connection(plan_and_client: Fixture) -> None:
    plan, client, _ = plan_and_client
    plan.arm(305, FAULTS_BY_KEY["down"], "gpt-4o")
    with pytest.raises(openai.APIConnectionError):
        ask(client, "sim-gpt-4o", 305)
    assert plan.entries(305) == [Entry("gpt-4o", "down")]
