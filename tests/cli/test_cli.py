"""The headless CLI in-process (`main(argv)`), against the real simulator over loopback."""

from __future__ import annotations

import json
import socket

import pytest

from playground.sim.runner import SimServer
from tests.helpers.cli import InProcessCli, assert_one_line_error, error_lines

JSON_KEYS = {"strategy", "model", "provider", "reason", "input_tokens", "output_tokens", "cost_usd", "ttft_ms",
             "latency_ms", "text", "error"}


def test_run_json_gives_one_object_per_default_strategy(run_cli: InProcessCli) -> None:
    proc = run_cli("run", "Write a Python function that reverses a linked list", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["strategy"] for r in rows] == ["fixed", "complexity", "task", "cost"]
    for row in rows:
        assert row.keys() >= JSON_KEYS
        assert row["error"] is None
        assert row["model"] and row["provider"] and row["reason"] and row["text"]
        assert row["input_tokens"] > 0 and row["output_tokens"] > 0 and row["cost_usd"] > 0
        assert 0 < row["ttft_ms"] < row["latency_ms"]
        assert row["simulated"] is True
        assert row["trace"]["model"] == row["model"]
    by_name = {r["strategy"]: r for r in rows}
    assert by_name["fixed"]["model"] == "claude-opus-4-5"
    assert by_name["task"]["model"] == "claude-sonnet-4-5"  # a coding prompt


def test_run_respects_params_and_reads_stdin(run_cli: InProcessCli) -> None:
    proc = run_cli("run", "-", "--strategy", "complexity", "--param", "complexity.high_threshold=0",
               "--param", "complexity.low_threshold=0", "--json", stdin="hello there")
    assert proc.returncode == 0, proc.stderr
    (row,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert row["model"] == "claude-opus-4-5"
    assert row["trace"]["details"]["thresholds"] == {"low": 0.0, "high": 0.0}


def test_run_readable_summary_is_side_by_side(run_cli: InProcessCli) -> None:
    proc = run_cli("run", "What is a monad?", "-s", "fixed", "-s", "cost")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("SIMULATED")
    header = next(line for line in out.splitlines() if line.startswith("strategy"))
    assert "fixed" in header and "cost" in header
    for label in ("model", "cost", "ttft", "latency", "tok/s", "vs fixed"):
        assert any(line.startswith(label) for line in out.splitlines()), label
    assert "== fixed → claude-opus-4-5" in out and "why: always claude-opus-4-5" in out


@pytest.mark.parametrize(
    ("args", "stdin", "fragment"),
    [
        (("run", "   "), None, "playground: error: the prompt is empty"),
        (("run", "hi", "-s", "smart"), None, "unknown strategy 'smart'; choose from: fixed, complexity, task, cost"),
        (("run", "hi", "-p", "complexity.high_threshold=2"), None, "complexity.high_threshold: 2.0 is out of range"),
        (("run", "hi", "--max-tokens", "2000000"), None, "more than any available model's context window"),
        (("run", "hi", "-p", "cascade.judge=gpt-4o"), None,
         "--param given for cascade, which is not run; add -s cascade"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(args: tuple[str, ...], stdin: str | None, fragment: str,
                                            run_cli: InProcessCli) -> None:
    proc = run_cli(*args, stdin=stdin)
    assert_one_line_error(proc, 2, fragment)
    assert len(error_lines(proc)) == 1


def test_prompt_larger_than_every_window(run_cli: InProcessCli) -> None:
    huge = "lorem ipsum dolor sit amet " * 220_000  # > 1.1M tokens; the largest window is ~1.05M
    proc = run_cli("run", "-", "--json", stdin=huge)
    assert_one_line_error(proc, 2, "more than any available model's context window; "
                                   "the largest is openrouter-gemini-2-5-flash")


def test_invalid_api_key_exits_1_with_auth_error(run_cli: InProcessCli) -> None:
    with SimServer(port=0, speed=40, require_api_key="the-right-key") as server:
        proc = run_cli("run", "hi", "--json", OPENAI_API_KEY="wrong", OPENAI_BASE_URL=server.base_url + "/v1")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert {r["error"]["type"] for r in rows} == {"auth"}
    assert all("check the API key for openai" in line for line in error_lines(proc))
    assert "wrong" not in proc.stdout + proc.stderr  # the key itself never appears


def test_unreachable_base_url_exits_1_with_connection_error(run_cli: InProcessCli) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = run_cli("run", "hi", "-s", "fixed", OPENAI_API_KEY="k", OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"fixed: connection: openai: cannot connect to http://127.0.0.1:{port}/v1" in proc.stderr


def test_help_lists_every_subcommand(run_cli: InProcessCli) -> None:
    proc = run_cli("--help")
    assert proc.returncode == 0
    for command in ("tui", "run", "models", "strategies", "sim"):
        assert command in proc.stdout


def test_models_lists_simulated_catalog(run_cli: InProcessCli) -> None:
    proc = run_cli("models", "--json")
    rows = json.loads(proc.stdout)
    assert len(rows) >= 15 and all(r["simulated"] for r in rows)
    assert {"sim-gpt-4o", "sim-claude-opus-4-5"} <= {r["api_name"] for r in rows}
    live = json.loads(run_cli("models", "--json", ANTHROPIC_API_KEY="k").stdout)
    assert {r["provider"] for r in live} == {"anthropic"} and not any(r["simulated"] for r in live)


def test_strategies_json_lists_parameter_declarations(run_cli: InProcessCli) -> None:
    rows = json.loads(run_cli("strategies", "--json").stdout)
    assert [r["name"] for r in rows][:4] == ["fixed", "complexity", "task", "cost"]
    assert {"fallback", "loadbalance", "capability", "threshold", "abtest"} <= {r["name"] for r in rows}
    complexity = next(r for r in rows if r["name"] == "complexity")
    high = next(p for p in complexity["params"] if p["name"] == "high_threshold")
    assert (high["type"], high["min"], high["max"]) == ("float", 0.0, 1.0)


def test_sim_port_in_use_is_a_clear_error(run_cli: InProcessCli) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_cli("sim", "--port", str(port))
    assert_one_line_error(proc, 2, f"port {port} on 127.0.0.1 is already in use")


def test_run_with_cache_serves_the_repeat_from_the_cache(run_cli: InProcessCli) -> None:
    proc = run_cli("run", "What is a bloom filter?", "-s", "fixed", "--cache", "--repeat", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    first, second = [json.loads(line) for line in proc.stdout.splitlines()]
    assert first["cache"]["hit"] is False and first["cost_usd"] > 0
    assert second["cache"] == {"hit": True, "kind": "exact", "similarity": 1.0,
                               "cached_prompt": "What is a bloom filter?",
                               "model": "claude-opus-4-5"}
    assert second["cost_usd"] == 0 and second["text"] == first["text"]
