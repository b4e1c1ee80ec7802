"""Fault values are checked where they enter (the --faults text, SimServer,
the chaos panel's with_item, PUT /_sim/faults): infinite, NaN, negative or
out-of-range values and a kind given twice for one model are refused with
one line naming the item and the allowed range; PUT /_sim/faults takes the
--faults text itself as well as JSON."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from playground.core.errors import UserError
from playground.sim.faults.spec import LATENCY_MAX_MS, parse_fault_spec
from playground.sim.runner import SimServer


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("latency_ms=inf", r"fault item 1 'latency_ms=inf': latency_ms must not be negative, infinite or NaN; "
                           r"allowed 0\.\.600000 \(milliseconds\)"),
        ("latency_ms=nan", "latency_ms must not be negative, infinite or NaN"),
        ("latency_ms=-1", "latency_ms must not be negative"),
        (f"latency_ms={LATENCY_MAX_MS + 1}", r"allowed 0\.\.600000"),
        ("cut=nan", r"cut is a probability, allowed 0\.\.1"),
        ("stall=inf", r"stall is a probability, allowed 0\.\.1"),
        ("rate_limit=-0.1", r"rate_limit is a probability, allowed 0\.\.1"),
        ("cut=0.1,cut=0.2", "fault item 2 'cut=0.2': cut is already set for every model by item 1; give each kind "
                            "once per model"),
        ("sim-a:down=1,latency_ms=5,sim-a:down=0", "down is already set for sim-a by item 1"),
    ],
)
def test_bad_values_and_duplicates_are_refused(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_fault_spec(text)


def test_the_same_kind_for_different_models_is_fine() -> None:
    spec = parse_fault_spec("cut=0.1,sim-a:cut=0.5,sim-b:cut=0")
    assert spec.for_model("sim-a").cut == 0.5 and spec.for_model("sim-b").cut == 0 and spec.everywhere.cut == 0.1


def test_with_item_replaces_rather_than_duplicates_and_checks_the_value() -> None:
    spec = parse_fault_spec("cut=0.1,sim-a:latency_ms=5")
    changed = spec.with_item(None, "cut", 0.3).with_item("sim-a", "latency_ms", 7)
    assert changed.format() == "cut=0.3,sim-a:latency_ms=7"
    with pytest.raises(UserError, match="latency_ms must not be negative, infinite or NaN"):
        spec.with_item("sim-a", "latency_ms", float("inf"))
    with pytest.raises(UserError, match="unknown fault kind 'explode'"):
        spec.with_item(None, "explode", 1)


def test_a_spec_parsed_with_aliases_answers_for_every_name() -> None:
    aliases = {"gpt-4o": "sim-gpt-4o", "sim-gpt-4o": "sim-gpt-4o"}
    spec = parse_fault_spec("gpt-4o:down=1", known_models=aliases)
    assert spec.format() == "sim-gpt-4o:down=1"
    assert spec.for_model("gpt-4o").down and spec.for_model("sim-gpt-4o").down
    assert spec.with_item("gpt-4o", "cut", 0.5).format() == "sim-gpt-4o:cut=0.5,sim-gpt-4o:down=1"


@pytest.mark.parametrize("seed", [-1, 2**64, True])
def test_seeds_outside_64_bits_are_refused(seed: int) -> None:
    with pytest.raises(UserError, match=r"fault seed must be an integer in 0\.\.18446744073709551615"):
        SimServer(seed=seed)


@pytest.fixture(scope="module")
def control() -> Iterator[tuple[SimServer, str]]:
    with SimServer(speed=200) as sim:
        yield sim, sim.base_url + "/_sim/faults"


def test_put_takes_the_faults_text(control: tuple[SimServer, str]) -> None:
    sim, url = control
    with httpx2.Client() as http:
        put = http.put(url, content=b"server_error=0.2,gpt-4o:down=1", headers={"content-type": "text/plain"})
        assert put.status_code == 200
        assert put.json()["spec"] == "server_error=0.2,sim-gpt-4o:down=1"
        assert sim.faults.for_model("gpt-4o").down
        seeded = http.put(url + "?seed=42", content=b"cut=0.5")
        assert seeded.json() == {"spec": "cut=0.5", "seed": 42, "models": {}}
        as_json_string = http.put(url, json="stall=0.25")
        assert as_json_string.json()["spec"] == "stall=0.25" and as_json_string.json()["seed"] == 42
        assert http.put(url, content=b"").json()["spec"] == ""  # an empty body clears the faults


@pytest.mark.parametrize(
    ("content", "query", "message"),
    [
        (b"latency_ms=inf", "", "latency_ms must not be negative, infinite or NaN"),
        (b"cut=0.1,cut=0.1", "", "cut is already set for every model by item 1"),
        (b"cut=0.1", "?seed=-3", "seed must be an integer in 0..18446744073709551615"),
        (b"cut=0.1", "?seed=" + "9" * 5000, "seed must be an integer in 0..18446744073709551615"),
        (b'{"spec": "cut=0.1", "seed": ' + b"9" * 5000 + b"}", "", "the body is not valid JSON"),
        (b'{"spec": "cut=0.1", "seed": 99999999999999999999}', "", "the body is not valid JSON"),
        (b'{"spec": "cut=0.1", "seed": 18446744073709551616}', "", "the body is not valid JSON"),
        (b'{"spec": "\\ud800"}', "", "lone surrogate"),
        (b"[" * 5000, "", "the body is not valid JSON"),
        (b"\xff\xfe", "", "the body must be UTF-8 text"),
    ],
)
def test_put_refusals_are_json_400s(control: tuple[SimServer, str], content: bytes, query: str, message: str) -> None:
    sim, url = control
    sim.set_faults("cut=0.125")
    with httpx2.Client() as http:
        response = http.put(url + query, content=content)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert message in response.json()["error"]["message"]
    assert sim.faults.format() == "cut=0.125"  # a refused PUT changes nothing
