import pytest

from playground.core.errors import UserError
from playground.sim.faults.spec import FaultSettings, parse_fault_spec

EXAMPLE = "server_error=0.2,rate_limit=0.1,cut=0.05,stall=0.05,sim-gpt-4o:down=1"


def test_the_issue_example_parses() -> None:
    spec = parse_fault_spec(EXAMPLE)
    assert spec.everywhere == FaultSettings(rate_limit=0.1, server_error=0.2, cut=0.05, stall=0.05)
    gpt = spec.for_model("sim-gpt-4o")
    assert gpt.down and gpt.server_error == 0.2  # global items still apply to the model
    assert not spec.for_model("sim-claude-opus-4-5").down


def test_model_items_override_global_ones_for_that_model_only() -> None:
    spec = parse_fault_spec("latency_ms=100,sim-a:latency_ms=900,sim-b:cut=1")
    assert spec.for_model("sim-a").latency_ms == 900
    assert spec.for_model("sim-b").latency_ms == 100 and spec.for_model("sim-b").cut == 1
    assert spec.for_model("sim-c") == FaultSettings(latency_ms=100)


def test_format_round_trips_and_with_item_toggles() -> None:
    spec = parse_fault_spec(EXAMPLE)
    assert parse_fault_spec(spec.format()) == spec
    cleared = spec.with_item("sim-gpt-4o", "down", False)
    assert not cleared.for_model("sim-gpt-4o").down
    assert cleared.everywhere == spec.everywhere
    assert parse_fault_spec("").everywhere == FaultSettings() and not parse_fault_spec("").everywhere.active


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("server_error=1.5", r"fault item 1 'server_error=1.5': server_error is a probability, allowed 0..1"),
        ("cut=0.1,explode=1", r"fault item 2 'explode=1': unknown fault kind 'explode'; kinds: rate_limit"),
        ("down=2", "down is 1 or 0"),
        ("latency_ms=-5", "latency_ms must not be negative"),
        ("stall", "expected comma-separated KIND=VALUE items"),
        ("cut=abc", "'abc' is not a number"),
        ("cut=0.1,,stall=0.1", "fault item 2 '': empty item"),
        (":cut=0.1", "empty model before ':'"),
    ],
)
def test_errors_name_the_item(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_fault_spec(text)


def test_unknown_model_prefix_is_rejected_when_models_are_known() -> None:
    with pytest.raises(UserError, match="unknown simulated model 'sim-gpt4o'"):
        parse_fault_spec("sim-gpt4o:down=1", known_models={"sim-gpt-4o"})
