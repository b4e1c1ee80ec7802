"""Toggle the simulator's faults per model while prompts run. Edits one
model (or every model) at a time and applies the same fault syntax as
`playground sim --faults`, shown in full at the bottom.

The simulator is injected (`attach`) and used through its fault controls
only: the TUI does not import the simulator (a layer contract)."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Input, Label, Select, Static, Switch

from playground.core.errors import UserError
from playground.tui.css import css_beside
from playground.tui.widgets.key_hint import KeyHint

ALL_MODELS = "*"
# The faults the form offers, in order (the simulator validates every value).
LABELS = {
    "rate_limit": "429 rate limit",
    "server_error": "500/503",
    "overloaded": "529 overloaded",
    "cut": "mid-stream cut",
    "stall": "stall",
}


PROBABILITY_KINDS = tuple(LABELS)


@runtime_checkable
class FaultControl(Protocol):
    """What the panel needs from the simulator (`SimServer`)."""

    @property
    def faults(self) -> Any: ...  # the active `FaultSpec`
    def set_faults(self, faults: Any) -> None: ...


class ChaosPanel(Vertical):
    """Needs a running `SimServer` (`attach`); with real providers it says so."""

    DEFAULT_CSS = css_beside(__file__, "chaos_panel.tcss")

    opened: reactive[bool] = reactive(False, toggle_class="-open")

    class Applied(Message):
        def __init__(self, spec: str) -> None:
            super().__init__()
            self.spec = spec

    def __init__(self, models: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._models = models
        self.sim: FaultControl | None = None
        self._attached = False

    def compose(self) -> ComposeResult:
        yield Static("Chaos (simulator faults)", classes="panel-title", markup=False)
        yield Static("", id="chaos-unavailable", markup=False)
        yield KeyHint("Probabilities 0..1 · {toggle_chaos} closes", classes="panel-help")

    def _form(self) -> VerticalScroll:
        """The form, built when the panel first opens: 36 widgets (a third of the main screen's)
        that most sessions never show, and each one costs start-up its styles and layout."""

        def row(label: str, field: Input | Switch) -> Horizontal:
            return Horizontal(Label(label, classes="chaos-label"), field, classes="chaos-row")

        return VerticalScroll(
            Select([("every model", ALL_MODELS)] + [(m, m) for m in self._models], value=ALL_MODELS,
                   allow_blank=False, id="chaos-model"),
            *(row(LABELS[kind], Input("0", id=f"chaos-{kind}", classes="chaos-input", type="number"))
              for kind in PROBABILITY_KINDS),
            row("latency ms", Input("0", id="chaos-latency_ms", classes="chaos-input", type="number")),
            row("down", Switch(False, id="chaos-down")),
            Horizontal(Button("Apply", id="chaos-apply", variant="primary"), Button("Clear all", id="chaos-clear"),
                       classes="chaos-buttons"),
            Static("", id="chaos-spec", markup=False),
            id="chaos-form",
        )

    async def open(self) -> None:
        """Open the panel, building its form the first time."""
        if not self.query("#chaos-form"):
            await self.mount(self._form(), before=self.query_one(KeyHint))
            self._show_form()
        self.opened = True

    def attach(self, sim: FaultControl | None) -> None:
        self.sim = sim
        self._attached = True
        self._show_form()

    def on_mount(self) -> None:
        self.call_after_refresh(self._show_form)

    def _show_form(self) -> None:
        """The form for the attached simulator (once the panel and its form exist)."""
        if not self._attached:
            return
        available = self.sim is not None
        try:
            self.query_one("#chaos-unavailable", Static).update(
                "" if available else "Fault injection needs the simulator: start with --sim.")
            form = self.query_one("#chaos-form")
        except NoMatches:
            return  # not composed or not opened yet: `on_mount` or `open` shows it
        form.display = available
        if available:
            self._load(self.query_one("#chaos-model", Select).value)
            self._show_spec()

    @property
    def spec(self) -> Any:
        """The simulator's active fault spec (`FaultSpec`)."""
        if self.sim is None:
            raise UserError("fault injection needs the simulator")
        return self.sim.faults

    def _settings_for(self, model: object) -> Any:
        spec = self.spec
        return spec.everywhere if model == ALL_MODELS else spec.for_model(str(model))

    def _load(self, model: object) -> None:
        settings = self._settings_for(model)
        for kind in (*PROBABILITY_KINDS, "latency_ms"):
            self.query_one(f"#chaos-{kind}", Input).value = f"{getattr(settings, kind):g}"
        self.query_one("#chaos-down", Switch).value = settings.down

    def _show_spec(self) -> None:
        if self.query("#chaos-spec"):  # else the form is built later, showing the spec then
            text = self.spec.format() or "(no faults)"
            self.query_one("#chaos-spec", Static).update(f"active: {text}")

    @on(Select.Changed, "#chaos-model")
    def _model_changed(self, event: Select.Changed) -> None:
        if self.sim is not None:
            self._load(event.value)

    def set_fault(self, model: str | None, kind: str, value: float | bool) -> None:
        """Change one item and apply it (the form's Apply and tests use this)."""
        if self.sim is None:
            raise UserError("fault injection needs the simulator")
        self.sim.set_faults(self.spec.with_item(model, kind, value))
        self._show_spec()
        self.post_message(self.Applied(self.spec.format()))

    @on(Button.Pressed, "#chaos-apply")
    def _apply(self) -> None:
        model = self.query_one("#chaos-model", Select).value
        target = None if model == ALL_MODELS else str(model)
        try:
            spec = self.spec
            for kind in (*PROBABILITY_KINDS, "latency_ms"):
                raw = self.query_one(f"#chaos-{kind}", Input).value.strip() or "0"
                spec = spec.with_item(target, kind, float(raw))
            spec = spec.with_item(target, "down", self.query_one("#chaos-down", Switch).value)
            if self.sim is None:
                raise UserError("fault injection needs the simulator")
            self.sim.set_faults(spec)
        except (UserError, ValueError) as exc:
            self.app.notify(str(exc), title="Fault not applied", severity="error")
            return
        self._show_spec()
        self.post_message(self.Applied(self.spec.format()))
        self.app.notify(f"faults: {self.spec.format() or 'none'}", title="Chaos")

    @on(Button.Pressed, "#chaos-clear")
    def _clear(self) -> None:
        if self.sim is None:
            return
        self.sim.set_faults("")
        self._load(self.query_one("#chaos-model", Select).value)
        self._show_spec()
        self.post_message(self.Applied(""))
