"""Simulated embeddings: the pure function, and `/v1/embeddings` over real
loopback sockets driven by the unmodified `openai` SDK (retries off)."""

from __future__ import annotations

import base64
import logging
import math
import struct
import time
from collections.abc import Iterator

import anthropic
import httpx2
import openai
import pytest

from playground.core.tokens import default_counter
from playground.sim.content.embedding_models import EMBEDDING_MODELS
from playground.sim.content.embeddings import cosine, embed_text, embed_tokens
from playground.sim.runner import SimServer
from playground.sim.wire.embeddings import to_float32

COUNTER = default_counter()
SMALL = "sim-text-embedding-3-small"
LARGE = "sim-text-embedding-3-large"
ADA = "sim-text-embedding-ada-002"
SIMILAR = [
    ("How do I reset my password?", "How can I reset my password"),
    ("What is the capital of France?", "Tell me the capital city of France."),
    ("Explain how a B-tree index speeds up database queries.", "How do B-tree indexes make database queries faster?"),
    ("Write a Python function that reverses a linked list.", "Python function to reverse a linked list"),
    ("How does the Raft consensus algorithm elect a leader?",
     "Explain leader election in the Raft consensus algorithm."),
    ("What are the best practices for caching HTTP responses?", "best practices for HTTP response caching"),
]
UNRELATED = [
    ("How do I reset my password?", "Explain the Raft consensus algorithm."),
    ("What is the capital of France?", "Write a Python function that reverses a linked list."),
    ("Explain how a B-tree index speeds up database queries.", "What is a good recipe for banana bread?"),
    ("How does garbage collection work in the JVM?", "Who won the football world cup in 2018?"),
    ("What are the best practices for caching HTTP responses?", "Describe the plot of Hamlet."),
    ("How do I reset my password?", "How do I bake sourdough bread at home?"),
]


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(speed=200) as server:
        yield server


def client(sim: SimServer, key: str = "k", timeout: float = 10.0) -> openai.OpenAI:
    return openai.OpenAI(base_url=sim.base_url + "/v1", api_key=key, max_retries=0, timeout=timeout)


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(v * v for v in vector))


# --- The pure function ------------------------------------------------------------


def test_vectors_are_unit_length_deterministic_and_model_specific() -> None:
    vector = embed_text("Explain how a B-tree index speeds up database queries.")
    assert len(vector) == 1536 and abs(norm(vector) - 1) < 1e-9
    assert embed_text("Explain how a B-tree index speeds up database queries.") == vector
    other_model = embed_text("Explain how a B-tree index speeds up database queries.", model="text-embedding-3-large")
    assert abs(cosine(vector, other_model)) < 0.2  # two models' spaces are not comparable
    for text in ("", "   ", "?!", "日本語のテキスト", "🎉"):
        assert abs(norm(embed_text(text, 64)) - 1) < 1e-9, text


def test_a_shorter_vector_is_the_renormalized_prefix_of_a_longer_one() -> None:
    text = "Semantic caches compare prompt embeddings by cosine similarity."
    full = embed_text(text, 3072)
    for dimensions in (64, 256, 300, 1536):
        prefix = full[:dimensions]
        expected = [v / norm(prefix) for v in prefix]
        assert max(abs(a - b) for a, b in zip(embed_text(text, dimensions), expected, strict=True)) < 1e-12


def test_similar_texts_are_close_and_unrelated_ones_near_zero() -> None:
    similar = [cosine(embed_text(a), embed_text(b)) for a, b in SIMILAR]
    unrelated = [cosine(embed_text(a), embed_text(b)) for a, b in UNRELATED]
    assert min(similar) >= 0.6, similar
    assert max(abs(u) for u in unrelated) <= 0.1, unrelated
    assert min(similar) - max(unrelated) >= 0.5
    # Order is signal too: more shared words, closer.
    query = embed_text("How do I reset my password?")
    assert cosine(query, embed_text("reset my password")) > cosine(query, embed_text("change my email address"))


def test_token_arrays_sharing_tokens_are_close() -> None:
    assert cosine(embed_tokens([1, 2, 3, 4, 5]), embed_tokens([1, 2, 3, 4, 6])) > 0.6
    assert abs(cosine(embed_tokens([1, 2, 3]), embed_tokens([7, 8, 9]))) < 0.2


# --- Over the wire, through the SDK ----------------------------------------------------


def test_single_input_with_the_sdks_default_base64_format(sim: SimServer) -> None:
    text = "What is the capital of France?"
    reply = client(sim).embeddings.create(model=SMALL, input=text)
    assert reply.object == "list" and reply.model == SMALL and len(reply.data) == 1
    datum = reply.data[0]
    assert datum.object == "embedding" and datum.index == 0
    assert datum.embedding == to_float32(embed_text(text))  # the SDK decoded little-endian float32
    assert reply.usage.prompt_tokens == reply.usage.total_tokens == COUNTER.count_text(text).tokens


def test_batch_input_keeps_order_and_sums_usage(sim: SimServer) -> None:
    texts = [a for a, _ in SIMILAR[:4]]
    reply = client(sim).embeddings.create(model=SMALL, input=texts, encoding_format="float")
    assert [d.index for d in reply.data] == [0, 1, 2, 3]
    assert [d.embedding for d in reply.data] == [to_float32(embed_text(t)) for t in texts]
    assert reply.usage.prompt_tokens == sum(COUNTER.count_text(t).tokens for t in texts)


def test_float_and_base64_formats_carry_the_same_vector(sim: SimServer) -> None:
    text = "Semantic caching for LLM requests"
    sdk = client(sim)
    as_floats = sdk.embeddings.create(model=SMALL, input=text, encoding_format="float").data[0].embedding
    by_default = sdk.embeddings.create(model=SMALL, input=text).data[0].embedding
    # Asked for explicitly, the SDK leaves base64 alone.
    raw = sdk.embeddings.create(model=SMALL, input=text, encoding_format="base64").data[0].embedding
    assert isinstance(raw, str)
    decoded = list(struct.unpack(f"<{1536}f", base64.b64decode(raw)))
    assert as_floats == by_default == decoded
    with httpx2.Client() as http:
        wire = http.post(sim.base_url + "/v1/embeddings", json={"model": SMALL, "input": text}).json()
    assert isinstance(wire["data"][0]["embedding"], list)  # the API's default is float


def test_dimensions_shorten_the_vector(sim: SimServer) -> None:
    sdk = client(sim)
    text = "How does the Raft consensus algorithm elect a leader?"
    short = sdk.embeddings.create(model=SMALL, input=text, dimensions=256).data[0].embedding
    assert len(short) == 256 and abs(norm(short) - 1) < 1e-5
    assert short == to_float32(embed_text(text, 256))
    large = sdk.embeddings.create(model=LARGE, input=text).data[0].embedding
    assert len(large) == EMBEDDING_MODELS["text-embedding-3-large"].dimensions == 3072
    with pytest.raises(openai.BadRequestError, match="does not support specifying dimensions"):
        sdk.embeddings.create(model=ADA, input=text, dimensions=256)
    with pytest.raises(openai.BadRequestError, match="less than or equal to 1536"):
        sdk.embeddings.create(model=SMALL, input=text, dimensions=2000)


def test_same_request_same_vectors_and_similarity_survives_the_wire(sim: SimServer) -> None:
    sdk = client(sim)
    pairs = SIMILAR + UNRELATED
    texts = [t for pair in pairs for t in pair]
    first = [d.embedding for d in sdk.embeddings.create(model=SMALL, input=texts).data]
    assert [d.embedding for d in sdk.embeddings.create(model=SMALL, input=texts).data] == first
    scores = [cosine(first[2 * i], first[2 * i + 1]) for i in range(len(pairs))]
    similar, unrelated = scores[: len(SIMILAR)], scores[len(SIMILAR) :]
    assert min(similar) - max(unrelated) >= 0.5, (similar, unrelated)


def test_token_array_input(sim: SimServer) -> None:
    reply = client(sim).embeddings.create(model=SMALL, input=[[1, 2, 3], [4, 5]], encoding_format="float")
    assert reply.usage.prompt_tokens == 5
    assert reply.data[0].embedding == to_float32(embed_tokens([1, 2, 3]))
    single = client(sim).embeddings.create(model=SMALL, input=[1, 2, 3], encoding_format="float")
    assert len(single.data) == 1 and single.data[0].embedding == reply.data[0].embedding


async def test_async_client(sim: SimServer) -> None:
    async with openai.AsyncOpenAI(base_url=sim.base_url + "/v1", api_key="k", max_retries=0) as sdk:
        reply = await sdk.embeddings.create(model=SMALL, input=["a cat", "a dog"])
    assert len(reply.data) == 2 and len(reply.data[1].embedding) == 1536


def test_bad_requests(sim: SimServer) -> None:
    sdk = client(sim)
    for bad_input in ("", [], ["ok", ""], [[]], 5):
        with pytest.raises(openai.BadRequestError) as error:
            sdk.embeddings.create(model=SMALL, input=bad_input)  # type: ignore[arg-type]
        assert error.value.body["param"] == "input", bad_input  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as too_long:
        sdk.embeddings.create(model=SMALL, input="token " * 9000)
    assert too_long.value.code == "context_length_exceeded" and "8192" in str(too_long.value)
    with pytest.raises(openai.BadRequestError, match="chat model"):
        sdk.embeddings.create(model="sim-gpt-4o", input="hi")
    with pytest.raises(openai.NotFoundError):
        sdk.embeddings.create(model="sim-text-embedding-9", input="hi")
    with pytest.raises(openai.NotFoundError, match="not a chat model"):
        sdk.chat.completions.create(model=SMALL, messages=[{"role": "user", "content": "hi"}])
    with httpx2.Client() as http:
        response = http.post(sim.base_url + "/v1/embeddings", json={"model": SMALL, "input": "x",
                                                                    "encoding_format": "int8"})
    assert response.status_code == 400 and response.json()["error"]["param"] == "encoding_format"


def test_models_list_has_the_embedding_models_for_openai_only(sim: SimServer) -> None:
    listed = {m.id for m in client(sim).models.list()}
    assert {SMALL, LARGE, ADA} <= listed and "sim-gpt-4o" in listed
    anthropic_listed = {m.id for m in anthropic.Anthropic(base_url=sim.base_url, api_key="k").models.list()}
    assert not anthropic_listed & {SMALL, LARGE, ADA} and "sim-gpt-4o" in anthropic_listed


def test_the_api_key_rule_applies() -> None:
    with SimServer(speed=200, require_api_key="right") as keyed:
        with pytest.raises(openai.AuthenticationError):
            client(keyed, "wrong").embeddings.create(model=SMALL, input="hi")
        assert client(keyed, "right").embeddings.create(model=SMALL, input="hi").data


# --- Faults ---------------------------------------------------------------------------


def test_faults_apply_to_embeddings(sim: SimServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    sdk = client(sim)
    try:
        sim.set_faults("rate_limit=1")
        with pytest.raises(openai.RateLimitError) as limited:
            sdk.embeddings.create(model=SMALL, input="hi")
        assert 200 <= int(limited.value.response.headers["retry-after-ms"]) <= 1200

        sim.set_faults("server_error=1")
        with pytest.raises(openai.InternalServerError):
            sdk.embeddings.create(model=SMALL, input="hi")

        sim.set_faults("cut=1")
        with pytest.raises(openai.APIConnectionError) as cut:
            sdk.embeddings.create(model=SMALL, input="hi")
        assert "without sending complete message body" in str(cut.value.__cause__)

        sim.set_faults(f"{SMALL}:down=1")
        sim.reset_stats()
        with pytest.raises(openai.APIConnectionError) as down:
            sdk.embeddings.create(model=SMALL, input="hi")
        assert "Server disconnected without sending a response" in str(down.value.__cause__)
        assert sdk.embeddings.create(model=LARGE, input="hi").data  # other models still answer
        stats = sim.stats()["models"]
        assert stats[SMALL]["faults"]["down"] == 1 and stats[LARGE]["requests"] == 1

        sim.set_faults("latency_ms=250")
        started = time.perf_counter()
        sdk.embeddings.create(model=SMALL, input="hi")
        assert time.perf_counter() - started >= 0.25

        sim.set_faults("stall=1")
        with pytest.raises(openai.APITimeoutError):
            client(sim, timeout=0.3).embeddings.create(model=SMALL, input="hi")
    finally:
        sim.clear_faults()
    time.sleep(0.05)  # let the server's loop thread finish logging about the last request
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info], caplog.text


def test_embedding_requests_take_a_simulated_time_divided_by_the_speed() -> None:
    """The fastest of three requests at speed 1 and at speed 4, taken in turns: a busy machine only
    adds time, so the lower bounds hold whatever the load, and the minimum at speed 4 stays below
    the minimum at speed 1 unless every one of its requests is delayed by more than ~90 ms."""
    latency_s = EMBEDDING_MODELS["text-embedding-3-small"].latency_ms / 1000
    with SimServer(speed=1) as slow, SimServer(speed=4) as fast:
        sdks = {1: client(slow), 4: client(fast)}
        for sdk in sdks.values():
            sdk.embeddings.create(model=SMALL, input="warm up")
        fastest = {1: float("inf"), 4: float("inf")}
        for _ in range(3):
            for speed, sdk in sdks.items():
                started = time.perf_counter()
                sdk.embeddings.create(model=SMALL, input="hello")
                fastest[speed] = min(fastest[speed], time.perf_counter() - started)
    assert fastest[1] >= 0.75 * latency_s and fastest[4] >= 0.75 * latency_s / 4
    assert fastest[4] < fastest[1]
