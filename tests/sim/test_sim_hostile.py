"""Whatever a client sends, the simulator answers like the real services:
a JSON error in the API's own shape (400, 404, 413) or a valid answer,
never a 500, a plain-text error or a traceback. Property-based over request
bodies (arbitrary JSON, near-valid chat requests, raw bytes), plus the
named hostile inputs, plus a subprocess check that nothing reaches the
host process's stderr (client disconnects, garbage HTTP, a crashing plan)."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import httpx2
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.sim.runner import SimServer

ENDPOINTS = ("/v1/chat/completions", "/v1/messages", "/v1/messages/count_tokens", "/v1/embeddings")
ALLOWED = {200, 400, 404, 413}
MODELS = ["gpt-4o", "sim-gpt-4o-mini", "claude-haiku-4-5", "deepseek-chat", "text-embedding-3-small", "nope", ""]
PNG_1x1 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")


@pytest.fixture(scope="module")
def hostile_sim() -> Iterator[SimServer]:
    with SimServer(speed=5000) as sim:
        yield sim


@pytest.fixture(scope="module")
def http(hostile_sim: SimServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=hostile_sim.base_url, timeout=30) as client:
        yield client


def _check(response: httpx2.Response, path: str) -> None:
    """A JSON error in the API's shape, or a complete answer."""
    assert response.status_code in ALLOWED, (response.status_code, response.text[:500])
    if response.status_code == 200 and response.headers.get("content-type", "").startswith("text/event-stream"):
        assert response.text.endswith("data: [DONE]\n\n") or "event: message_stop" in response.text
        return
    body = response.json()
    if response.status_code == 200:
        return
    if path.startswith("/v1/messages"):
        assert (body["type"] == "error" and body["error"]["type"] == "invalid_request_error") or \
            body["error"]["type"] == "not_found_error"
        assert isinstance(body["error"]["message"], str)
    else:
        assert set(body["error"]) == {"message", "type", "param", "code"}
        assert body["error"]["type"] == "invalid_request_error"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
TEXT = st.text(max_size=60) | st.sampled_from(["What is 2+2?", "Reply in JSON please", "weather in Paris?"])
PART = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": TEXT}),
    st.fixed_dictionaries({"type": st.just("image_url"), "image_url": st.fixed_dictionaries(
        {"url": st.sampled_from([f"data:image/png;base64,{PNG_1x1}", "https://x.test/a.png", "data:,x", "nope"]),
         "detail": st.sampled_from(["auto", "low", "high", "max"])})}),
    st.fixed_dictionaries({"type": st.just("image"), "source": st.fixed_dictionaries(
        {"type": st.sampled_from(["base64", "url"]), "media_type": st.sampled_from(["image/png", "image/gif"]),
         "data": st.sampled_from([PNG_1x1, "####"]), "url": st.just("https://x.test/a.png")})}),
    st.fixed_dictionaries({"type": st.just("tool_result"), "tool_use_id": st.text(max_size=8), "content": TEXT}),
    JSON,
)
MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system", "tool", "developer", "robot"]),
     "content": st.one_of(TEXT, st.lists(PART, max_size=3), st.none(), JSON)},
    optional={"tool_call_id": st.text(max_size=8), "tool_calls": JSON},
)
SCHEMA = st.one_of(
    st.just({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
    st.just({"type": "array", "minItems": 10**6}),
    st.just({"type": "object", "properties": {"x": {"type": "strnig"}}}),
    JSON,
)
TOOL = st.one_of(
    st.fixed_dictionaries({"type": st.just("function"), "function": st.fixed_dictionaries(
        {"name": st.sampled_from(["get_weather", "bad name", ""]), "description": TEXT, "parameters": SCHEMA})}),
    st.fixed_dictionaries({"name": st.sampled_from(["get_weather", "x" * 200]), "input_schema": SCHEMA}),
    JSON,
)
NEAR_VALID = st.fixed_dictionaries(
    {"model": st.sampled_from(MODELS), "messages": st.lists(MESSAGE, max_size=4)},
    optional={
        "max_tokens": st.one_of(st.integers(-5, 5000), st.just(2**62), JSON),
        "stream": st.one_of(st.booleans(), JSON),
        "stream_options": st.one_of(st.just({"include_usage": True}), JSON),
        "n": st.one_of(st.integers(-3, 200), JSON),
        "logprobs": st.booleans(),
        "top_logprobs": st.integers(-2, 30),
        "tools": st.lists(TOOL, max_size=3),
        "tool_choice": st.one_of(st.sampled_from(["auto", "none", "required", "sometimes"]), JSON,
                                 st.just({"type": "function", "function": {"name": "get_weather"}}),
                                 st.just({"type": "any"}), st.just({"type": "tool", "name": "get_weather"})),
        "response_format": st.one_of(
            st.just({"type": "json_object"}),
            SCHEMA.map(lambda s: {"type": "json_schema", "json_schema": {"name": "r", "schema": s}}), JSON),
        "output_config": SCHEMA.map(lambda s: {"format": {"type": "json_schema", "schema": s}}),
        "system": st.one_of(TEXT, JSON),
        "input": st.one_of(TEXT, st.lists(st.integers(-1, 100), max_size=4), JSON),
        "dimensions": st.integers(-1, 10_000),
        "seed": st.integers(),
    },
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(ENDPOINTS), body=st.one_of(NEAR_VALID, JSON))
def test_any_json_body_gives_an_api_error_or_an_answer(http: httpx2.Client, caplog: pytest.LogCaptureFixture,
                                                      path: str, body: Any) -> None:
    with caplog.at_level(logging.ERROR, logger="playground.sim"):
        response = http.post(path, content=json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass"),
                             headers={"content-type": "application/json"})
    _check(response, path)
    assert not [r for r in caplog.records if r.name.startswith("playground.sim")], "the guard caught an exception"


GOOD_SCHEMA = st.sampled_from([
    {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
     "required": ["city"]},
    {"type": "object", "properties": {"tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "minItems": 2,
                                                "uniqueItems": True}}, "required": ["tags"]},
    {"type": "object", "properties": {}},
])
GOOD_TEXT = st.sampled_from(["What's the weather in Paris?", "Reply in JSON: is 97 prime?", "Summarize this image.",
                             "hello", "Explain B-trees in detail, step by step."]) | st.text(min_size=1, max_size=40)
GOOD_IMAGE = st.sampled_from([f"data:image/png;base64,{PNG_1x1}", "https://x.test/cat.png"])
OPENAI_GOOD = st.fixed_dictionaries(
    {"model": st.sampled_from(["gpt-4o", "gpt-5-mini", "deepseek-chat", "claude-haiku-4-5"]),
     "messages": st.lists(st.one_of(
         st.fixed_dictionaries({"role": st.just("user"), "content": GOOD_TEXT}),
         st.fixed_dictionaries({"role": st.just("user"), "content": st.lists(st.one_of(
             st.fixed_dictionaries({"type": st.just("text"), "text": GOOD_TEXT}),
             st.fixed_dictionaries({"type": st.just("image_url"), "image_url": st.fixed_dictionaries(
                 {"url": GOOD_IMAGE})})), min_size=1, max_size=3)})), min_size=1, max_size=3)},
    optional={
        "stream": st.booleans(),
        "max_tokens": st.integers(1, 400),
        "tools": st.lists(GOOD_SCHEMA, min_size=1, max_size=3).map(
            lambda schemas: [{"type": "function", "function": {"name": f"tool_{i}", "description": "weather lookup",
                                                               "parameters": s}} for i, s in enumerate(schemas)]),
        "parallel_tool_calls": st.booleans(),
        "response_format": st.one_of(st.just({"type": "json_object"}), GOOD_SCHEMA.map(
            lambda s: {"type": "json_schema", "json_schema": {"name": "answer", "schema": s}})),
        "logprobs": st.booleans(),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(body=OPENAI_GOOD)
def test_valid_feature_requests_are_answered_in_both_protocols(http: httpx2.Client, body: dict[str, Any]) -> None:
    response = http.post("/v1/chat/completions", json=body)
    _check(response, "/v1/chat/completions")
    anthropic_body = {**{k: v for k, v in body.items() if k in ("model", "stream", "max_tokens")},
                      "max_tokens": body.get("max_tokens", 300),
                      "messages": [{"role": "user", "content": m["content"] if isinstance(m["content"], str) else [
                          {"type": "text", "text": p["text"]} if p["type"] == "text" else
                          {"type": "image", "source": {"type": "url", "url": p["image_url"]["url"]}}
                          if p["image_url"]["url"].startswith("https") else
                          {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG_1x1}}
                          for p in m["content"]]} for m in body["messages"]]}
    if "tools" in body:
        anthropic_body["tools"] = [{"name": t["function"]["name"], "description": "weather lookup",
                                    "input_schema": t["function"]["parameters"]} for t in body["tools"]]
    _check(http.post("/v1/messages", json=anthropic_body), "/v1/messages")
    if response.status_code == 200 and not body.get("stream") and "json_schema" in str(body.get("response_format")):
        message = response.json()["choices"][0]
        if message["finish_reason"] == "stop" and message["message"]["content"]:
            jsonschema.validate(json.loads(message["message"]["content"]),
                                body["response_format"]["json_schema"]["schema"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(ENDPOINTS), raw=st.binary(max_size=200))
def test_any_bytes_give_an_api_error(http: httpx2.Client, path: str, raw: bytes) -> None:
    _check(http.post(path, content=raw), path)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "\\ud800"}]}',
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1' + b"0" * 5000 + b"}",
        b'{"model": "gpt-4o", "messages": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 1e999}',
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": NaN}',
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "seed": 99999999999999999999}',
        b"\xff\xfe{}",
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]',
    ],
)
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages"])
def test_named_hostile_bodies_are_json_400s(http: httpx2.Client, raw: bytes, path: str) -> None:
    response = http.post(path, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    body = response.json()
    if path == "/v1/messages":
        assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
        assert body["error"]["message"].startswith("The request body is not valid JSON: ")
    else:
        assert body["error"]["message"].startswith("We could not parse the JSON body of your request.")
        assert body["error"]["type"] == "invalid_request_error"


def test_stream_options_without_stream_is_openais_400(http: httpx2.Client) -> None:
    response = http.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user",
                         "content": "hi"}],
                                                       "stream_options": {"include_usage": True}})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "message": "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        "type": "invalid_request_error", "param": "stream_options", "code": None}


@pytest.mark.parametrize(
    ("n", "code", "message"),
    [
        (1, None, None),
        (0, "integer_below_min_value", "Invalid 'n': integer below minimum value"),
        (2, "unsupported_value", "Unsupported value: 'n' does not support 2"),
        (129, "integer_above_max_value", "Invalid 'n': integer above maximum value"),
    ],
)
def test_n_other_than_one_is_refused(http: httpx2.Client, n: int, code: str | None, message: str | None) -> None:
    response = http.post("/v1/chat/completions", json={"model": "gpt-4o", "n": n,
                                                       "messages": [{"role": "user", "content": "hi"}]})
    if message is None:
        assert response.status_code == 200 and len(response.json()["choices"]) == 1
        return
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "n" and error["code"] == code and error["message"].startswith(message)


def test_an_oversized_body_is_a_413_before_it_is_read(hostile_sim: SimServer) -> None:
    with socket.create_connection(("127.0.0.1", hostile_sim.port), timeout=10) as sock:
        sock.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 1099511627776\r\n\r\n{}")
        received = b""
        while b"\r\n\r\n" not in received or not received.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert json.loads(body)["error"]["type"] == "invalid_request_error"


_LEAK_SCRIPT = textwrap.dedent("""
    import json, logging, socket, sys, time
    import httpx2
    from playground.sim.faults.plan import FaultPlan
    from playground.sim.runner import SimServer

    class Crashing(FaultPlan):
        def on_request(self, info):
            raise RuntimeError("a plan bug")

    if len(sys.argv) > 1:
        logging.basicConfig(stream=sys.stdout, level=logging.ERROR)
    with SimServer(speed=1000, faults=Crashing()) as sim:
        def raw(data):
            s = socket.create_connection(("127.0.0.1", sim.port))
            s.sendall(data)
            return s
        s = raw(b"POST /v1/chat/completions HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1000\\r\\n\\r\\n{\\"mod")
        time.sleep(0.2); s.close()
        s = raw(b"GARBAGE / NOT-HTTP\\r\\n\\r\\n"); s.recv(100); s.close()
        with httpx2.Client(base_url=sim.base_url) as http:
            crash = http.post("/v1/messages", json={"model": "claude-haiku-4-5", "max_tokens": 5,
                                                    "messages": [{"role": "user", "content": "hi"}]})
            bad = http.post("/v1/chat/completions", content=b'{"model": "gpt-4o", "messages": "\\\\ud800"}')
        print(json.dumps({"crash": [crash.status_code, crash.json()], "bad": bad.status_code}))
        time.sleep(0.3)
""")


@pytest.mark.timeout(180)  # above its child's deadline: a hung child fails as TimeoutExpired, naming it
def test_nothing_reaches_the_hosts_stderr_but_it_is_logged(tmp_path: Any) -> None:
    script = tmp_path / "leak.py"
    script.write_text(_LEAK_SCRIPT)
    quiet = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    result = json.loads(quiet.stdout.strip().splitlines()[-1])
    assert result["bad"] == 400
    status, body = result["crash"]
    assert status == 500 and body["type"] == "error" and body["error"]["type"] == "api_error"
    logged = subprocess.run([sys.executable, str(script), "--log"], capture_output=True, text=True, timeout=60)
    assert logged.stderr == ""
    assert "RuntimeError: a plan bug" in logged.stdout  # the host that configures logging sees it
