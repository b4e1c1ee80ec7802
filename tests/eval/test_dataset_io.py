"""Reading replay datasets: layouts, formats, mapping, and every bad input as one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.eval import dataset_io
from playground.eval.dataset_io import load_dataset
from playground.eval.mapping import parse_map_flags, resolve_mapping


def test_wide_csv_with_mapping_costs_and_responses(write_wide: Callable[..., Path], catalog: Catalog) -> None:
    path = write_wide(
        [
            {
                "prompt": "hi",
                "gpt-4-1106-preview": True,
                "mixtral": False,
                "gpt-4-1106-preview|total_cost": 0.03,
                "mixtral|total_cost": 0.001,
                "gpt-4-1106-preview_response": "Hello!",
                "mixtral_response": "hey",
            },
            {
                "prompt": "2+2?",
                "gpt-4-1106-preview": "true",
                "mixtral": 0.5,
                "gpt-4-1106-preview|total_cost": 0.02,
                "mixtral|total_cost": 0.002,
                "gpt-4-1106-preview_response": "4",
                "mixtral_response": "5",
            },
        ]
    )
    data = load_dataset(path, {"gpt-4-1106-preview": "gpt-5-1", "mixtral": "gpt-5-mini"}, catalog)
    assert data.models == ("gpt-5-1", "gpt-5-mini")
    assert data.scores.tolist() == [[1.0, 0.0], [1.0, 0.5]]
    assert data.costs.tolist() == [[0.03, 0.001], [0.02, 0.002]]
    assert data.responses is not None and data.responses[1, 1] == "5"
    assert not data.cost_estimated.any()


def test_long_jsonl_pivots_and_sidecar_mapping(
    write_jsonl: Callable[..., Path], catalog: Catalog, tmp_path: Path
) -> None:
    rows = [
        {
            "prompt_id": f"q{i}",
            "prompt": f"question {i}",
            "model": m,
            "score": float(i % 2 == 0 or m == "big"),
            "cost_usd": 0.01 if m == "big" else 0.001,
            "latency_ms": 100.0 * (i + 1),
        }
        for i in range(4)
        for m in ("big", "small")
    ]
    path = write_jsonl(rows, "runs.jsonl")
    (tmp_path / "runs.mapping.toml").write_text(
        'pair = ["claude-opus-4-5", "gpt-5-nano"]\n[models]\nbig = "claude-opus-4-5"\nsmall = "gpt-5-nano"\n',
        encoding="utf-8",
    )
    data = load_dataset(path, resolve_mapping(path, {}), catalog)
    assert data.prompt_ids == ("q0", "q1", "q2", "q3")
    assert data.models == ("claude-opus-4-5", "gpt-5-nano")
    assert data.scores[:, 0].tolist() == [1, 1, 1, 1] and data.scores[:, 1].tolist() == [1, 0, 1, 0]
    assert data.latency_ms is not None and data.latency_ms[2, 1] == 300.0


def test_parquet_long_layout(tmp_path: Path, catalog: Catalog) -> None:
    import polars as pl

    path = tmp_path / "d.parquet"
    pl.DataFrame(
        {
            "prompt_id": ["a", "a", "b", "b"],
            "prompt": ["x", "x", "y", "y"],
            "model": ["gpt-5-1", "gpt-5-mini"] * 2,
            "score": [1.0, 0.0, 1.0, 1.0],
        }
    ).write_parquet(path)
    data = load_dataset(path, {}, catalog)
    assert data.n == 2 and data.models == ("gpt-5-1", "gpt-5-mini")
    assert np.isnan(data.costs).all()  # estimated later, from tokens and prices


def test_missing_scores_drop_the_prompt_with_a_note(write_jsonl: Callable[..., Path], catalog: Catalog) -> None:
    rows = [
        {"prompt_id": "a", "prompt": "x", "model": "gpt-5-1", "score": 1},
        {"prompt_id": "a", "prompt": "x", "model": "gpt-5-mini", "score": 0},
        {"prompt_id": "b", "prompt": "y", "model": "gpt-5-1", "score": 1},
    ]
    data = load_dataset(write_jsonl(rows), {}, catalog)
    assert data.n == 1 and "left out" in data.notes[0]


def test_map_flags() -> None:
    assert parse_map_flags(["a/b=gpt-5-1", "x=-"]) == {"a/b": "gpt-5-1", "x": "-"}
    with pytest.raises(UserError, match="expected DATASET_MODEL=CATALOG_MODEL"):
        parse_map_flags(["nonsense"])


BAD_INPUTS = [
    ("missing prompt column", "text,gpt-5-1\nhi,1\n", "no 'prompt' column"),
    ("unknown model column", "prompt,my-model\nhi,1\n", "model column 'my-model'"),
    ("non-numeric score", "prompt,gpt-5-1\nhi,1\nyo,maybe\n", "row 2: score 'maybe' is not a number"),
    ("empty file", "", "empty file"),
    ("header only", "prompt,gpt-5-1\n", "no rows"),
    ("duplicate prompt ids", "prompt_id,prompt,gpt-5-1\n1,hi,1\n1,yo,0\n", "duplicate prompt_id '1' at rows 1 and 2"),
    ("empty prompt", 'prompt,gpt-5-1\n"",1\n', "empty 'prompt'"),
]


@pytest.mark.parametrize(("name", "text", "fragment"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_wide_input_is_one_line_and_exit_2(
    name: str, text: str, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from playground.cli import main

    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    assert main(["eval", "--dataset", str(path), "-s", "fixed", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = [line for line in err.splitlines() if not line.startswith("playground: config:")]
    assert len(lines) == 1 and fragment in lines[0] and str(path) in lines[0], err


def test_long_layout_bad_inputs(write_jsonl: Callable[..., Path], catalog: Catalog) -> None:
    dup = [{"prompt_id": "a", "prompt": "x", "model": "gpt-5-1", "score": 1}] * 2
    with pytest.raises(UserError, match="duplicate prompt_id 'a' for model 'gpt-5-1' .rows 1, 2."):
        load_dataset(write_jsonl(dup, "dup.jsonl"), {}, catalog)
    clash = [
        {"prompt_id": "a", "prompt": "x", "model": "gpt-5-1", "score": 1},
        {"prompt_id": "a", "prompt": "other", "model": "gpt-5-mini", "score": 1},
    ]
    with pytest.raises(UserError, match="duplicate prompt_id 'a' names different prompts"):
        load_dataset(write_jsonl(clash, "clash.jsonl"), {}, catalog)
    missing = [{"prompt": "x", "model": "gpt-5-1"}]
    with pytest.raises(UserError, match="long layout needs the columns prompt, model, score; missing score"):
        load_dataset(write_jsonl(missing, "missing.jsonl"), {}, catalog)
    unknown = [{"prompt": "x", "model": "llama-9000", "score": 1}]
    with pytest.raises(UserError, match="model name 'llama-9000'.*--map 'llama-9000=CATALOG_MODEL'"):
        load_dataset(write_jsonl(unknown, "unknown.jsonl"), {}, catalog)


def test_huge_line_is_refused_before_parsing(tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dataset_io, "MAX_LINE_BYTES", 1024)
    path = tmp_path / "huge.csv"
    path.write_text("prompt,gpt-5-1\n" + "x" * 5000 + ",1\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"huge.csv:2: line longer than"):
        load_dataset(path, {}, catalog)


def test_unknown_format_and_binary_file(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(UserError, match="unknown dataset format '.pkl'"):
        load_dataset(tmp_path / "d.pkl", {}, catalog)
    path = tmp_path / "d.parquet"
    path.write_bytes(b"\x00\x01not parquet at all")
    with pytest.raises(UserError, match="cannot parse as parquet"):
        load_dataset(path, {}, catalog)
