"""The side-by-side table `playground export --check` prints, rendered from
hand-made observations (no gateway, no simulator): one row per fault with the
playground and each gateway (model chosen, outcome, calls), each gateway cell
marked same / differs-as-noted / differs-unexplained, and every difference
spelled out with the export's note that explains it."""

from __future__ import annotations

from playground.config.exporters import ExportResult
from playground.gateways.compare import CaseResult, Observation, StrategyRun
from playground.gateways.faults import FAULTS_BY_KEY, Entry
from playground.gateways.table import cell, render

MID_NOTE = ("a stream that breaks after its first chunk (a mid-stream failure) reaches the client as an error: "
            "LiteLLM neither retries nor falls back once streaming has started [LiteLLM proxy 1.108.7]")
PORTKEY_MID_NOTE = "mid-stream failures are passed through, not fallen back [Portkey gateway 1.15.2]"


def seen(side: str, outcome: str, *log: tuple[str, str | None], served: str | None = None) -> Observation:
    return Observation(side, tuple(Entry(model, fault) for model, fault in log), outcome, served)  # type: ignore[arg-type]


def case(fault: str, playground: Observation, litellm: Observation, portkey: Observation) -> CaseResult:
    return CaseResult("fixed", FAULTS_BY_KEY[fault], "gpt-4o", False, (playground,),
                      {"litellm": (litellm,), "portkey": (portkey,)})


def make_run(portkey_notes: list[str]) -> StrategyRun:
    run = StrategyRun("fixed", {"litellm": ExportResult("", [MID_NOTE], ".yaml"),
                                "portkey": ExportResult("", portkey_notes, ".json")})
    fallback = (("gpt-4o", "server_error"), ("gpt-4o", "server_error"), ("gpt-4o-mini", None))
    run.cases = [
        case("none", seen("playground", "answered", ("gpt-4o", None), served="gpt-4o"),
             seen("litellm", "answered", ("gpt-4o", None), served="gpt-4o"),
             seen("portkey", "answered", ("gpt-4o", None), served="gpt-4o")),
        case("server_error", seen("playground", "answered", *fallback, served="gpt-4o-mini"),
             seen("litellm", "answered", *fallback, served="gpt-4o-mini"),
             seen("portkey", "answered", *fallback, served="gpt-4o-mini")),
        case("cut", seen("playground", "answered", ("gpt-4o", "cut"), ("gpt-4o-mini", None), served="gpt-4o-mini"),
             seen("litellm", "error", ("gpt-4o", "cut")),
             seen("portkey", "truncated", ("gpt-4o", "cut"), served="gpt-4o")),
    ]
    return run


def rows(text: str) -> dict[str, str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("fault"))
    table = lines[start + 2:lines.index("", start)]
    return {line.split("  ")[0]: line for line in table}


def test_a_cell_names_the_model_chosen_the_outcome_who_answered_and_the_calls() -> None:
    assert cell([seen("p", "answered", ("gpt-4o", None), served="gpt-4o")]) == "gpt-4o: answered (1 call)"
    fallback = seen("p", "answered", ("gpt-4o", "down"), ("gpt-4o-mini", None), served="gpt-4o-mini")
    assert cell([fallback]) == "gpt-4o: answered by gpt-4o-mini (2 calls)"
    assert cell([seen("p", "hung", ("gpt-4o", "stall"))]) == "gpt-4o: hung (1 call)"
    spread = [seen("p", "answered", ("a", None), served="a"), seen("p", "error", ("b", "down"), ("b", "down"))]
    assert cell(spread) == "answered 1/2, error (3 calls)"
    assert cell([]) == "-"


def test_the_table_has_a_row_per_fault_and_marks_each_gateway_cell() -> None:
    text = render(make_run([PORTKEY_MID_NOTE]), {"litellm": "1.108.7", "portkey": "1.15.2"})
    header = next(line for line in text.splitlines() if line.startswith("fault"))
    assert header.split() == ["fault", "playground", "LiteLLM", "1.108.7", "Portkey", "1.15.2"]
    table = rows(text)
    assert list(table) == ["no fault", "5xx", "cut stream"]
    assert table["5xx"].count("= gpt-4o: answered by gpt-4o-mini (3 calls)") == 2
    cut = table["cut stream"]
    assert "gpt-4o: answered by gpt-4o-mini (2 calls)" in cut
    assert "≈ gpt-4o: error (1 call)" in cut and "≈ gpt-4o: truncated (1 call)" in cut


def test_every_difference_is_spelled_out_with_the_note_that_explains_it() -> None:
    text = render(make_run([PORTKEY_MID_NOTE]), {})
    details = text.split("differs, and no note says so", 1)[1]
    assert "cut stream on gpt-4o, LiteLLM: attempts, outcome differ" in details
    assert "    playground: answered via gpt-4o-mini: gpt-4o!cut stream → gpt-4o-mini" in details
    assert "    LiteLLM: error via -: gpt-4o!cut stream" in details
    assert f"the export says: {MID_NOTE}" in details
    assert f"the export says: {PORTKEY_MID_NOTE}" in details
    assert "5xx" not in details  # no difference, no detail


def test_a_difference_without_its_note_is_flagged_not_excused() -> None:
    text = render(make_run([]), {})
    assert "≠ gpt-4o: truncated (1 call)" in rows(text)["cut stream"]
    assert "but the export's notes do not say so" in text
