"""The library-overhead benchmark's smoke run with LiteLLM: it needs the LiteLLM venv this
suite installs, so it runs with the gateway suites, not the main one."""

from __future__ import annotations

import pytest

from playground.gateways.install import GATEWAYS_DIR_ENV, GatewayUnavailable, ensure
from tests.gateways.conftest import GATEWAYS_DIR
from tests.helpers.bench import last_json_line


@pytest.mark.gateways
# It may first wait for CI's background LiteLLM install (about 90 s), then runs a LiteLLM client process
# beside ours: pytest's default 120 s was hit once at load 19, while alone it took 74 s.
@pytest.mark.timeout(600)
def test_overhead_benchmark_measures_litellm_in_its_venv() -> None:
    """With the gateway suite's LiteLLM venv, its client process takes its
    turns: LiteLLM's figures against its own SDK, and ours over theirs."""
    try:
        ensure("litellm", GATEWAYS_DIR)  # as the gateway suite does: waits for CI's background install
    except GatewayUnavailable as exc:
        if not exc.registry_unreachable:
            raise
        pytest.skip(f"cannot install LiteLLM: {exc}")
    report = last_json_line("bench_overhead.py", "--litellm", **{GATEWAYS_DIR_ENV: str(GATEWAYS_DIR)})
    assert report["litellm_ratio_checked"] is True and "LiteLLM 1." in str(report["litellm"])
    for setting in report["results"].values():  # type: ignore[union-attr]
        figures, ratios = setting["figures"], setting["ratios"]
        assert figures["litellm"]["requests"] == figures["litellm_sdk"]["requests"] == figures["sdk"]["requests"]
        assert figures["litellm"]["ttft_p50_ms"] > 0 and figures["litellm_sdk"]["cpu_ms_per_request"] > 0
        assert ratios["litellm_cpu_ratio"] > 0 and ratios["added_ttft_vs_litellm"] is not None
