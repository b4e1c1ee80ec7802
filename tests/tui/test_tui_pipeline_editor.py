"""The pipeline's step editor on the tuning screen, driven with Pilot
against the simulator: add a step, break its template (the step's own line
names the unknown output and nothing reaches the preview), fix it (the
preview follows), apply, and the next send streams the new step."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Button, Input, Select

from playground.strategies.pipeline import EXAMPLES
from playground.tui.app import PlaygroundApp
from playground.tui.screens.tuning import TuningScreen
from playground.tui.widgets.pipeline_editor import PipelineEditor, StepBlock, format_params, parse_params
from tests.helpers.tui import SIZE, ended, open_tuning, ready, screen_text, sim_app, wait_for


def pending_steps(app: PlaygroundApp) -> list[dict]:
    return app.tuning.values("pipeline")["steps"]


async def steps_editor(pilot: Pilot) -> tuple[TuningScreen, PipelineEditor]:
    await ready(pilot)
    screen = await open_tuning(pilot)
    assert screen.selected == "pipeline"
    editor = screen.editor("steps")
    assert isinstance(editor, PipelineEditor)
    return screen, editor


async def replace_text(pilot: Pilot, field: Input, text: str) -> None:
    field.focus()
    await pilot.press("ctrl+a", "ctrl+k")
    field.insert_text_at_cursor(text)  # as typing it does, in one go
    await pilot.pause()


def test_params_text_round_trips() -> None:
    params = {"low_threshold": 0.7, "small_model": "gpt-5-nano", "flags": [1, 2], "on": True,
              "weights": {"gpt-4o": 2.0, "claude-haiku-4-5": 1}}
    assert format_params({"low_threshold": 0.7, "small_model": "gpt-5-nano"}) == (
        'low_threshold = 0.7, small_model = "gpt-5-nano"')
    assert parse_params(format_params(params)) == params
    assert parse_params("") == {}
    problem = parse_params("low_threshold 0.7")
    assert isinstance(problem, str) and problem.startswith("params: not key = value pairs as in the config")


async def test_add_a_step_break_and_fix_its_template_apply_and_the_send_streams_it() -> None:
    app = sim_app(strategies=["pipeline"])
    async with app.run_test(size=SIZE) as pilot:
        screen, editor = await steps_editor(pilot)
        assert editor.blocks == []  # no custom steps: the built-in example runs

        # Start from the research example: its three steps become editable blocks and the value.
        editor.query_one(".step-example", Select).value = "research"
        await wait_for(pilot, lambda: len(editor.blocks) == 3, "the example's steps")
        research = [step["name"] for step in EXAMPLES["research"]]
        await wait_for(pilot, lambda: [s["name"] for s in pending_steps(app)] == research, "the value")
        assert pending_steps(app) == EXAMPLES["research"]  # multi-line templates survive the \n in their field
        before = screen.after

        # + add step: a fourth block reading the last step's output, on the flagship.
        await pilot.click(editor.query_one(".step-add", Button))
        await wait_for(pilot, lambda: len(pending_steps(app)) == 4, "the new step")
        block = editor.blocks[3]
        assert block.step_name == "step1" and "{summary}" in block.texts["prompt"]
        await wait_for(pilot, lambda: screen.after is not None and screen.after != before, "the preview to follow")
        with_step = screen.after
        assert with_step is not None and with_step.cost_per_1k > (before.cost_per_1k if before else 0)

        # Name an unknown step output: the step's own line says so, the value stays.
        template = block.query_one(".step-prompt", Input)
        await replace_text(pilot, template, "Translate to French: {sumary}")
        await wait_for(pilot, lambda: "unknown step output {sumary}" in block.problem, "the step's problem line")
        assert block.problem.startswith("pipeline step 'step1': the template names unknown step output {sumary}; "
                                        "known: prompt, queries, summary, synthesis")
        block.query_one(".step-problem").scroll_visible(animate=False)
        await wait_for(pilot, lambda: "✗ the template names unknown step output {sumary}; known: prompt," in
                       screen_text(pilot), "the problem line on screen")
        assert all(not b.problem for b in editor.blocks[:3])
        assert "{sumary}" not in pending_steps(app)[3]["prompt"] and screen.after == with_step

        # Fix it: the line goes, the value and the preview follow.
        await replace_text(pilot, template, "Translate to French: {summary}")
        await wait_for(pilot, lambda: not block.problem, "the problem line to clear")
        await wait_for(pilot, lambda: pending_steps(app)[3]["prompt"] == "Translate to French: {summary}",
                       "the fixed template")
        assert not editor.error

        # A routed step with its strategy's params; a bad one names the step and key.
        picker = block.query_one(".step-picker", Select)
        picker.value = "route: complexity"
        await replace_text(pilot, block.query_one(".step-params", Input), "low_threshold = 3")
        await wait_for(pilot, lambda: "params: complexity.low_threshold" in block.problem, "the param's problem")
        await replace_text(pilot, block.query_one(".step-params", Input), "low_threshold = 0.2, high_threshold = 0.3")
        await wait_for(pilot, lambda: pending_steps(app)[3].get("params") == {
            "low_threshold": 0.2, "high_threshold": 0.3}, "the routed step's params")
        picker.value = "gpt-5-nano"
        await replace_text(pilot, block.query_one(".step-params", Input), "")
        await wait_for(pilot, lambda: pending_steps(app)[3].get("model") == "gpt-5-nano", "a fixed model")

        # Apply, back to the main screen, send: the column streams four steps, the new one last.
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(app.strategies["pipeline"].values["steps"]) == 4,
                       "the steps to apply")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TuningScreen), "the tuning screen to close")
        app.main_screen.prompt_area.load_text("What causes tides?")
        await pilot.press("ctrl+s")
        column = app.main_screen.column("pipeline")
        await wait_for(pilot, lambda: ended(column), "the pipeline column to finish")
        run = column.current
        assert run is not None and run.status == "done", run.error if run else None
        lanes = list(run.members.members.values())
        assert [lane.role.label for lane in lanes] == ["step 1", "step 2", "step 3", "step 4"]
        assert lanes[3].model == "gpt-5-nano" and lanes[3].status == "ok"
        assert run.model == "gpt-5-nano"  # the last step answers


async def test_reorder_and_remove_steps() -> None:
    app = sim_app(strategies=["pipeline"])
    async with app.run_test(size=SIZE) as pilot:
        _screen, editor = await steps_editor(pilot)
        editor.query_one(".step-example", Select).value = "research"
        await wait_for(pilot, lambda: len(pending_steps(app)) == 3, "the example's steps")
        # Moving synthesis above queries breaks it (it reads {queries}): refused on that step, value kept.
        synthesis = editor.blocks[1]
        synthesis.query_one(".step-up", Button).press()
        await wait_for(pilot, lambda: "a step that runs later" in synthesis.problem, "the order problem")
        assert [s["name"] for s in pending_steps(app)] == ["queries", "synthesis", "summary"]
        synthesis.focus()
        synthesis.query_one(".step-name", Input).focus()
        await pilot.press("ctrl+down")
        await wait_for(pilot, lambda: not synthesis.problem, "the order to be fixed")
        # ✕ on summary: two steps left.
        editor.blocks[2].query_one(".step-remove", Button).press()
        await wait_for(pilot, lambda: [s["name"] for s in pending_steps(app)] == ["queries", "synthesis"],
                       "the removal")
        assert isinstance(editor.blocks[0], StepBlock)
