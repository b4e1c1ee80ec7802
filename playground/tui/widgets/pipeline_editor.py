"""The pipeline's `steps` parameter on the tuning screen: one block per step.

Each step shows its name, what picks its model (a fixed model, or
"route: STRATEGY" with that strategy's parameters as `key = value, ...`,
the body of the config's `params = {...}`), its
prompt template, its condition (run if / unless an earlier step's output
matches a pattern), its fallback output and max tokens, then one line with
its first problem as you type (an unknown step output in the template, a
condition on a later step, an unknown model, a parameter its strategy
refuses). The problems come from the strategy itself
(`strategies.pipeline.check_steps`); only when every step is fine is the
list posted as the parameter's value, so the preview and apply always see
steps that run. ↑ / ↓ (or Ctrl+↑ / Ctrl+↓ in a step) move a step, ✕ removes
it, "+ add step" appends one, "start from" fills the list with a built-in
example to edit. No steps: the built-in `example` runs.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static

from playground.core.catalog import Catalog
from playground.core.errors import UserError
from playground.strategies.base import Param
from playground.strategies.pipeline import EXAMPLES, STEP_STRATEGIES, check_steps, load_steps
from playground.tui.widgets.param_editor import ParamEditor

# Picker values: a fixed model, or a strategy that routes the step.
ROUTE = "route: "
# Text fields of a step, in the order they are laid out (the picker and the condition mode are Selects).
_PLACEHOLDERS = {
    "name": "name",
    "params": "params (a = 1)",
    "prompt": "prompt template: {prompt}, earlier steps' {name}; \\n for a new line",
    "when": "if step",
    "matches": "output matches (regex)",
    "fallback_output": "fallback output on failure",
    "max_tokens": "tokens",
}
_RUN_IF = "runs if"
_RUN_UNLESS = "runs unless"


def format_params(params: dict[str, Any]) -> str:
    """A step's params as the body of a TOML inline table (`key = value, ...`),
    as the config writes them: `params = {low_threshold = 0.7}`."""
    return ", ".join(f"{key} = {_toml_value(value)}" for key, value in params.items())


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + format_params(value) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string is a JSON string


def parse_params(text: str) -> dict[str, Any] | str:
    """The body of a TOML inline table as a table, or what is wrong with it."""
    if not text.strip():
        return {}
    try:
        return tomllib.loads(f"params = {{{text}}}")["params"]
    except tomllib.TOMLDecodeError as exc:
        return f"params: not key = value pairs as in the config, e.g. low_threshold = 0.7, model = \"gpt-4o\" ({exc})"


class StepBlock(Vertical):
    """One step's fields and its problem line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+up", "move(-1)", "Move step up", show=False, id="pipeline_step_up"),
        Binding("ctrl+down", "move(1)", "Move step down", show=False, id="pipeline_step_down"),
    ]

    class Edited(Message):
        """A field of the step changed."""

    class Requested(Message):
        """The step asks to be moved by `offset` or removed (offset 0)."""

        def __init__(self, block: StepBlock, offset: int) -> None:
            super().__init__()
            self.block = block
            self.offset = offset

    def __init__(self, step: dict[str, Any], catalog: Catalog) -> None:
        super().__init__(classes="pipeline-step")
        self.catalog = catalog
        self.texts = {
            "name": str(step.get("name", "")),
            "params": format_params(dict(step.get("params") or {})),
            "prompt": str(step.get("prompt", "")).replace("\n", "\\n"),
            "when": str(step.get("when") or ""),
            "matches": str(step.get("matches", "")),
            "fallback_output": "" if step.get("fallback_output") is None else str(step["fallback_output"]),
            "max_tokens": str(step.get("max_tokens", "")),
        }
        self.picker = (ROUTE + str(step["strategy"])) if step.get("strategy") else str(step.get("model") or "")
        self.negate = bool(step.get("negate", False))
        self.problem = ""

    def _picker_options(self) -> list[tuple[str, str]]:
        options = [(m, m) for m in sorted(self.catalog.models)]
        options += [(ROUTE + s, ROUTE + s) for s in STEP_STRATEGIES]
        if self.picker and self.picker not in dict(options).values():
            options.insert(0, (f"{self.picker} (unknown)", self.picker))
        return options

    def _input(self, key: str) -> Input:
        return Input(self.texts[key], placeholder=_PLACEHOLDERS[key], name=key, classes=f"step-{key.replace('_', '-')}",
                     compact=True, select_on_focus=False)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="step-head"):
            yield self._input("name")
            yield Select(self._picker_options(), value=self.picker or Select.BLANK, allow_blank=not self.picker,
                         prompt="(model or route)", name="picker", classes="step-picker", compact=True)
            yield self._input("params")
            yield Button("↑", classes="step-up", compact=True, tooltip="Move up (Ctrl+↑)")
            yield Button("↓", classes="step-down", compact=True, tooltip="Move down (Ctrl+↓)")
            yield Button("✕", classes="step-remove", compact=True, tooltip="Remove the step")
        yield self._input("prompt")
        with Horizontal(classes="step-condition"):
            yield Select([(_RUN_IF, _RUN_IF), (_RUN_UNLESS, _RUN_UNLESS)],
                         value=_RUN_UNLESS if self.negate else _RUN_IF, allow_blank=False, name="mode",
                         classes="step-mode", compact=True)
            yield self._input("when")
            yield self._input("matches")
            yield self._input("fallback_output")
            yield self._input("max_tokens")
        yield Static("", classes="step-problem", markup=False)

    def on_mount(self) -> None:
        self.show_problem("")

    @property
    def step_name(self) -> str:
        return self.texts["name"].strip()

    def raw(self) -> dict[str, Any] | str:
        """The step as the strategy reads it, or what stops it being one."""
        step: dict[str, Any] = {"name": self.step_name, "prompt": self.texts["prompt"].replace("\\n", "\n")}
        if self.picker.startswith(ROUTE):
            step["strategy"] = self.picker.removeprefix(ROUTE)
        elif self.picker:
            step["model"] = self.picker
        params = parse_params(self.texts["params"])
        if isinstance(params, str):
            return params
        if params:
            step["params"] = params
        when = self.texts["when"].strip()
        if when:
            step["when"] = when
            step["matches"] = self.texts["matches"]
            if self.negate:
                step["negate"] = True
        if self.texts["fallback_output"]:
            step["fallback_output"] = self.texts["fallback_output"]
        max_tokens = self.texts["max_tokens"].strip()
        if max_tokens:
            step["max_tokens"] = int(max_tokens) if max_tokens.isdigit() else max_tokens
        return step

    def show_problem(self, problem: str) -> None:
        """One line under the step (it stands next to the step, so without
        the "pipeline step 'name': " the CLI needs); the whole text in its tooltip."""
        self.problem = problem
        line = self.query_one(".step-problem", Static)
        line.update(f"✗ {problem.split(': ', 1)[-1]}" if problem else "")
        line.tooltip = problem or None
        line.display = bool(problem)
        self.set_class(bool(problem), "-invalid")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        key = event.input.name or ""
        if self.texts.get(key) != event.value:
            self.texts[key] = event.value
            self.post_message(self.Edited())

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        event.stop()
        value = "" if event.value is Select.BLANK else str(event.value)
        if event.select.name == "mode":
            changed, self.negate = self.negate != (value == _RUN_UNLESS), value == _RUN_UNLESS
        else:
            changed, self.picker = self.picker != value, value
        if changed:
            self.post_message(self.Edited())

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        offset = -1 if event.button.has_class("step-up") else 1 if event.button.has_class("step-down") else 0
        self.post_message(self.Requested(self, offset))

    def action_move(self, offset: int) -> None:
        self.post_message(self.Requested(self, offset))


class PipelineEditor(ParamEditor):
    """The `steps` parameter: step blocks, "+ add step" and "start from"."""

    DEFAULT_CSS = (Path(__file__).with_suffix(".tcss")).read_text(encoding="utf-8")

    def __init__(self, param: Param, value: Any, catalog: Catalog) -> None:
        super().__init__(param, value, catalog)
        self._initial = _steps_of(value)
        # What was last posted (or came in): a change that makes the same list posts nothing.
        self._posted: list[Any] = self._initial

    def compose(self) -> ComposeResult:
        yield Static(self.param.name, classes="param-name", markup=False)
        with Vertical(classes="param-control pipeline-steps"):
            for step in self._initial:
                yield StepBlock(step, self.catalog)
            with Horizontal(classes="pipeline-actions"):
                yield Button("+ add step", classes="step-add", compact=True)
                yield Select([(f"start from {name}", name) for name in EXAMPLES], prompt="start from an example",
                             classes="step-example", compact=True)
        yield Static(self._help_text(), classes="param-help", markup=False)
        yield Static("", classes="param-error", markup=False)

    def _help_text(self) -> str:
        return ("Steps run in order; a template reads {prompt} and earlier steps' outputs by name; a routed step's "
                "params as in the config (low_threshold = 0.7, ...); no steps: the built-in example runs (↑/↓ or "
                "Ctrl+↑/↓ move a step, ✕ removes)")

    @property
    def blocks(self) -> list[StepBlock]:
        return list(self.query(StepBlock))

    @property
    def focus_target(self) -> Widget:
        return next((w for w in self.query("Input, Select, Button") if w.focusable), self)

    # -- checking and posting ---------------------------------------------------------
    def check(self) -> None:
        """Each step's problem on its own line; the list goes to the owner
        only when every step is fine."""
        blocks = self.blocks
        raws = [block.raw() for block in blocks]
        parsed = [raw if isinstance(raw, dict) else {"name": b.step_name} for raw, b in zip(raws, blocks, strict=True)]
        problems = check_steps(parsed, self.catalog) if parsed else []
        for block, raw, problem in zip(blocks, raws, problems, strict=True):
            where = f"pipeline step {block.step_name!r}: "
            block.show_problem(where + raw if isinstance(raw, str) else problem)
        broken = sum(1 for block in blocks if block.problem)
        if broken:
            self._show_error(f"{broken} step(s) to fix; the steps in effect stay until then")
            return
        if parsed != self._posted or self.error:
            self._posted = parsed
            self.request(parsed)

    def _show_error(self, reason: str) -> None:
        super()._show_error(reason)
        self.remove_class("-invalid")  # the steps with problems are marked, not every field

    @on(StepBlock.Edited)
    def _edited(self, event: StepBlock.Edited) -> None:
        event.stop()
        self.check()

    def show_value(self, value: Any) -> None:
        """A value from elsewhere (a profile loaded, values applied): rebuild
        the blocks when it is not what they already make."""
        steps = _steps_of(value)
        if steps != self._posted:
            self._posted = steps
            self.call_later(self._rebuild, steps)

    async def _rebuild(self, steps: list[Any]) -> None:
        await self.query(StepBlock).remove()
        actions = self.query_one(".pipeline-actions", Horizontal)
        await self.query_one(".pipeline-steps", Vertical).mount_all(
            [StepBlock(step, self.catalog) for step in steps], before=actions)

    # -- structure --------------------------------------------------------------------
    @on(Button.Pressed, ".step-add")
    async def _add(self, event: Button.Pressed) -> None:
        event.stop()
        await self.add_step()

    async def add_step(self, step: dict[str, Any] | None = None) -> StepBlock:
        block = StepBlock(step or self._new_step(), self.catalog)
        await self.query_one(".pipeline-steps", Vertical).mount(
            block, before=self.query_one(".pipeline-actions", Horizontal))
        self.check()
        return block

    def _new_step(self) -> dict[str, Any]:
        names = {block.step_name for block in self.blocks}
        name = next(f"step{n}" for n in range(1, len(names) + 2) if f"step{n}" not in names)
        previous = self.blocks[-1].step_name if self.blocks else ""
        prompt = f"Improve this answer to {{prompt}}:\n{{{previous}}}" if previous else "{prompt}"
        return {"name": name, "model": self.catalog.flagship, "prompt": prompt}

    @on(Select.Changed, ".step-example")
    async def _start_from(self, event: Select.Changed) -> None:
        event.stop()
        if event.value is Select.BLANK:
            return
        await self._rebuild([dict(step) for step in EXAMPLES[str(event.value)]])
        self.check()

    @on(StepBlock.Requested)
    async def _requested(self, event: StepBlock.Requested) -> None:
        event.stop()
        blocks = self.blocks
        index = blocks.index(event.block)
        if not event.offset:
            await event.block.remove()
            self.check()
            return
        target = index + event.offset
        if not 0 <= target < len(blocks):
            return
        container = self.query_one(".pipeline-steps", Vertical)
        if event.offset < 0:
            container.move_child(event.block, before=blocks[target])
        else:
            container.move_child(event.block, after=blocks[target])
        self.check()


def _steps_of(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    try:
        return load_steps(str(value or ""))
    except UserError:  # a broken value shows as no steps; the owner says what is wrong with it
        return []
