"""Running the simulator: ports, speed, clean shutdown and client disconnects."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import anthropic
import httpx2
import openai
import pytest

from playground.core.errors import UserError
from playground.sim.runner import SimServer, bind_socket, is_loopback

LONG_PROMPT = "Explain in detail how the Raft consensus algorithm handles leader election and log replication."


def wait_for(condition, timeout: float = 2.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_port_zero_picks_a_free_port_and_base_url_points_at_it() -> None:
    with SimServer() as sim:
        assert sim.port > 0
        assert sim.base_url == f"http://127.0.0.1:{sim.port}"
        with httpx2.Client() as client:
            assert client.get(sim.base_url + "/v1/models").status_code == 200
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(sim.base_url + "/v1/models")


def test_a_busy_port_is_a_user_error_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UserError, match=f"port {port} on 127.0.0.1 is already in use.*--port"):
            SimServer(port=port).start()


def test_the_port_can_be_reused_right_after_stop() -> None:
    with SimServer() as first:
        port = first.port
        openai.OpenAI(base_url=first.base_url + "/v1", api_key="k", max_retries=0).chat.completions.create(
            model="sim-gpt-4o", messages=[{"role": "user", "content": "hi"}]
        )
    with SimServer(port=port) as second:
        assert second.port == port


def test_speed_comes_from_the_environment_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYGROUND_SIM_SPEED", "7")
    assert SimServer().speed == 7
    assert SimServer(speed=3).speed == 3
    monkeypatch.delenv("PLAYGROUND_SIM_SPEED")
    assert SimServer().speed == 1
    monkeypatch.setenv("PLAYGROUND_SIM_SPEED", "fast")
    with pytest.raises(UserError, match="PLAYGROUND_SIM_SPEED"):
        SimServer()
    with pytest.raises(UserError, match="positive"):
        SimServer(speed=0)


def test_loopback_detection() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")


def test_an_unresolvable_host_is_a_user_error() -> None:
    with pytest.raises(UserError, match="cannot listen"):
        bind_socket("no-such-host.invalid", 0)


def test_client_disconnect_mid_stream_stops_generation_quietly(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    with SimServer(speed=1) as sim:  # a long answer at real speed takes many seconds
        client = openai.OpenAI(base_url=sim.base_url + "/v1", api_key="k", max_retries=0)
        stream = client.chat.completions.create(
            model="sim-ollama-qwen2-5-coder", messages=[{"role": "user", "content": LONG_PROMPT}], stream=True
        )
        first = next(c for c in stream if c.choices and c.choices[0].delta.content)
        assert first.choices[0].delta.content
        assert sim.service.active_streams == 1
        stream.close()
        assert wait_for(lambda: sim.service.active_streams == 0, timeout=1.0)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


async def test_async_client_cancel_mid_stream_stops_generation(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    with SimServer(speed=1) as sim:
        client = anthropic.AsyncAnthropic(base_url=sim.base_url, api_key="k", max_retries=0)
        async with client:
            async with client.messages.stream(
                model="sim-claude-haiku-4-5", max_tokens=4096, messages=[{"role": "user", "content": LONG_PROMPT}]
            ) as stream:
                async for _ in stream.text_stream:
                    break
            assert wait_for(lambda: sim.service.active_streams == 0, timeout=1.0)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def test_stop_does_not_wait_for_streams_under_way(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    sim = SimServer(speed=1).start()
    received: list[str] = []
    ended = threading.Event()

    def consume() -> None:
        client = anthropic.Anthropic(base_url=sim.base_url, api_key="k", max_retries=0)
        try:
            with client.messages.stream(
                model="sim-ollama-qwen2-5-coder", max_tokens=4096, messages=[{"role": "user", "content": LONG_PROMPT}]
            ) as stream:
                received.extend(stream.text_stream)
        except anthropic.APIError:
            pass  # a cut stream is what a client of a stopped server sees
        finally:
            ended.set()

    reader = threading.Thread(target=consume)
    reader.start()
    assert wait_for(lambda: len(received) >= 2, timeout=5.0)
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 2.0
    assert ended.wait(2.0)
    reader.join()
    assert not sim.running
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def test_stop_is_idempotent_start_twice_is_refused_and_restart_works() -> None:
    sim = SimServer().start()
    with pytest.raises(RuntimeError, match="already started"):
        sim.start()
    sim.stop()
    sim.stop()
    with sim:  # a fresh run after a stop serves again
        reply = openai.OpenAI(base_url=sim.base_url + "/v1", api_key="k", max_retries=0).chat.completions.create(
            model="sim-gpt-4o", messages=[{"role": "user", "content": "What is TCP?"}], stream=True
        )
        assert "".join(c.choices[0].delta.content or "" for c in reply if c.choices)


def test_serve_forever_prints_urls_and_stops_cleanly_on_ctrl_c() -> None:
    code = "from playground.sim.runner import serve_forever; serve_forever('127.0.0.1', 0, speed=40)"
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "/v1" in line and "Ctrl+C" in line
        base_url = re.search(r"http://127\.0\.0\.1:\d+", line).group()  # type: ignore[union-attr]
        reply = openai.OpenAI(base_url=base_url + "/v1", api_key="k", max_retries=0).chat.completions.create(
            model="sim-gpt-4o", messages=[{"role": "user", "content": "hi"}]
        )
        assert reply.choices[0].message.content
        process.send_signal(signal.SIGINT)
        # A generous deadline: a clean stop is quick, but a loaded machine may take seconds.
        _, stderr = process.communicate(timeout=90)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


def test_the_simulator_does_not_import_textual() -> None:
    code = (
        "import sys, playground.sim.runner, playground.sim.content.answers;"
        "assert 'textual' not in sys.modules, 'textual imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_answers_do_not_import_the_web_stack() -> None:
    code = (
        "import sys, playground.sim, playground.sim.content.answers;"
        "assert not {'uvicorn', 'starlette'} & set(sys.modules), 'web stack imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
