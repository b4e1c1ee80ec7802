"""Fault injection in the simulator, seen from the unmodified official SDKs
(retries off) over real loopback sockets, plus the control API."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import anthropic
import httpx2
import openai
import pytest

from playground.core.catalog import default_catalog
from playground.core.errors import UserError
from playground.sim.faults.plan import RequestInfo
from playground.sim.faults.spec import parse_fault_spec
from playground.sim.faults.spec_plan import SpecFaultPlan, check_spec
from playground.sim.runner import SimServer, serve_forever

CATALOG = default_catalog()
PROMPT = "Explain how a B-tree index speeds up database queries."
SPEED = 200.0  # 2 ms to first token for sim-gpt-4o: tests are about faults, not pacing
OPENAI_MODEL = "sim-gpt-4o"
ANTHROPIC_MODEL = "sim-claude-opus-4-5"
MAX_TOKENS = 40
USER: Any = [{"role": "user", "content": PROMPT}]


def wait_for(condition: Callable[[], bool], timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def openai_client(sim: SimServer, timeout: float = 10.0, key: str = "k") -> openai.OpenAI:
    return openai.OpenAI(base_url=sim.base_url + "/v1", api_key=key, max_retries=0, timeout=timeout)


def anthropic_client(sim: SimServer, timeout: float = 10.0, key: str = "k") -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=sim.base_url, api_key=key, max_retries=0, timeout=timeout)


def openai_stream(client: openai.OpenAI, received: list[str], model: str = OPENAI_MODEL) -> None:
    for chunk in client.chat.completions.create(model=model, messages=USER, max_tokens=MAX_TOKENS, stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            received.append(chunk.choices[0].delta.content)


def openai_ask(client: openai.OpenAI, model: str = OPENAI_MODEL) -> str | None:
    return client.chat.completions.create(model=model, messages=USER, max_tokens=MAX_TOKENS).choices[0].message.content


def anthropic_stream(client: anthropic.Anthropic, received: list[str], model: str = ANTHROPIC_MODEL) -> None:
    with client.messages.stream(model=model, max_tokens=MAX_TOKENS, messages=USER) as stream:
        received.extend(stream.text_stream)


def anthropic_ask(client: anthropic.Anthropic, model: str = ANTHROPIC_MODEL) -> str:
    reply = client.messages.create(model=model, max_tokens=MAX_TOKENS, messages=USER)
    return reply.content[0].text  # type: ignore[union-attr]


def outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except Exception as exc:
        return type(exc).__name__
    return "ok"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    with SimServer(speed=SPEED) as server:
        yield server


@pytest.fixture(autouse=True)
def quiet_server(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Deliberate aborts must not look like crashes in anyone's logs."""
    caplog.set_level(logging.DEBUG, logger="uvicorn")
    caplog.set_level(logging.DEBUG, logger="uvicorn.error")
    caplog.set_level(logging.WARNING)
    yield
    time.sleep(0.05)  # let the server's loop thread finish logging about the last request
    records = caplog.get_records("setup") + caplog.get_records("call") + caplog.records
    text = "\n".join(f"{r.name} {r.levelname} {r.getMessage()}" for r in records)
    assert not [r for r in records if r.levelno >= logging.WARNING], text
    assert not [r for r in records if r.exc_info], text
    assert "Exception in ASGI" not in text and "Traceback" not in text, text


def use(sim: SimServer, spec: str, seed: int = 0) -> None:
    sim.set_faults(spec, seed)
    sim.reset_stats()


# --- Each kind, from both SDKs ---------------------------------------------------


def test_rate_limit_is_a_429_with_retry_after_and_retry_after_ms(sim: SimServer) -> None:
    use(sim, "rate_limit=1")
    with pytest.raises(openai.RateLimitError) as oa:
        openai_ask(openai_client(sim))
    with pytest.raises(anthropic.RateLimitError) as an:
        anthropic_stream(anthropic_client(sim), [])
    assert an.value.type == "rate_limit_error"
    for headers in (oa.value.response.headers, an.value.response.headers):
        millis = int(headers["retry-after-ms"])
        assert 200 <= millis <= 1200
        assert int(headers["retry-after"]) == math.ceil(millis / 1000) >= 1
    assert sim.stats()["faults"]["rate_limit"] == 2


def test_server_errors_are_500_or_503(sim: SimServer) -> None:
    use(sim, "server_error=1")
    statuses = set()
    for _ in range(8):
        with pytest.raises(openai.InternalServerError) as oa:
            openai_ask(openai_client(sim))
        with pytest.raises(anthropic.InternalServerError) as an:
            anthropic_ask(anthropic_client(sim))
        statuses |= {oa.value.status_code, an.value.status_code}
    assert statuses == {500, 503}


def test_overloaded_before_the_first_byte_is_a_529(sim: SimServer) -> None:
    sim.set_faults(SpecFaultPlan(parse_fault_spec("overloaded=1"), overloaded_mid_stream=0.0))
    with pytest.raises(anthropic.OverloadedError) as streamed:
        anthropic_stream(anthropic_client(sim), [])
    with pytest.raises(anthropic.OverloadedError) as plain:
        anthropic_ask(anthropic_client(sim))
    for error in (streamed.value, plain.value):
        assert error.status_code == 529 and error.type == "overloaded_error"
    with pytest.raises(openai.InternalServerError) as oa:
        openai_ask(openai_client(sim))
    assert oa.value.status_code == 529 and oa.value.code == "overloaded"


def test_overloaded_mid_stream_is_an_in_stream_error_event(sim: SimServer) -> None:
    sim.set_faults(SpecFaultPlan(parse_fault_spec("overloaded=1"), overloaded_mid_stream=1.0))
    sim.reset_stats()
    received: list[str] = []
    with pytest.raises(anthropic.APIStatusError) as error:
        anthropic_stream(anthropic_client(sim), received)
    assert error.value.status_code == 200 and error.value.type == "overloaded_error"
    assert received  # after a few tokens
    # Only Anthropic streams get the mid-stream variant.
    with pytest.raises(anthropic.OverloadedError):
        anthropic_ask(anthropic_client(sim))
    with pytest.raises(openai.InternalServerError):
        openai_stream(openai_client(sim), [])
    model = sim.stats()["models"][ANTHROPIC_MODEL]
    assert model["faults"]["overloaded"] == 2 and model["mid_stream"] == 1


def test_cut_drops_the_connection_after_some_text(sim: SimServer) -> None:
    use(sim, "cut=1")
    received: list[str] = []
    with pytest.raises(openai.APIConnectionError) as oa:
        openai_stream(openai_client(sim), received)
    assert received
    assert isinstance(oa.value.__cause__, httpx2.RemoteProtocolError)
    assert "peer closed connection without sending complete message body" in str(oa.value.__cause__)

    received = []
    # The anthropic SDK does not wrap errors raised while iterating a stream.
    with pytest.raises(httpx2.RemoteProtocolError, match="peer closed connection without sending complete"):
        anthropic_stream(anthropic_client(sim), received)
    assert received


def test_cut_of_a_non_streaming_answer_happens_after_the_headers(sim: SimServer) -> None:
    use(sim, "cut=1")
    with pytest.raises(openai.APIConnectionError) as oa:
        openai_ask(openai_client(sim))
    with pytest.raises(anthropic.APIConnectionError) as an:
        anthropic_ask(anthropic_client(sim))
    for error in (oa.value, an.value):
        assert "without sending complete message body (received 0 bytes" in str(error.__cause__)
    assert sim.stats()["faults"]["cut"] == 2


def test_stall_ends_with_the_clients_read_timeout_after_some_text() -> None:
    with SimServer(speed=SPEED, faults="stall=1") as sim:
        received: list[str] = []
        with openai_client(sim, timeout=0.5) as client:
            started = time.monotonic()
            with pytest.raises(openai.APITimeoutError):
                openai_stream(client, received)
            assert received and 0.4 < time.monotonic() - started < 3
            with pytest.raises(openai.APITimeoutError):
                openai_ask(client)
        anthropic_received: list[str] = []
        with anthropic_client(sim, timeout=0.5) as client:
            with pytest.raises(httpx2.ReadTimeout):
                anthropic_stream(client, anthropic_received)
            assert anthropic_received
            with pytest.raises(anthropic.APITimeoutError):
                anthropic_ask(client)
        # The server lets go of stalled responses once their clients leave.
        assert wait_for(lambda: sim.service.active_streams == 0 and len(sim.service.connections) == 0)
        assert sim.stats()["faults"]["stall"] == 4


def test_stop_ends_a_stalled_stream_at_once() -> None:
    sim = SimServer(speed=SPEED, faults="stall=1").start()
    received: list[str] = []
    ended = threading.Event()

    def consume() -> None:
        try:
            openai_stream(openai_client(sim, timeout=60), received)
        except openai.APIError:
            pass
        finally:
            ended.set()

    reader = threading.Thread(target=consume)
    reader.start()
    assert wait_for(lambda: sim.service.active_streams == 1 and bool(received))
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 2.0
    assert ended.wait(2.0)
    reader.join()
    assert sim.service.active_streams == 0


def test_a_down_model_is_a_connection_error_without_any_response(sim: SimServer) -> None:
    use(sim, f"{OPENAI_MODEL}:down=1,{ANTHROPIC_MODEL}:down=1")
    with pytest.raises(openai.APIConnectionError) as streamed:
        openai_stream(openai_client(sim), [])
    with pytest.raises(openai.APIConnectionError) as plain:
        openai_ask(openai_client(sim))
    with pytest.raises(anthropic.APIConnectionError) as an:
        anthropic_stream(anthropic_client(sim), [])
    for error in (streamed.value, plain.value, an.value):
        assert not isinstance(error, openai.APIStatusError | anthropic.APIStatusError)
        assert isinstance(error.__cause__, httpx2.RemoteProtocolError)
        assert "Server disconnected without sending a response" in str(error.__cause__)
    assert openai_ask(openai_client(sim), "sim-gpt-4o-mini")  # other models still answer
    assert sim.stats()["models"][OPENAI_MODEL]["faults"]["down"] == 2


def test_down_wins_over_a_wrong_api_key() -> None:
    """An unreachable host cannot say 401: down is checked before the key."""
    with SimServer(speed=SPEED, require_api_key="right", faults="down=1") as sim, \
            pytest.raises(openai.APIConnectionError):
            openai_ask(openai_client(sim, key="wrong"))


def test_latency_delays_the_first_token(sim: SimServer) -> None:
    def time_to_first_token() -> float:
        started = time.perf_counter()
        stream = openai_client(sim).chat.completions.create(
            model=OPENAI_MODEL, messages=USER, max_tokens=MAX_TOKENS, stream=True
        )
        next(c for c in stream if c.choices and c.choices[0].delta.content)
        elapsed = time.perf_counter() - started
        stream.close()
        return elapsed

    use(sim, "")
    baseline = time_to_first_token()
    use(sim, "latency_ms=300")
    delayed = time_to_first_token()
    # Real milliseconds: not divided by the speed factor (that would be 1.5 ms), nor multiplied by it
    # (60 s). A busy machine only adds time, so the lower bound is exact and the upper one is loose.
    assert 0.3 <= delayed < baseline + 0.3 * 10
    assert sim.stats()["faults"]["latency_ms"] == 1


# --- Targeting, seeds, rates ---------------------------------------------------------


def test_a_models_own_items_target_only_that_model(sim: SimServer) -> None:
    use(sim, f"{OPENAI_MODEL}:server_error=1")
    with pytest.raises(openai.InternalServerError):
        openai_ask(openai_client(sim))
    assert openai_ask(openai_client(sim), "sim-gpt-4o-mini")
    assert anthropic_ask(anthropic_client(sim))
    stats = sim.stats()
    assert stats["models"][OPENAI_MODEL]["faults"]["server_error"] == 1
    assert stats["models"]["sim-gpt-4o-mini"]["faults"]["server_error"] == 0
    assert stats["faults"]["server_error"] == 1 and stats["requests"] == 3


def _outcomes(sim: SimServer, seed: int, n: int = 50) -> list[str]:
    use(sim, "rate_limit=0.1,server_error=0.1,cut=0.1", seed)
    client = openai_client(sim)
    return [outcome(lambda: openai_ask(client)) for _ in range(n)]


def test_the_same_seed_repeats_the_same_faults(sim: SimServer) -> None:
    first = _outcomes(sim, seed=1)
    assert _outcomes(sim, seed=1) == first
    assert _outcomes(sim, seed=2) != first
    failures = sum(o != "ok" for o in first)
    assert 5 <= failures <= 28, first  # p = 0.3 of 50


def test_observed_rates_follow_the_probabilities_whatever_the_concurrency(sim: SimServer) -> None:
    spec = "rate_limit=0.2,server_error=0.15,overloaded=0.1,cut=0.1"
    use(sim, spec, seed=5)
    client = openai_client(sim)
    seen = Counter(outcome(lambda: openai_ask(client)) for _ in range(300))
    sequential = sim.stats()["faults"]
    for kind, probability in (("rate_limit", 0.2), ("server_error", 0.15), ("overloaded", 0.1), ("cut", 0.1)):
        assert abs(sequential[kind] / 300 - probability) < 0.07, sequential
    assert seen["RateLimitError"] == sequential["rate_limit"]
    assert seen["APIConnectionError"] == sequential["cut"]
    assert seen["InternalServerError"] == sequential["server_error"] + sequential["overloaded"]
    assert seen["ok"] == 300 - sum(sequential.values())

    # Each request index draws from its own generator: 10 threads get the same faults in total.
    use(sim, spec, seed=5)
    threads = [threading.Thread(target=lambda: [outcome(lambda: openai_ask(client)) for _ in range(30)])
               for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sim.stats()["faults"] == sequential


def test_decisions_are_a_function_of_seed_and_index() -> None:
    plan = SpecFaultPlan(parse_fault_spec("overloaded=0.5,cut=0.5"), seed=3)
    model = CATALOG.get("claude-opus-4-5")

    def info(index: int) -> RequestInfo:
        return RequestInfo("anthropic", model, ANTHROPIC_MODEL, True, 10, 100, index, output_tokens=100)

    decisions = [plan.decide(info(i)) for i in range(200)]
    assert decisions == [plan.decide(info(i)) for i in range(200)]
    assert {d.failure for d in decisions} == {"overloaded", "cut"}
    overloads = [d for d in decisions if d.failure == "overloaded"]
    assert {d.mid_stream for d in overloads} == {True, False}  # both variants of an Anthropic stream overload
    assert all(1 <= d.after_tokens <= 8 for d in overloads if d.mid_stream)
    assert all(1 <= d.after_tokens <= 60 for d in decisions if d.failure == "cut")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rate_limit=0.6,server_error=0.5", r"for every model add up to 1\.1 \(rate_limit 0\.6 \+ server_error 0\.5\)"),
        ("cut=0.5,sim-gpt-4o:stall=0.6", r"for sim-gpt-4o add up to 1\.1"),
    ],
)
def test_probabilities_adding_up_to_more_than_one_are_refused(spec: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        check_spec(parse_fault_spec(spec))
    with pytest.raises(UserError, match="at most 1"):
        SimServer(faults=spec)


def test_a_bad_spec_is_a_user_error_with_the_parsers_message() -> None:
    with pytest.raises(UserError, match="fault item 1 'explode=1': unknown fault kind"):
        SimServer(faults="explode=1")
    with pytest.raises(UserError, match="unknown simulated model 'sim-gpt4o'"):
        SimServer(faults="sim-gpt4o:down=1")
    with pytest.raises(UserError, match="unknown fault kind"):
        serve_forever("127.0.0.1", 0, faults="explode=1")


# --- Control API, stats, set_faults while serving ----------------------------------------


def test_control_api_gets_puts_and_deletes_faults(sim: SimServer) -> None:
    use(sim, "")
    url = sim.base_url + "/_sim/faults"
    with httpx2.Client() as http:
        assert http.get(url).json() == {"spec": "", "seed": 0, "models": {}}
        put = http.put(url, json={"spec": "server_error=0.2,sim-gpt-4o:down=1", "seed": 9})
        assert put.status_code == 200
        state = http.get(url).json()
        assert state == put.json()
        assert state["seed"] == 9 and state["spec"] == "server_error=0.2,sim-gpt-4o:down=1"
        assert list(state["models"]) == ["sim-gpt-4o"]
        assert state["models"]["sim-gpt-4o"]["down"] is True
        assert state["models"]["sim-gpt-4o"]["server_error"] == 0.2
        assert sim.faults.for_model("sim-gpt-4o").down

        kept = http.put(url, json={"spec": "cut=0.1"}).json()  # no seed: keep the current one
        assert kept["seed"] == 9 and kept["spec"] == "cut=0.1"

        for body, message in (
            ({"spec": "cut=0.1,explode=1"}, "fault item 2 'explode=1': unknown fault kind 'explode'"),
            ({"spec": "sim-nope:cut=1"}, "unknown simulated model 'sim-nope'"),
            ({"spec": "cut=0.7,stall=0.7"}, "add up to 1.4"),
            ({"spec": 5}, 'string "spec"'),
            ({"spec": "cut=1", "seed": "x"}, "seed must be an integer"),
        ):
            bad = http.put(url, json=body)
            assert bad.status_code == 400, body
            assert message in bad.json()["error"]["message"]
        assert http.put(url, content=b"{nope").status_code == 400
        assert http.get(url).json()["spec"] == "cut=0.1"  # a refused PUT changes nothing

        cleared = http.delete(url)
        assert cleared.status_code == 200 and cleared.json() == {"spec": "", "seed": 9, "models": {}}
    assert not sim.faults.everywhere.active


def test_control_api_stats_count_requests_and_faults(sim: SimServer) -> None:
    use(sim, f"{ANTHROPIC_MODEL}:rate_limit=1,latency_ms=1")
    for _ in range(3):
        openai_ask(openai_client(sim))
    with pytest.raises(anthropic.RateLimitError):
        anthropic_ask(anthropic_client(sim))
    with httpx2.Client() as http:
        stats = http.get(sim.base_url + "/_sim/stats").json()
        assert stats["requests"] == 4
        assert stats["models"][OPENAI_MODEL] == {
            "requests": 3,
            "faults": {"rate_limit": 0, "server_error": 0, "overloaded": 0, "cut": 0, "stall": 0,
                       "latency_ms": 3, "down": 0},
            "mid_stream": 0,
        }
        assert stats["models"][ANTHROPIC_MODEL]["faults"]["rate_limit"] == 1
        assert stats["faults"]["rate_limit"] == 1 and stats["faults"]["latency_ms"] == 4
        reset = http.delete(sim.base_url + "/_sim/stats").json()
        assert reset["requests"] == 0 and reset["models"] == {}


def test_control_api_needs_the_key_when_the_simulator_has_one() -> None:
    with SimServer(speed=SPEED, require_api_key="secret") as sim, httpx2.Client() as http:
        url = sim.base_url + "/_sim/faults"
        denied = http.put(url, json={"spec": "cut=1"})
        assert denied.status_code == 401 and denied.json()["error"]["type"] == "authentication_error"
        assert http.get(sim.base_url + "/_sim/stats").status_code == 401
        assert http.put(url, json={"spec": "cut=1"}, headers={"authorization": "Bearer secret"}).status_code == 200
        assert http.get(url, headers={"x-api-key": "secret"}).json()["spec"] == "cut=1"


def test_set_faults_while_serving_from_another_thread(sim: SimServer) -> None:
    use(sim, "")
    client = openai_client(sim)
    results: list[str] = []
    stop = threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            results.append(outcome(lambda: openai_ask(client)))

    worker = threading.Thread(target=traffic)
    worker.start()
    try:
        assert wait_for(lambda: len(results) >= 5)
        sim.set_faults("server_error=1")
        marker = len(results)
        assert wait_for(lambda: len(results) >= marker + 5)
        with pytest.raises(UserError, match="unknown fault kind"):
            sim.set_faults("explode=1")  # refused: the active plan stays
        assert sim.faults.format() == "server_error=1"
    finally:
        stop.set()
        worker.join()
    assert set(results[:5]) == {"ok"}
    assert set(results[marker + 1 :]) == {"InternalServerError"}  # one request may have been under way
    assert sim.describe_faults()["spec"] == "server_error=1"


def test_serve_forever_prints_the_active_faults(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    servers: list[SimServer] = []
    original_start = SimServer.start

    def start(self: SimServer, timeout: float = 10.0) -> SimServer:
        servers.append(self)
        return original_start(self, timeout)

    monkeypatch.setattr(SimServer, "start", start)
    runner = threading.Thread(target=serve_forever, args=("127.0.0.1", 0),
                              kwargs={"speed": SPEED, "faults": "cut=0.05,sim-gpt-4o:down=1", "seed": 4})
    runner.start()
    assert wait_for(lambda: bool(servers) and servers[0].running)
    servers[0].stop()  # serve_forever returns once its server is no longer running
    runner.join(5)
    out = capsys.readouterr().out
    assert "faults cut=0.05,sim-gpt-4o:down=1 (seed 4)" in out
    assert "/_sim/faults" in out


async def test_without_simserver_a_connection_failure_becomes_a_clear_503() -> None:
    """The app under another server cannot reach its sockets: it says so
    instead of hanging or pretending."""
    from playground.sim.wire.app import create_app

    app = create_app(speed=SPEED, faults="sim-gpt-4o:down=1")
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://sim") as http:
        response = await http.post("/v1/chat/completions", json={"model": OPENAI_MODEL, "messages": USER})
    assert response.status_code == 503
    assert "could not be produced" in response.json()["error"]["message"]


def test_set_faults_takes_a_parsed_spec_and_keeps_the_seed(sim: SimServer) -> None:
    sim.set_faults("", seed=12)
    sim.set_faults(parse_fault_spec(f"{OPENAI_MODEL}:rate_limit=1"))
    assert sim.fault_seed == 12 and sim.faults.for_model(OPENAI_MODEL).rate_limit == 1
    with pytest.raises(openai.RateLimitError):
        openai_ask(openai_client(sim))
    sim.clear_faults()
    assert openai_ask(openai_client(sim))
