"""One editor per declared strategy parameter, generated from its `Param`.

- int / float: a stepper bar (←/→, Shift for ten steps) and an Input to type;
- bool: a Switch;
- choice / model / optional_model: a Select (models from the catalog);
- models / weights / labels / capabilities / rules: a `ListEditor`, one row
  per item (remove, add, and move for the ordered ones), posting the value as
  a list or dict;
- str: an Input.

An editor never decides whether a value is valid: it posts
`ParamEditor.Changed` with the raw value; the owner validates (the strategy
itself does) and answers with `accept` or `refuse(reason)`. A refused value
shows its reason under the field and the last valid value stays in effect.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Select, Static, Switch

from playground.core.catalog import Catalog
from playground.eval.tuning import format_value
from playground.strategies.base import Param
from playground.strategies.pipeline import STEPS_PARAM
from playground.tui.widgets.list_editor import LIST_TYPES, ListEditor
from playground.tui.widgets.stepper import Stepper

_ORDERED_HINT = "in order; ↑/↓ or Ctrl+↑/↓ move a row, ✕ removes"
_LIST_HINTS = {
    "models": _ORDERED_HINT,
    "weights": "✕ removes a row",
    "labels": "✕ removes a row",
    "capabilities": "✕ removes a row",
    "rules": _ORDERED_HINT,
}


class ParamEditor(Vertical):
    """Label, control, help line and the inline error of one parameter."""

    class Changed(Message):
        def __init__(self, editor: ParamEditor, raw: Any) -> None:
            super().__init__()
            self.editor = editor
            self.raw = raw

        @property
        def control(self) -> ParamEditor:
            return self.editor

    def __init__(self, param: Param, value: Any, catalog: Catalog) -> None:
        super().__init__(id=f"param-{param.name}", classes="param-editor")
        self.param = param
        self.value = value
        self.catalog = catalog
        self.error = ""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="param-row"):
            yield Static(self.param.name, classes="param-name", markup=False)
            yield from self.controls()
        yield Static(self._help_text(), classes="param-help", markup=False)
        yield Static("", classes="param-error", markup=False)

    def _help_text(self) -> str:
        p = self.param
        bounds = f" [{p.min:g}..{p.max:g}]" if p.min is not None and p.max is not None else ""
        hint = _LIST_HINTS.get(p.type)
        return p.help + bounds + (f" ({hint})" if hint else "")

    def controls(self) -> ComposeResult:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.query_one(".param-error", Static).display = False

    def request(self, raw: Any) -> None:
        self.post_message(self.Changed(self, raw))

    def accept(self, value: Any) -> None:
        """The owner took `value`: show it and clear any error."""
        self.value = value
        self._show_error("")
        self.show_value(value)

    def refuse(self, reason: str) -> None:
        self._show_error(reason)

    def show_value(self, value: Any) -> None:
        """Reflect a value in the controls that did not produce it."""

    def _show_error(self, reason: str) -> None:
        self.error = reason
        widget = self.query_one(".param-error", Static)
        widget.update(f"✗ {reason}" if reason else "")
        widget.display = bool(reason)
        self.set_class(bool(reason), "-invalid")

    @property
    def focus_target(self) -> Widget:
        return self.query(".param-control").first()


def _number_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class NumberEditor(ParamEditor):
    def __init__(self, param: Param, value: Any, catalog: Catalog) -> None:
        super().__init__(param, value, catalog)
        # Whether the change being validated came from the stepper (then the
        # Input is rewritten) or from typing (then the typed text stays).
        self._from_stepper = True

    def controls(self) -> ComposeResult:
        p = self.param
        yield Stepper(float(self.value), minimum=p.min, maximum=p.max, integer=p.type == "int",
                      id=f"step-{p.name}", classes="param-control")
        yield Input(_number_text(self.value), id=f"input-{p.name}", classes="param-number", select_on_focus=True,
                    compact=True)

    @property
    def stepper(self) -> Stepper:
        return self.query_one(Stepper)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @on(Stepper.Requested)
    def _stepped(self, event: Stepper.Requested) -> None:
        event.stop()
        self._from_stepper = True
        self.request(event.value)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        text = event.value.strip()
        if text == _number_text(self.value):
            # The field showing the value in effect (at mount, too) is not an edit: requesting its
            # text would round a value with more digits than `:g` shows (0.1273801… to 0.12738).
            if self.error:
                self.accept(self.value)  # typed back to it: the refusal no longer applies
            return
        self._from_stepper = False
        if text:
            self.request(text)

    def refuse(self, reason: str) -> None:
        super().refuse(reason)
        self.stepper.show(float(self.value))  # back to the value in effect

    def show_value(self, value: Any) -> None:
        self.stepper.show(float(value))
        if self._from_stepper:
            with self.input.prevent(Input.Changed):
                self.input.value = _number_text(value)

    @on(Input.Blurred)
    def _left(self) -> None:
        # Leaving a refused value: show the value in effect again.
        if self.error:
            self._show_error("")
            with self.input.prevent(Input.Changed):
                self.input.value = _number_text(self.value)


class BoolEditor(ParamEditor):
    def controls(self) -> ComposeResult:
        yield Switch(bool(self.value), id=f"switch-{self.param.name}", classes="param-control")

    @on(Switch.Changed)
    def _switched(self, event: Switch.Changed) -> None:
        event.stop()
        self.request(event.value)

    def refuse(self, reason: str) -> None:
        super().refuse(reason)
        switch = self.query_one(Switch)
        with switch.prevent(Switch.Changed):
            switch.value = bool(self.value)


class SelectEditor(ParamEditor):
    def _options(self) -> list[tuple[str, str]]:
        p = self.param
        if p.type == "choice":
            return [(c, c) for c in p.choices]
        models = sorted(self.catalog.models)
        options = [(m, m) for m in models]
        if p.default == "@flagship" or self.value == "@flagship":
            options.insert(0, (f"@flagship ({self.catalog.flagship})", "@flagship"))
        return options

    def controls(self) -> ComposeResult:
        optional = self.param.type == "optional_model"
        value = self.value if self.value else Select.BLANK
        yield Select(self._options(), value=value, allow_blank=optional, prompt="(none)" if optional else "Select",
                     id=f"select-{self.param.name}", classes="param-control", compact=True)

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        event.stop()
        value = "" if event.value is Select.BLANK else event.value
        if value != self.value:
            self.request(value)


class TextEditor(ParamEditor):
    def controls(self) -> ComposeResult:
        text = format_value(self.value, limit=10_000)
        if self.param.type == "str":
            text = text.replace("\n", "\\n")
        yield Input(text, id=f"input-{self.param.name}", classes="param-control param-text", compact=True)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        raw = event.value
        if self.param.type == "str":
            raw = raw.replace("\\n", "\n")
        self.request(raw)


class ListParamEditor(ParamEditor):
    """The name on its own line, then one row per item across the width."""

    def compose(self) -> ComposeResult:
        yield Static(self.param.name, classes="param-name", markup=False)
        yield from self.controls()
        yield Static(self._help_text(), classes="param-help", markup=False)
        yield Static("", classes="param-error", markup=False)

    def controls(self) -> ComposeResult:
        yield ListEditor(self.param.type, self.value, self.catalog, id=f"list-{self.param.name}",
                         classes="param-control param-list")

    @property
    def list_editor(self) -> ListEditor:
        return self.query_one(ListEditor)

    @on(ListEditor.Changed)
    def _edited(self, event: ListEditor.Changed) -> None:
        event.stop()
        if event.problem:
            # Not a value at all (a dict holds each key once): nothing to ask.
            self.refuse(f"{self.param.name}: {event.problem}")
        elif event.value != self.value or self.error:
            self.request(event.value)

    @property
    def focus_target(self) -> Widget:
        return self.list_editor.focus_target


def make_editor(param: Param, value: Any, catalog: Catalog) -> ParamEditor:
    if param.name == STEPS_PARAM and param.type == "str":
        from playground.tui.widgets.pipeline_editor import PipelineEditor  # it builds on ParamEditor

        return PipelineEditor(param, value, catalog)
    if param.type in ("int", "float"):
        return NumberEditor(param, value, catalog)
    if param.type == "bool":
        return BoolEditor(param, value, catalog)
    if param.type in ("choice", "model", "optional_model"):
        return SelectEditor(param, value, catalog)
    if param.type in LIST_TYPES:
        return ListParamEditor(param, value, catalog)
    return TextEditor(param, value, catalog)
