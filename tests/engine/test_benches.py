"""The benchmarks' smoke runs (seconds), so they do not rot: each ends with
one JSON line of figures, baselines and ratios."""

from __future__ import annotations

from tests.helpers.bench import last_json_line


def test_overhead_benchmark_smoke() -> None:
    report = last_json_line("bench_overhead.py")
    assert report["bench"] == "overhead" and report["smoke"] is True and isinstance(report["ok"], bool)
    results = report["results"]
    assert isinstance(results, dict) and set(results) == {"burst_c1", "burst_c5", "paced_c1", "paced_c5"}
    for setting in results.values():
        figures, ratios = setting["figures"], setting["ratios"]
        assert {"sdk", "stream", "complete"} <= set(figures)
        assert figures["sdk"]["requests"] == figures["stream"]["requests"] > 0
        assert figures["stream"]["ttft_p50_ms"] > 0 and figures["complete"]["ttft_p50_ms"] is None
        assert ratios["cpu_ratio_stream"] > 0 and ratios["added_ttft_p50_ms"] is not None
        # The baseline against itself (even rounds against odd): the noise an added TTFT is read against.
        assert ratios["sdk_vs_sdk_ttft_p50_ms"] is not None and ratios["sdk_vs_sdk_ttft_p99_ms"] is not None
    # The smoke needs neither LiteLLM nor the network: it says it left LiteLLM out.
    assert "skipped in --smoke" in str(report["litellm"]) and report["litellm_ratio_checked"] is False
    assert all("litellm" not in setting["figures"] for setting in results.values())


def test_cache_benchmark_smoke() -> None:
    report = last_json_line("bench_cache.py")
    (result,) = report["results"]  # type: ignore[misc]
    assert result["entries"] == 2_000 and result["width"] == 256
    assert result["speedup"] > 10  # the vectorised lookup beats the per-entry Python scan by far, even here


def test_sim_content_benchmark_smoke() -> None:
    report = last_json_line("bench_sim_content.py")
    assert report["bench"] == "sim_content" and report["smoke"] is True and isinstance(report["ok"], bool)
    assert 500 < report["embed_tokens"] <= 1000  # type: ignore[operator]
    for name in ("document", "list", "questions", "spaces", "router", "judge_best", "judge_score"):
        assert 0 < report[f"huge_{name}_words"] < 2000  # type: ignore[operator]
        assert report[f"huge_{name}_ms"] > 0  # type: ignore[operator]
