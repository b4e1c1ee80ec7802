"""Evaluation over the shipped replay dataset says plainly why a pipeline
cannot be replayed (and keeps evaluating the other strategies)."""

from __future__ import annotations

import pytest

from playground.cli import main
from playground.strategies.pipeline import NOT_REPLAYABLE


def test_eval_skips_a_pipeline_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "-s", "fixed", "-s", "pipeline"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"skipped pipeline: not replayable: {NOT_REPLAYABLE}" in out
    assert "fixed" in out and "oracle" in out
