"""`playground run -s pipeline` on the simulator: a bad step declaration in
the config is one line naming the step (exit 2, before any call); the
built-in examples run end to end; the library `Router` runs the same policy
with the same step models and rendered templates as the CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests.helpers.cli import InProcessCli, assert_one_line_error, error_lines

POLICY = """version = 1
[router]
strategy = "pipeline"
[strategies.pipeline]
[[strategies.pipeline.steps]]
name = "draft"
model = "gpt-5-nano"
prompt = "Draft an answer: {prompt}"
max_tokens = 60
[[strategies.pipeline.steps]]
name = "polish"
strategy = "complexity"
params = {low_threshold = 0.99, high_threshold = 1.0, small_model = "claude-haiku-4-5"}
prompt = "Polish this draft of an answer to '{prompt}': {draft}"
max_tokens = 60
"""
PROMPT = "Why is the sky blue?"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


def step_verdicts(result: dict) -> list[tuple[str, str, str]]:
    return [(v["details"]["step"], v["model"], v["details"]["prompt"]) for v in result["verdicts"]
            if v["stage"] == "step" and not v["details"].get("skipped")]


BAD = [
    ("{draft}\"", "{drafts}\"", "pipeline step 'polish': the template names unknown step output {drafts}; known: "
                                 "prompt, draft"),
    ('name = "draft"\nmodel = "gpt-5-nano"', 'name = "draft"\nmodel = "gpt-5-nano"\nwhen = "polish"\nmatches = "x"',
     "pipeline step 'draft': the condition reads step 'polish', which runs at or after this step (a cycle)"),
    ("low_threshold = 0.99", "low_threshold = 7", "pipeline step 'polish': params: complexity.low_threshold: 7"),
    ('model = "gpt-5-nano"', 'model = "gpt-9"', "pipeline step 'draft': unknown model 'gpt-9'"),
]
BAD_IDS = ["unknown-output", "condition-cycle", "step-param", "unknown-model"]


def steps_of(policy: str) -> str:
    """The policy's steps as the JSON `-p pipeline.steps=...` takes."""
    import tomllib

    return json.dumps(tomllib.loads(policy)["strategies"]["pipeline"]["steps"])


@pytest.mark.parametrize(("old", "new", "fragment"), BAD, ids=BAD_IDS)
def test_bad_steps_on_the_command_line_exit_2_with_one_line_naming_the_step(
        old: str, new: str, fragment: str, run_cli: InProcessCli) -> None:
    assert old in POLICY
    steps = steps_of(POLICY.replace(old, new, 1))
    proc = run_cli("run", PROMPT, "-s", "pipeline", "--json", "-p", f"pipeline.steps={steps}")
    assert_one_line_error(proc, 2, fragment)
    assert len(error_lines(proc)) == 1 and proc.stdout == ""


@pytest.mark.parametrize(("old", "new", "fragment"), BAD, ids=BAD_IDS)
def test_bad_steps_in_the_config_file_are_named_with_the_file_and_line(
        old: str, new: str, fragment: str, tmp_path: Path, run_cli: InProcessCli) -> None:
    """The config layer's rule for any broken file: say what is wrong (file,
    line, step) and keep the last good configuration."""
    config = write(tmp_path, POLICY.replace(old, new, 1))
    proc = run_cli("--config", str(config), "run", PROMPT, "-s", "pipeline", "--json")
    assert "Traceback" not in proc.stderr
    named = [line.strip() for line in proc.stderr.splitlines() if fragment in line]
    assert len(named) == 1 and named[0].startswith(f"{config}:4: strategies.pipeline: {fragment}")


@pytest.mark.parametrize("example", ["research", "support"])
def test_the_built_in_examples_run_end_to_end(example: str, run_cli: InProcessCli) -> None:
    proc = run_cli("run", "My card was charged twice and the app is down, please help!", "-s", "pipeline",
                   "-p", f"pipeline.example={example}", "--json")
    assert proc.returncode == 0, proc.stderr
    (result,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert result["error"] is None and result["text"]
    steps = step_verdicts(result)
    expected = {"research": ["queries", "synthesis", "summary"],
                "support": ["classify", "urgency", "review"]}[example]
    assert [s for s, _, _ in steps if s in expected] == expected
    assert len(result["attempts"]) >= len(expected) and all(a["cost_usd"] > 0 for a in result["attempts"])


def test_the_router_runs_a_pipeline_like_the_cli(tmp_path: Path, run_cli: InProcessCli) -> None:
    from playground import Router

    config = write(tmp_path, POLICY)
    proc = run_cli("--config", str(config), "run", PROMPT, "-s", "pipeline", "--json", "--max-tokens", "1024")
    assert proc.returncode == 0, proc.stderr
    (cli,) = [json.loads(line) for line in proc.stdout.splitlines()]

    async def through_the_library() -> dict:
        async with Router.from_file(config, simulate=True) as router:
            return (await router.run(PROMPT, max_tokens=1024)).to_dict()

    library = asyncio.run(through_the_library())
    assert library["error"] is None and cli["error"] is None
    cli_steps, library_steps = step_verdicts(cli), step_verdicts(library)
    # The routed step took its params from the declaration: everything is "small" there.
    assert [(s, m) for s, m, _ in cli_steps] == [("draft", "gpt-5-nano"), ("polish", "claude-haiku-4-5")]
    assert [(s, m) for s, m, _ in library_steps] == [(s, m) for s, m, _ in cli_steps]
    assert library_steps[0][2] == cli_steps[0][2] == f"Draft an answer: {PROMPT}"
    for _, _, prompt in (cli_steps[1], library_steps[1]):
        assert prompt.startswith(f"Polish this draft of an answer to '{PROMPT}': ") and len(prompt) > 60


def test_the_toml_export_writes_steps_as_tables_with_their_models_and_runs_back(
        tmp_path: Path, run_cli: InProcessCli) -> None:
    import tomllib

    config = write(tmp_path, POLICY)
    exported = tmp_path / "exported.toml"
    proc = run_cli("--config", str(config), "export", "-f", "toml", "-o", str(exported))
    assert proc.returncode == 0, proc.stderr
    policy = tomllib.loads(exported.read_text())
    steps = policy["strategies"]["pipeline"]["steps"]
    assert [s["name"] for s in steps] == ["draft", "polish"]
    assert steps[1]["params"] == {"low_threshold": 0.99, "high_threshold": 1.0, "small_model": "claude-haiku-4-5"}
    assert {"gpt-5-nano", "claude-haiku-4-5"} <= set(policy["models"])  # self-contained: the steps' models too
    proc = run_cli("--config", str(exported), "run", PROMPT, "-s", "pipeline", "--json")
    assert proc.returncode == 0, proc.stderr
    (result,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(s, m) for s, m, _ in step_verdicts(result)] == [("draft", "gpt-5-nano"), ("polish", "claude-haiku-4-5")]
