"""The issue's "done when", end to end: tune the complexity threshold in the
TUI and watch the flagship share and cost per 1,000 move, save the profile,
export it as TOML, LiteLLM and Portkey from the TUI, and run the exported
policy through `Router.from_file`, which makes the same choices the
playground made."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml

from playground import Router
from playground.config import paths, profiles
from playground.core.catalog import default_catalog
from playground.core.messages import ChatRequest
from playground.eval.prompts import BUILTIN_PROMPTS
from playground.strategies.base import RouteInput
from playground.tui.screens.export import ExportDialog
from playground.tui.screens.profiles import SaveProfileDialog
from tests.helpers.tui import BORDERLINE, SIZE, ended, open_tuning, ready, sim_app, threshold, wait_for

FLAGSHIP = default_catalog().flagship


async def test_tune_save_export_and_ship_the_same_choices(tmp_path: Path) -> None:
    app = sim_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.main_screen.prompt_area.load_text(BORDERLINE)
        screen = await open_tuning(pilot)
        start = screen.after
        assert start is not None
        await pilot.click("#step-high_threshold")
        await pilot.press("shift+left")
        await wait_for(pilot, lambda: threshold(app) == pytest.approx(0.8), "the threshold to move")
        await wait_for(pilot, lambda: screen.after is not None and screen.after != start, "the preview to move")
        assert screen.after is not None
        assert screen.after.flagship_share > start.flagship_share and screen.after.cost_per_1k > start.cost_per_1k

        await pilot.press("ctrl+n")  # saving applies the edit first
        await wait_for(pilot, lambda: isinstance(app.screen, SaveProfileDialog), "the save dialog")
        await pilot.press(*"tuned", "enter")
        await wait_for(pilot, lambda: profiles.profile_path("tuned").exists(), "the profile")
        assert profiles.load_profile("tuned").values_for("complexity")["high_threshold"] == pytest.approx(0.8)

        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the export dialog")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert dialog.strategy == "complexity" and dialog.fmt == "toml"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.last_export is not None, "the export")
        assert app.last_export is not None
        toml_path, toml_result = app.last_export
        assert toml_path.parent == paths.exports_dir() and stat.S_IMODE(toml_path.stat().st_mode) == 0o600
        assert app.clipboard == toml_result.text and "high_threshold = 0.8" in toml_result.text

        litellm_path = app.export_policy("complexity", "litellm")
        portkey_path = app.export_policy("complexity", "portkey")
        assert litellm_path is not None and portkey_path is not None
        config = yaml.safe_load(litellm_path.read_text())
        assert {m["model_name"] for m in config["model_list"]} >= {"playground-complexity", FLAGSHIP}
        assert json.loads(portkey_path.read_text())["strategy"]["mode"] == "conditional"
        await pilot.pause()
        toasts = " ".join(str(n.message) for n in app._notifications)
        assert "Not expressible in litellm" in toasts and "Not expressible in portkey" in toasts

        # What the playground chose for the borderline prompt, sent for real.
        await pilot.press("escape")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ended(app.main_screen.column("complexity")), "the complexity column")
        sent = app.main_screen.column("complexity").current
        assert sent is not None and sent.result is not None and sent.result.decision is not None
        playground_model = sent.result.decision.model
        assert playground_model == FLAGSHIP
        assert app.engine is not None
        strategy, context = app.strategies["complexity"], app.engine.context
        counter = app.engine.counter
        playground_picks = [strategy.decide(RouteInput.measure(ChatRequest.from_prompt(p), counter), context).model
                            for p in BUILTIN_PROMPTS]

    async with Router.from_file(toml_path, simulate=True) as router:
        assert router.strategy_name == "complexity"
        shipped_picks = [router.decide(p).model for p in BUILTIN_PROMPTS]
        assert shipped_picks == playground_picks
        done = await router.complete(BORDERLINE, max_tokens=100)
        assert done.model == playground_model and done.text
