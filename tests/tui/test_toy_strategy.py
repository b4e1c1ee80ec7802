"""Adding a strategy is one module and its registry line. A toy strategy,
written here as a new module file and registered (the registry is
monkeypatched: that is the one line a real strategy adds), gets the CLI
listing, tuning editors (Pilot), preview costs, replay and exports with what
they cannot express — no other file is edited."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from playground.cli import main
from playground.config.exporters import export_policy
from playground.config.load import parse_policy_text
from playground.core.catalog import default_catalog
from playground.core.errors import UserError
from playground.core.pricing import cost_usd
from playground.core.tokens import TokenCounter
from playground.eval.preview import PreviewInputs, preview
from playground.eval.prompts import BUILTIN_PROMPTS
from playground.strategies.base import RoutingContext
from playground.strategies.features import FeatureTable
from playground.strategies.registry import STRATEGIES, make_strategy
from playground.tui.widgets.param_editor import BoolEditor, ListParamEditor, NumberEditor, SelectEditor
from tests.helpers.tui import SIZE, open_tuning, ready, sim_app, wait_for

CATALOG = default_catalog()
CTX = RoutingContext.for_all(CATALOG)

TOY_MODULE = '''
"""Toy: short prompts to one model, long ones to another."""

from typing import Literal

from pydantic import Field

from playground.core.decision import Candidate, Decision
from playground.strategies.base import RouteInput, RoutingContext, Strategy
from playground.strategies.params import ModelId, ModelIds, Params


class ToyParams(Params):
    cutoff: int = Field(40, ge=1, le=10_000, description="Prompts of at least this many tokens are long.")
    short_model: ModelId = Field("gpt-5-nano", description="Model for short prompts.")
    long_model: ModelId = Field("@flagship", description="Model for long prompts.")
    mood: Literal["calm", "eager"] = Field("calm", description="How the reason reads.")
    loud: bool = Field(False, description="Shout the reason.")
    spares: ModelIds = Field(["gpt-4o-mini"], description="Fallbacks after the chosen model.")


class ToyStrategy(Strategy[ToyParams]):
    name = "toy"
    summary = "Short prompts to one model, long ones to another."

    def decide(self, route: RouteInput, ctx: RoutingContext) -> Decision:
        long = route.input_tokens >= self.p.cutoff
        model, _ = ctx.resolve(self.p.long_model if long else self.p.short_model, route)
        reason = f"{self.p.mood}: {route.input_tokens} tokens {'>=' if long else '<'} {self.p.cutoff}"
        return Decision(model.id, reason.upper() if self.p.loud else reason, (Candidate(model.id),),
                        fallbacks=tuple(self.p.spares))
'''


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> type[Any]:
    path = tmp_path / "toy_strategy.py"
    path.write_text(TOY_MODULE, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("toy_strategy", path)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(STRATEGIES, "toy", module.ToyStrategy)  # the registry line
    return module.ToyStrategy


def test_the_cli_lists_it(toy: type[Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["strategies"]) == 0
    out = capsys.readouterr().out
    assert "toy: Short prompts to one model, long ones to another." in out
    assert "    cutoff (int [1..10000], default 40): Prompts of at least this many tokens are long." in out
    assert "    mood (choice, one of calm | eager, default calm): How the reason reads." in out
    assert main(["strategies", "--json"]) == 0
    listed = next(row for row in json.loads(capsys.readouterr().out) if row["name"] == "toy")
    assert [(p["name"], p["type"]) for p in listed["params"]] == [
        ("cutoff", "int"), ("short_model", "model"), ("long_model", "model"), ("mood", "choice"), ("loud", "bool"),
        ("spares", "models")]
    assert (listed["params"][0]["min"], listed["params"][0]["max"]) == (1, 10_000)


def test_parameters_parse_and_refuse_like_any_strategy(toy: type[Any]) -> None:
    strategy = make_strategy("toy", CATALOG, {"cutoff": "12", "spares": "gpt-4o,@flagship", "loud": "yes"})
    assert (strategy.p.cutoff, strategy.p.spares, strategy.p.loud) == (12, ["gpt-4o", CATALOG.flagship], True)
    with pytest.raises(UserError, match=r"toy.cutoff: 0 is out of range; allowed 1..10000"):
        make_strategy("toy", CATALOG, {"cutoff": "0"})
    with pytest.raises(UserError, match="toy.mood: 'angry' is not one of calm, eager"):
        make_strategy("toy", CATALOG, {"mood": "angry"})


def test_the_preview_costs_it(toy: type[Any]) -> None:
    inputs = PreviewInputs.measure(BUILTIN_PROMPTS, TokenCounter(), label="built-in")
    result = preview(make_strategy("toy", CATALOG), CTX, inputs)
    assert result.errors == 0 and set(result.calls) == {"gpt-5-nano", CATALOG.flagship}
    expected = sum(cost_usd(CATALOG.get("gpt-5-nano" if item.route.input_tokens < 40 else CATALOG.flagship),
                            item.route.input_tokens, item.output_tokens) for item in inputs.items)
    assert result.cost_per_1k == pytest.approx(expected / len(inputs) * 1000)


def test_replay_decides_it_row_by_row(toy: type[Any]) -> None:
    table = FeatureTable.compute(BUILTIN_PROMPTS, TokenCounter(), toy.features)
    batch = make_strategy("toy", CATALOG).decide_batch(table, CTX)
    one_by_one = [make_strategy("toy", CATALOG).decide(table.route_input(i), CTX).model for i in range(len(table))]
    assert list(batch.models) == one_by_one and batch.plans is None and not batch.errors
    assert {"gpt-5-nano", CATALOG.flagship} == set(one_by_one)


def test_it_exports_and_says_what_cannot_be_expressed(toy: type[Any]) -> None:
    settings = parse_policy_text('[router]\nstrategy = "toy"\n[strategies.toy]\ncutoff = 12\n', "toy.toml")
    toml = export_policy(settings, "toml")
    again = parse_policy_text(toml.text, "exported.toml")
    assert again.router_strategy == "toy" and again.values_for("toy")["cutoff"] == 12
    lite = export_policy(settings, "litellm")
    config = yaml.safe_load(lite.text)
    assert config["router_settings"]["fallbacks"] == [{"gpt-5-nano": ["gpt-4o-mini"]}]
    portkey = json.loads(export_policy(settings, "portkey").text)
    assert [t["override_params"]["model"] for t in portkey["targets"]] == ["gpt-5-nano", "gpt-4o-mini"]
    for result in (lite, export_policy(settings, "portkey")):
        assert any(line.startswith("toy: deciding per request (Short prompts to one model, long ones to another) "
                                   "cannot be expressed; exported the model it picks for a plain prompt (gpt-5-nano)")
                   for line in result.unexpressed), result.unexpressed


async def test_the_tuning_screen_generates_its_editors(toy: type[Any]) -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_tuning(pilot)
        await screen.select_strategy("toy")
        await wait_for(pilot, lambda: screen.after is not None and screen.after.strategy == "toy", "the toy preview")
        kinds = {name: type(screen.editor(name)) for name in ("cutoff", "short_model", "long_model", "mood", "loud",
                                                               "spares")}
        assert kinds == {"cutoff": NumberEditor, "short_model": SelectEditor, "long_model": SelectEditor,
                         "mood": SelectEditor, "loud": BoolEditor, "spares": ListParamEditor}
        start = screen.after
        assert start is not None and 0 < start.flagship_share < 1
        stepper = screen.editor("cutoff").query_one("#step-cutoff")
        stepper.focus()
        await wait_for(pilot, lambda: stepper.has_focus, "the cutoff stepper to take focus")
        await pilot.press("home")  # the lower bound: every prompt is long
        await wait_for(pilot, lambda: app.tuning.values("toy")["cutoff"] == 1, "the cutoff to move")
        await wait_for(pilot, lambda: app.tuning.values("toy")["cutoff"] == 1, "the cutoff to move")
        await wait_for(pilot, lambda: screen.after is not None and screen.after.flagship_share == 1.0,
                       "the preview to follow")
        assert screen.after is not None and screen.after.cost_per_1k > start.cost_per_1k
