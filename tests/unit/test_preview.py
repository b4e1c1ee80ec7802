"""The tuning preview (no model calls), prompt-set files and the tuning state."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.core.catalog import default_catalog
from playground.core.errors import UserError
from playground.core.pricing import cost_usd
from playground.core.tokens import TokenCounter
from playground.eval.preview import (
    EST_OUTPUT_BASE,
    PreviewInputs,
    compare_shares,
    expected_output_tokens,
    measure_prompt,
    pick,
    preview,
)
from playground.eval.prompt_sets import builtin_prompt_set, load_prompt_set
from playground.eval.prompts import BUILTIN_PROMPTS
from playground.eval.tuning import Tuning, describe_tuning, format_value
from playground.sim.embeddings import embed_text
from playground.strategies.base import RoutingContext
from playground.strategies.registry import STRATEGIES, make_strategy, strategy_class

CATALOG = default_catalog()
CTX = RoutingContext.for_all(CATALOG)


def sim_embed(texts: list[str], model: str, dimensions: int | None) -> list[list[float]]:
    """The simulator's deterministic embeddings: what the app's simulated session embeds with."""
    return [embed_text(t, dimensions or 1536, model=model) for t in texts]


@pytest.fixture(scope="module")
def inputs() -> PreviewInputs:
    return PreviewInputs.measure(BUILTIN_PROMPTS, TokenCounter(), label="built-in", embed=sim_embed)


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_shares_sum_to_one_for_every_strategy(name: str, inputs: PreviewInputs) -> None:
    result = preview(make_strategy(name, CATALOG), CTX, inputs)
    assert result.prompts == len(BUILTIN_PROMPTS) == 26
    assert result.errors == 0, result.first_error
    assert sum(result.shares.values()) == pytest.approx(1.0)
    assert result.cost_per_1k > 0
    assert all(model in CATALOG.models for model in result.calls)


def test_lowering_the_high_threshold_raises_the_flagship_share_and_the_cost(inputs: PreviewInputs) -> None:
    base = preview(make_strategy("complexity", CATALOG), CTX, inputs)
    lower = preview(make_strategy("complexity", CATALOG, {"high_threshold": 0.3}), CTX, inputs)
    assert lower.flagship_share > base.flagship_share
    assert lower.cost_per_1k > base.cost_per_1k
    # 0.99 on the quantile scale: above every built-in prompt (the most complex is at 0.988).
    higher = preview(make_strategy("complexity", CATALOG, {"high_threshold": 0.99}), CTX, inputs)
    assert higher.flagship_share == 0 and higher.cost_per_1k < base.cost_per_1k
    rows = compare_shares(base, lower)
    flagship = next(r for r in rows if r.model == CATALOG.flagship)
    assert flagship.delta == pytest.approx(lower.flagship_share - base.flagship_share)


def test_single_call_cost_is_measured_input_plus_estimated_output() -> None:
    item = measure_prompt("hi!", TokenCounter())
    assert item.output_tokens == EST_OUTPUT_BASE + round(880 * item.complexity)
    result = pick(make_strategy("fixed", CATALOG, {"model": "gpt-4o"}), CTX, item)
    assert result.model == "gpt-4o" and len(result.calls) == 1 and not result.lower_bound
    assert result.cost_usd == pytest.approx(
        cost_usd(CATALOG.get("gpt-4o"), item.route.input_tokens, item.output_tokens)
    )


def test_output_estimate_grows_with_complexity_and_is_capped() -> None:
    easy, _ = expected_output_tokens("hi!", 3, 1024)
    hard, _ = expected_output_tokens(BUILTIN_PROMPTS[18], 60, 1024)
    assert easy < hard <= 1024
    assert expected_output_tokens(BUILTIN_PROMPTS[18], 60, 100)[0] == 100


def test_ensemble_counts_every_member_and_the_judge(inputs: PreviewInputs) -> None:
    strategy = make_strategy("ensemble", CATALOG)  # best_of: three members + a judge
    item = inputs.items[5]
    result = pick(strategy, CTX, item)
    roles = [c.role for c in result.calls]
    assert roles == ["member", "member", "member", "judge"]
    judge = result.calls[-1]
    # The judge reads the prompt and every member's answer.
    assert judge.input_tokens > item.route.input_tokens + sum(c.output_tokens for c in result.calls[:3]) - 1
    assert result.cost_usd == pytest.approx(sum(c.cost_usd for c in result.calls))
    whole = preview(strategy, CTX, inputs)
    assert whole.calls_per_request == pytest.approx(4.0)
    single = preview(make_strategy("fixed", CATALOG, {"model": "gpt-5-mini"}), CTX, inputs)
    assert whole.cost_per_1k > single.cost_per_1k
    vote = preview(make_strategy("ensemble", CATALOG, {"mode": "vote"}), CTX, inputs)
    assert vote.calls_per_request == pytest.approx(3.0) and not vote.lower_bound


def test_cascade_and_consensus_are_lower_bounds(inputs: PreviewInputs) -> None:
    cascade = preview(make_strategy("cascade", CATALOG), CTX, inputs)
    assert cascade.lower_bound and set(cascade.calls) == {"gpt-4o-mini"}
    judged = pick(make_strategy("cascade", CATALOG, {"judge": "gpt-5-mini"}), CTX, inputs.items[0])
    assert [c.role for c in judged.calls] == ["tier 1", "judge"]
    assert preview(make_strategy("ensemble", CATALOG, {"mode": "consensus"}), CTX, inputs).lower_bound
    race = pick(make_strategy("ensemble", CATALOG, {"mode": "race"}), CTX, inputs.items[0])
    assert race.lower_bound and sum(1 for c in race.calls if c.output_tokens) == 1


def test_llmrouter_counts_the_router_call_and_the_routed_model(inputs: PreviewInputs) -> None:
    result = preview(make_strategy("llmrouter", CATALOG), CTX, inputs)
    assert result.calls_per_request == pytest.approx(2.0)
    assert result.calls["gpt-5-nano"] >= len(inputs)  # every request asks the router
    hard = pick(make_strategy("llmrouter", CATALOG), CTX, inputs.items[25])  # complexity 0.56
    assert [c.role for c in hard.calls] == ["router", "answer"] and hard.calls[1].model == "claude-opus-4-5"


def test_learned_embeds_the_prompts_and_counts_the_embedding_cost(inputs: PreviewInputs) -> None:
    strategy = make_strategy("learned", CATALOG)
    result = pick(strategy, CTX, inputs.items[0], embed=sim_embed)
    assert result.calls[0].role == "embedding" and result.calls[0].cost_usd > 0
    whole = preview(strategy, CTX, inputs)
    assert whole.errors == 0 and sum(whole.shares.values()) == pytest.approx(1.0)
    assert "text-embedding-3-small" not in whole.calls


def test_unroutable_prompts_are_counted_as_errors() -> None:
    tiny = RoutingContext(CATALOG, (CATALOG.get("gpt-4o-mini"),))
    huge = measure_prompt("word " * 200_000, TokenCounter())
    result = preview(make_strategy("complexity", CATALOG), tiny, [huge])
    assert result.errors == 1 and result.first_error and "context window" in result.first_error
    assert result.shares == {} and result.cost_per_1k == 0


# -- prompt-set files -----------------------------------------------------------


def test_builtin_prompt_set() -> None:
    assert builtin_prompt_set().label == "built-in (26 prompts)"


def test_prompt_file_one_per_line(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text("first prompt\n\n  second prompt  \n", encoding="utf-8")
    prompts = load_prompt_set(path)
    assert prompts.prompts == ("first prompt", "second prompt") and prompts.name == "p.txt"


def test_prompt_file_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "a\\nb", "id": 1}\n{"prompt": "c"}\n', encoding="utf-8")
    assert load_prompt_set(path).prompts == ("a\nb", "c")


@pytest.mark.parametrize(("text", "message"), [
    ("", "no prompts"),
    ("\n  \n", "no prompts"),
    ('{"prompt": "ok"}\nnot json\n', ":2: not valid JSON"),
    ('{"prompt": "ok"}\n{"text": "x"}\n', ':2: missing the "prompt" field (keys: text)'),
    ('{"prompt": "ok"}\n\n{"prompt": ""}\n', ':3: "prompt" must be a non-empty string'),
    ('{"prompt": "ok"}\n[1, 2]\n', ":2: expected an object"),
])
def test_prompt_file_errors_name_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_prompt_set(path)
    assert str(info.value).startswith(str(path)) and message in str(info.value)


def test_missing_prompt_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="prompt file not found"):
        load_prompt_set(tmp_path / "nope.txt")


# -- tuning state -----------------------------------------------------------------


def test_tuning_keeps_the_last_valid_value_and_says_why() -> None:
    tuning = Tuning(CATALOG, {"complexity": {"low_threshold": "0.2"}})
    assert tuning.values("complexity")["low_threshold"] == 0.2
    tuning.set("complexity", "high_threshold", "0.4")
    with pytest.raises(UserError, match="out of range"):
        tuning.set("complexity", "high_threshold", "1.5")
    with pytest.raises(UserError, match="must not exceed"):
        tuning.set("complexity", "high_threshold", 0.1)
    with pytest.raises(UserError, match="not a valid float"):
        tuning.set("complexity", "high_threshold", "abc")
    assert tuning.values("complexity")["high_threshold"] == 0.4
    assert tuning.values("complexity", pending=False)["high_threshold"] == 0.9  # the default
    assert tuning.changed() == {"complexity": {"low_threshold": 0.2, "high_threshold": 0.4}}
    assert tuning.commit() == {"complexity": {"low_threshold": 0.2, "high_threshold": 0.4}}
    assert tuning.changed() == {} and tuning.applied["complexity"]["high_threshold"] == 0.4


def test_setting_a_value_back_to_its_default_drops_it() -> None:
    tuning = Tuning(CATALOG, {})
    tuning.set("complexity", "high_threshold", 0.95)
    tuning.set("complexity", "high_threshold", 0.9)  # the default
    assert tuning.overrides("complexity") == {} and not tuning.is_changed("complexity")


def test_a_value_the_strategy_derives_is_shown_but_not_stored() -> None:
    """complexity's `high_threshold` given alone below the low default moves
    `low_threshold` with it; the editor must show the low value in effect."""
    tuning = Tuning(CATALOG, {})
    tuning.set("complexity", "high_threshold", 0.6)
    values = tuning.values("complexity")
    assert values["high_threshold"] == 0.6 and values["low_threshold"] == 0.6
    assert tuning.overrides("complexity") == {"high_threshold": 0.6}  # low keeps following high
    tuning.set("complexity", "high_threshold", 0.95)
    assert tuning.values("complexity")["low_threshold"] == 0.8  # back to the default
    # "@flagship" in a default stays as written, it is not taken for a derived value
    assert tuning.values("cascade") == {p.name: p.default for p in strategy_class("cascade").params}


def test_tuned_parameters_describe_a_column() -> None:
    assert describe_tuning(make_strategy("complexity", CATALOG)) == ""
    assert describe_tuning(make_strategy("cascade", CATALOG)) == ""  # @flagship resolved in a list
    tuned = make_strategy("complexity", CATALOG, {"high_threshold": 0.95, "mid_model": "gpt-4o"})
    assert describe_tuning(tuned) == "high_threshold=0.95, mid_model=gpt-4o"
    assert format_value({"a": 3.0, "b": 1.0}) == "a=3,b=1" and format_value(["x", "y"]) == "x,y"


def test_tui_prompts_option_fails_before_the_screen_opens(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from playground.cli import main

    bad = tmp_path / "set.jsonl"
    bad.write_text('{"prompt": "fine"}\n{"prompt": 3}\n', encoding="utf-8")
    assert main(["tui", "--sim", "--prompts", str(bad)]) == 2
    assert f'{bad}:2: "prompt" must be a non-empty string' in capsys.readouterr().err
