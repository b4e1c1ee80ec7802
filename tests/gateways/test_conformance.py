"""The exports, loaded unchanged into the real gateways (Portkey gateway
1.15.2, LiteLLM proxy 1.108.7), against the playground's own run of the same
policy under the same faults, for every strategy and a fault matrix.

Each (gateway, strategy, fault) case passes when the gateway did what the
playground did (model chosen, attempt sequence, outcome), or when every
difference is one the gateway has by design AND the export's notes say so
(playground/gateways/expected.py). Cases that fail because of exporter bugs
known from issue #12 are strict xfails naming the bug: they turn into
failures (XPASS) when a fix lands, so the mark is removed with the fix, and a
regression after that fails again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from playground.config.load import parse_policy_text
from playground.gateways.compare import GATEWAYS, Comparison, Observation, StrategyRun
from playground.gateways.expected import explain
from playground.gateways.faults import FAULTS
from playground.gateways.install import Installed
from playground.strategies.registry import STRATEGIES

pytestmark = [pytest.mark.gateways, pytest.mark.timeout(1500)]

# The default policy with short timeouts and backoff (a stalled stream costs
# seconds, not minutes) and a breaker that stays out of the way of a single
# case (LiteLLM counts failures per minute across the whole matrix).
POLICY = """
[timeouts]
connect_s = 2.0
first_token_s = 4.0
idle_s = 3.0
total_s = 20.0
[retry]
base_delay_s = 0.05
max_delay_s = 0.2
max_retry_after_s = 1.0
[breaker]
minimum_calls = 100
"""

ANTHROPIC_404 = ("Portkey export: Anthropic custom_host lacks /v1, so the gateway posts to /messages and gets 404 "
                 "(issue #12)")
NO_MIDSTREAM_NOTE = ("export notes do not list the gateway's mid-stream behaviour (no retry or fallback once the "
                     "stream started); a note line saying 'mid-stream' is expected (issue #12)")
NO_FAILOVER = ("loadbalance exported without failover: a request that draws the failing deployment fails "
               "(issue #12: 'load balancing with one deployment down')")
BUDGET = "LiteLLM export: fallback list not truncated to max_fallbacks, so more attempts than max_attempts (issue #12)"
COST_CHAIN = ("cost export: the fallback order is the cost pool's, the playground falls back along its configured "
              "chain (chain_for) instead")
LITELLM_COST = ("LiteLLM cost export: one cost-routed group without fallbacks, so a failing cheapest model is "
                "retried, never left")
TAG_FALLBACK = ("LiteLLM tag-routed export: fallbacks of the tag-filtered group fail with 401 (the fallback "
                "deployments carry no tag)")
MAX_TOKENS = ("LiteLLM complexity_router replaces the caller's max_tokens with the tier model's ceiling "
              "(max_tokens_from_tier_model defaults to true); the export should set it false")

MID = {"overloaded_mid", "cut", "stall"}
FAILOVER = {"server_error", "rate_limit", "overloaded", "down"}
ALL = {f.key for f in FAULTS}


def _bugs() -> dict[tuple[str, str], list[tuple[set[str], str, bool]]]:
    """(gateway, strategy) -> [(faults, reason, strict)], first match wins."""
    table: dict[tuple[str, str], list[tuple[set[str], str, bool]]] = {}

    def add(gateway: str, strategies: list[str], faults: set[str], reason: str, strict: bool = True) -> None:
        for strategy in strategies:
            table.setdefault((gateway, strategy), []).append((faults, reason, strict))

    add("portkey", ["fixed", "fallback"], ALL, ANTHROPIC_404)
    add("portkey", ["capability", "ensemble"], FAILOVER, ANTHROPIC_404)
    add("portkey", ["cascade"], FAILOVER | {"chain"}, ANTHROPIC_404)
    add("portkey", ["complexity", "threshold", "task", "llmrouter"], {"chain"}, ANTHROPIC_404)
    add("portkey", ["cost"], FAILOVER | {"chain"}, COST_CHAIN)
    # Random draws: a request drawing the Claude variant hits the 404 (not strict: a run may draw none).
    add("portkey", ["abtest"], ALL, ANTHROPIC_404 + "; " + NO_FAILOVER, strict=False)
    add("portkey", ["loadbalance"], FAILOVER | MID, NO_FAILOVER, strict=False)
    add("portkey", ["loadbalance"], {"chain"}, NO_FAILOVER)
    add("litellm", ["complexity", "threshold"], ALL, MAX_TOKENS)
    add("litellm", ["task", "llmrouter"], FAILOVER | {"chain"}, TAG_FALLBACK)
    add("litellm", ["cost"], FAILOVER | {"chain"}, LITELLM_COST)
    add("litellm", ["fallback"], {"chain"}, BUDGET)
    add("litellm", ["loadbalance", "abtest"], FAILOVER | MID, NO_FAILOVER, strict=False)
    add("litellm", ["loadbalance", "abtest"], {"chain"}, NO_FAILOVER)
    for gateway in GATEWAYS:
        add(gateway, list(STRATEGIES), MID, NO_MIDSTREAM_NOTE)
    return table


KNOWN_BUGS = _bugs()


def known_bug(gateway: str, strategy: str, fault: str) -> tuple[str, bool] | None:
    for faults, reason, strict in KNOWN_BUGS.get((gateway, strategy), []):
        if fault in faults:
            return reason, strict
    return None


def _cases() -> Iterator[object]:
    for gateway in GATEWAYS:
        for strategy in STRATEGIES:
            for fault in FAULTS:
                bug = known_bug(gateway, strategy, fault.key)
                marks = [pytest.mark.xfail(reason=bug[0], strict=bug[1])] if bug else []
                yield pytest.param(gateway, strategy, fault.key, marks=marks, id=f"{gateway}-{strategy}-{fault.key}")


@pytest.fixture(scope="session")
def matrix(installed_gateways: dict[str, Installed]) -> dict[str, StrategyRun]:
    settings = parse_policy_text(POLICY, "the conformance policy")
    with Comparison(settings, installed_gateways) as comparison:
        return {run.strategy: run for run in comparison.run(list(STRATEGIES))}


@pytest.mark.parametrize(("gateway", "strategy", "fault"), list(_cases()))
def test_gateway_matches_the_playground_or_the_export_says_why(matrix: dict[str, StrategyRun], gateway: str,
                                                              strategy: str, fault: str) -> None:
    run = matrix[strategy]
    assert gateway not in run.failed, run.failed[gateway]
    case = next(c for c in run.cases if c.fault.key == fault)
    explanation = explain(case, gateway, run.exports[gateway].unexpressed)
    ours = "; ".join(o.describe() for o in case.playground)
    theirs = "; ".join(o.describe() for o in case.gateways[gateway])
    missing = [rule.key for rule, line in explanation.notes if line is None and rule.fields & explanation.observed]
    assert explanation.complete, (
        f"{gateway} differs from the playground in {sorted(explanation.observed)}; unexplained "
        f"{sorted(explanation.unexplained)}; rules whose note is missing: {missing}\n"
        f"  playground: {ours}\n  {gateway}: {theirs}")


# --- what the gateways themselves do mid-stream (the notes must stay true) ---

def _observed(matrix: dict[str, StrategyRun], strategy: str, fault: str, side: str) -> Observation:
    case = next(c for c in matrix[strategy].cases if c.fault.key == fault)
    return case.playground[0] if side == "playground" else case.gateways[side][0]


@pytest.mark.parametrize("fault", sorted(MID))
def test_the_playground_falls_back_on_every_mid_stream_failure(matrix: dict[str, StrategyRun], fault: str) -> None:
    # task routes this prompt to an OpenAI-protocol model (gpt-5-mini) with a fallback chain.
    seen = _observed(matrix, "task", fault, "playground")
    assert seen.outcome == "answered", seen.describe()
    assert seen.served != seen.chosen, seen.describe()


def test_portkey_returns_a_cut_stream_as_a_truncated_success(matrix: dict[str, StrategyRun]) -> None:
    seen = _observed(matrix, "task", "cut", "portkey")
    assert (seen.outcome, len(seen.attempts)) == ("truncated", 1), seen.describe()


def test_portkey_holds_a_stalled_stream_open_until_the_client_gives_up(matrix: dict[str, StrategyRun]) -> None:
    seen = _observed(matrix, "task", "stall", "portkey")
    assert (seen.outcome, len(seen.attempts)) == ("hung", 1), seen.describe()


@pytest.mark.parametrize("fault", sorted(MID))
def test_litellm_ends_the_stream_with_an_error_and_does_not_fall_back(matrix: dict[str, StrategyRun],
                                                                      fault: str) -> None:
    seen = _observed(matrix, "fixed", fault, "litellm")
    assert (seen.outcome, len(seen.attempts)) == ("error", 1), seen.describe()
