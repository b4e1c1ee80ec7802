"""`playground eval` and `playground train` in-process through `main(argv)`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from playground.cli import main

FIELDS = {
    "strategy",
    "params",
    "n",
    "quality",
    "cost_usd",
    "cost_per_1k_usd",
    "savings_vs_best_single",
    "savings_vs_strongest",
    "strong_share",
    "shares",
    "p50_ms",
    "p95_ms",
    "apgr",
    "cpt50",
    "cpt80",
}


def _json_rows(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_eval_on_the_shipped_data_with_a_sweep(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "eval",
                "--json",
                "-s",
                "threshold",
                "-s",
                "complexity",
                "-s",
                "cascade",
                "--sweep",
                "threshold.threshold=0.2:0.8:0.2",
            ]
        )
        == 0
    )
    rows = _json_rows(capsys.readouterr().out)
    assert all(row.keys() >= FIELDS for row in rows)
    sweep = [r for r in rows if r["strategy"] == "threshold"]
    assert [r["params"]["threshold"] for r in sweep] == [0.2, 0.4, 0.6, 0.8]  # type: ignore[index]
    shares = [r["strong_share"] for r in sweep]
    assert shares == sorted(shares, reverse=True)  # a higher threshold calls the strong model less
    assert all(r["apgr"] is not None for r in sweep)  # the shipped data names a strong/weak pair
    baselines = {r["strategy"] for r in rows if r["kind"] == "baseline"}
    assert {"random", "oracle", "always claude-opus-4-5"} <= baselines
    cascade = next(r for r in rows if r["strategy"] == "cascade")
    assert cascade["apgr"] is None  # it uses models outside the pair
    assert cascade["p50_ms"] is not None  # the shipped data records latencies


def test_eval_human_table_lists_baselines_and_skips_with_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "-s", "fixed", "-s", "llmrouter"]) == 0
    out = capsys.readouterr().out
    assert "oracle" in out and "random" in out and "always claude-opus-4-5" in out
    assert "skipped llmrouter: not replayable" in out


def test_calibrate_reports_on_the_held_out_split(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "-s", "threshold", "--calibrate", "budget_per_1k=4", "--split", "0.5", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "split: fit on 159 prompts (50%), report on 159 held out, seed 1" in out
    assert "calibrated budget_per_1k=4 on the fit split" in out


def test_train_then_eval_with_the_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "win.json"
    assert main(["train", "--strategy", "threshold", "--out", str(model), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["held_out"]["n"] == 159 and report["train"]["n"] == 159
    rows = {(r["strategy"], "model" in r["params"]): r for r in report["held_out_comparison"]}
    trained, heuristic = rows[("threshold", True)], rows[("threshold", False)]
    assert trained["apgr"] > heuristic["apgr"] and trained["apgr"] > 0.5
    assert main(["eval", "--json", "-s", "threshold", "-p", f"threshold.model={model}"]) == 0
    assert any(r["params"].get("model") == str(model) for r in _json_rows(capsys.readouterr().out))


BAD = [
    (["eval", "--sweep", "nosuch.x=0:1:0.1"], "--sweep 'nosuch.x=0:1:0.1': unknown strategy 'nosuch'"),
    (["eval", "--sweep", "threshold.threshold=0:2:0.1"], "outside threshold.threshold's bounds 0..1"),
    (["eval", "--sweep", "threshold.strong_model=0:1:0.1"], "threshold has no numeric parameter 'strong_model'"),
    (["eval", "--sweep", "threshold.threshold=0.1:0.9"], "expected NAME.KEY=START:STOP:STEP"),
    (["eval", "-s", "threshold", "--calibrate", "quality_floor=0.9999"], "closest reachable: quality_floor="),
    (["eval", "-s", "threshold", "--calibrate", "speed=3"], "expected one of strong_share=0.3"),
    (["eval", "-s", "threshold", "--split", "1.5", "--calibrate", "strong_share=0.3"], "--split 1.5"),
    (["eval", "-s", "threshold", "-p", "threshold.model=/nonexistent/m.json"], "cannot read the win-rate model"),
    (["eval", "-s", "fixed", "--dataset", "/nonexistent/d.csv"], "dataset file not found"),
    (["eval", "-s", "fixed", "--pair", "gpt-5-1"], "expected STRONG,WEAK"),
    (["train", "--strategy", "threshold", "--out", "/tmp", "--pair", "claude-opus-4-5,gpt-5-nano"], "is a directory"),
]


@pytest.mark.parametrize(("argv", "fragment"), BAD, ids=[" ".join(a[:3]) for a, _ in BAD])
def test_bad_arguments_are_one_line_and_exit_2(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if not line.startswith("playground: config:")]
    assert len(lines) == 1 and fragment in lines[0], err
    assert "Traceback" not in err and out == ""


def test_train_needs_a_pair_on_a_many_model_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"prompt_id": str(i), "prompt": f"q {i}", "model": m, "score": 1}
        for i in range(20)
        for m in ("gpt-5-1", "gpt-5-mini", "gpt-5-nano")
    ]
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["train", "--strategy", "threshold", "--dataset", str(path), "--out", str(tmp_path / "m.json")]) == 2
    assert "say which two with --pair STRONG,WEAK" in capsys.readouterr().err
    assert not (tmp_path / "m.json").exists()


def test_eval_maps_models_declared_in_the_users_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"prompt": f"question {i} " + "why " * (i % 7), "house-model": i % 3 != 0, "gpt-5-mini": i % 2 == 0}
        for i in range(40)
    ]
    path = tmp_path / "house.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    argv = ["eval", "--json", "-s", "threshold", "--dataset", str(path)]
    assert main(argv) == 2  # the default catalog has no house-model
    assert "declare it under [models.house-model] in the configuration" in capsys.readouterr().err
    config = tmp_path / "c.toml"
    config.write_text('[models.house-model]\nprovider = "openai"\napi_name = "house-v2"\ncontext_window = 32000\n'
                      "input_per_mtok = 2.0\noutput_per_mtok = 8.0\n", encoding="utf-8")
    assert main(["--config", str(config), *argv]) == 0
    out = _json_rows(capsys.readouterr().out)
    (threshold,) = [r for r in out if r["strategy"] == "threshold"]
    assert threshold["params"]["strong_model"] == "house-model" and set(threshold["shares"]) <= {"house-model",
                                                                                                  "gpt-5-mini"}
    assert any(r["strategy"] == "always house-model" for r in out)
