"""`bench/bench_tui.py --smoke` runs every phase small and ends with its
JSON line; the full run's targets are not checked here (a loaded CI box is
no place for them), but the run must be sound: every phase reports and no
column lost or reordered text. The smoke run goes through the script's own
`main` in this process (the imports are paid once); its first-frame phase
still starts the real app in a pseudo-terminal."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_tui.py"


def _bench_main(monkeypatch: pytest.MonkeyPatch) -> int:
    spec = importlib.util.spec_from_file_location("bench_tui_smoke", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look themselves up there
    monkeypatch.syspath_prepend(str(BENCH.parent))  # as `python bench/bench_tui.py` has: its helpers beside it
    spec.loader.exec_module(module)
    return module.main()


@pytest.mark.timeout(300)
def test_the_tui_benchmark_smoke_run_is_sound(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", [str(BENCH), "--smoke"])
    returncode = _bench_main(monkeypatch)
    out = capsys.readouterr()
    last = out.out.strip().splitlines()[-1]
    figures = json.loads(last)
    assert figures["smoke"] is True and figures["sound"] is True, out.err[-2000:]
    assert returncode == 0
    for phase in ("engine", "stream", "memory", "real", "first_frame"):
        assert "error" not in figures[phase], figures[phase]
    stream = figures["stream"]
    # Eight columns of a sentence each (smoke answers are short), none lost.
    assert stream["tokens"] > 8 * 5 and stream["lost"] == []
    assert stream["shown_tokens_per_s"] > 0 and stream["lag_p50_ms"] >= 0 and stream["keys"] > 0
    assert stream["cpu_ratio_to_engine"] > 0
    memory = figures["memory"]
    assert memory["tokens_per_column_before"] >= memory["tokens_per_column_target"] > 0
    assert memory["further_sends"] >= 2 and memory["peak_rss_mb"] > 0
    first = figures["first_frame"]
    # One start each: under load `python -c pass` has taken longer than the app's first frame, so
    # the smoke checks each was measured, not their order (the full run's medians compare them).
    assert first["first_frame_s"] > 0 and first["python_pass_s"] > 0 and first["bare_textual_s"] > 0
    assert first["session_ready_s"] >= first["first_frame_s"]  # two marks of the same start
    assert first["first_frame_cpu_s"] > 0 and first["ratio_to_bare_textual"] > 0
    assert set(figures["checks"]) == set(figures["targets"])


@pytest.mark.parametrize("flag", ["--loop-trace", "--profile"])
def test_an_output_file_in_a_missing_folder_is_refused_before_the_run(
        flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no-such-folder" / "out.json"
    monkeypatch.setattr(sys, "argv", [str(BENCH), "--only", "stream", flag, str(target)])
    with pytest.raises(SystemExit) as exited:
        _bench_main(monkeypatch)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"{flag} {target}" in err and str(target.parent) in err and "does not exist" in err
    assert "Traceback" not in err
