"""Tune a strategy's parameters with a live preview (Ctrl+T).

Left: a strategy selector (the app's columns first, then every other
strategy) and one editor per declared parameter. Right: what each column's
strategy would pick for the current prompt, and over the prompt set the
share of calls per model and the estimated cost per 1,000 requests, next to
the values in effect before the edit. No model is called: the preview reruns
`decide` on prompts measured once.

Edits stay pending (kept across openings) until applied; applying rebuilds
the app's strategy instances, so the next send uses them. The screen edits
the app's `PolicyState` (data); applying, profiles and exports are the
app's actions (its bindings name them), and the app tells the screen what
changed with messages.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Select, Static

from playground.core.errors import UserError
from playground.core.tokens import TokenCounter
from playground.eval.preview import Pick, PreviewInputs, PreviewPrompt, PreviewResult, pick, preview
from playground.strategies.base import RoutingContext
from playground.strategies.registry import STRATEGIES, strategy_class
from playground.tui.bindings import TUNING_BINDINGS, key_label
from playground.tui.messages import ColumnsWanted, StrategiesChanged
from playground.tui.policy import PolicyState
from playground.tui.widgets.eval_quality import quality_summary
from playground.tui.widgets.key_footer import KeyFooter
from playground.tui.widgets.key_hint import KeyHint
from playground.tui.widgets.param_editor import ParamEditor, make_editor
from playground.tui.widgets.preview_pane import PreviewPane

HELP = ("Tuning · Changes preview live; no model is called · numbers: ←/→ step, Shift+←/→ ×10, or type · "
        "lists: + add, ✕ remove, Ctrl+↑/↓ move · {tuning_apply} applies")
_WIDGETS = Path(__file__).parents[1] / "widgets"


def _key(values: dict[str, Any]) -> str:
    return json.dumps(values, sort_keys=True, default=str)


class TuningScreen(ModalScreen[None]):
    # The editors' styles (their own files) load with the screen that shows them.
    CSS_PATH: ClassVar = ["tuning.tcss", _WIDGETS / "param_editor.tcss", _WIDGETS / "list_editor.tcss",
                          _WIDGETS / "preview_pane.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = list(TUNING_BINDINGS)

    def __init__(self, policy: PolicyState, prompt_text: str, strategy: str | None = None, *,
                 context: RoutingContext | None = None, counter: TokenCounter | None = None) -> None:
        """`policy`: the app's (edited in place); `context` and `counter`: the
        session's, when it is open (else the whole catalog, a fresh counter)."""
        super().__init__()
        self.policy = policy
        self.context = policy.preview_context(context)
        self.counter = counter
        self.prompt_text = prompt_text
        self._requested = strategy
        self.selected = strategy or "complexity"
        self.current_item: PreviewPrompt | None = None
        self.inputs: PreviewInputs | None = None
        # What the preview shows now (tests read these).
        self.before: PreviewResult | None = None
        self.after: PreviewResult | None = None
        self.picks: dict[str, tuple[Pick, Pick | None]] = {}
        self._previews: dict[tuple[str, str], PreviewResult] = {}
        self._picks: dict[tuple[str, str], Pick] = {}

    # -- layout ---------------------------------------------------------------
    def _strategy_options(self) -> list[tuple[str, str]]:
        columns = self.policy.columns
        options = [(f"{name}  (column)", name) for name in columns]
        options += [(name, name) for name in STRATEGIES if name not in columns]
        return options

    def _default_strategy(self) -> str:
        if self._requested in STRATEGIES:
            return self._requested
        columns = self.policy.columns
        return "complexity" if "complexity" in columns or not columns else columns[0]

    def compose(self) -> ComposeResult:
        self.selected = self._default_strategy()
        self.policy.focus_strategy = self.selected
        with Vertical(id="tuning"):
            yield KeyHint(HELP, id="tuning-title")
            with Horizontal(id="tuning-body"):
                with Vertical(id="tuning-left"):
                    yield Select(self._strategy_options(), value=self.selected, allow_blank=False, id="tune-strategy",
                                 compact=True)
                    yield Static(strategy_class(self.selected).summary, id="tune-summary", markup=False)
                    with VerticalScroll(id="tune-params"):
                        yield from self._editors()
                yield PreviewPane(id="tune-preview")
        yield KeyFooter()

    def _editors(self) -> list[ParamEditor]:
        values = self.policy.tuning.values(self.selected)
        catalog = self.policy.tuning.catalog
        return [make_editor(p, values[p.name], catalog) for p in strategy_class(self.selected).params]

    def on_mount(self) -> None:
        editors = list(self.query(ParamEditor))
        if editors:
            editors[0].focus_target.focus()
        self._measure()

    def on_unmount(self) -> None:
        self.policy.focus_strategy = None

    def editor(self, param: str) -> ParamEditor:
        return self.query_one(f"#param-{param}", ParamEditor)

    # -- measuring (once) -------------------------------------------------------
    @work(description="measure the prompt", exclusive=True, group="tuning-measure", exit_on_error=False)
    async def _measure(self) -> None:
        self.inputs, self.current_item = await asyncio.to_thread(self.policy.measure_for_preview, self.prompt_text,
                                                                 self.counter)
        self.refresh_preview()

    @property
    def ready(self) -> bool:
        return self.inputs is not None and self.after is not None

    # -- reacting ---------------------------------------------------------------
    @on(Select.Changed, "#tune-strategy")
    async def _strategy_changed(self, event: Select.Changed) -> None:
        if event.value is Select.BLANK or event.value == self.selected:
            return
        await self.select_strategy(str(event.value))

    async def select_strategy(self, name: str) -> None:
        self.selected = name
        self.policy.focus_strategy = name
        self.query_one("#tune-summary", Static).update(strategy_class(name).summary)
        params = self.query_one("#tune-params", VerticalScroll)
        await params.remove_children()
        await params.mount_all(self._editors())
        with self.query_one("#tune-strategy", Select).prevent(Select.Changed):
            self.query_one("#tune-strategy", Select).value = name
        self.refresh_preview()

    @on(ParamEditor.Changed)
    def _param_changed(self, event: ParamEditor.Changed) -> None:
        editor = event.editor
        tuning = self.policy.tuning
        try:
            tuning.set(self.selected, editor.param.name, event.raw)
        except UserError as exc:
            editor.refuse(str(exc))
            return
        editor.accept(tuning.values(self.selected)[editor.param.name])
        self.refresh_preview()

    # -- the preview --------------------------------------------------------------
    def _result(self, name: str, pending: bool) -> PreviewResult | None:
        tuning = self.policy.tuning
        key = (name, _key(tuning.overrides(name, pending=pending)))
        if key not in self._previews and self.inputs is not None:
            self._previews[key] = preview(tuning.strategy(name, pending=pending), self.context, self.inputs)
        return self._previews.get(key)

    def _pick(self, name: str, pending: bool) -> Pick | None:
        if self.current_item is None:
            return None
        tuning = self.policy.tuning
        key = (name, _key(tuning.overrides(name, pending=pending)))
        if key not in self._picks:
            self._picks[key] = pick(tuning.strategy(name, pending=pending), self.context, self.current_item)
        return self._picks[key]

    def refresh_preview(self) -> None:
        if self.inputs is None:
            return
        pane = self.query_one(PreviewPane)
        names = list(self.policy.columns)
        if self.selected not in names:
            names = [*names, self.selected]
        rows = []
        self.picks = {}
        for name in names:
            try:
                after, before = self._pick(name, True), self._pick(name, False)
            except UserError as exc:
                after, before = Pick(name, None, str(exc), error=str(exc)), None
            if after is not None:
                self.picks[name] = (after, before)
                rows.append((name, after, before, name == self.selected))
        if self.current_item is None:
            note = "type a prompt in the main screen to see what each column would pick for it"
        else:
            first = self.prompt_text.strip().splitlines()[0]
            shown = first if len(first) <= 50 else first[:49] + "…"
            note = f"“{shown}” · {self.current_item.route.input_tokens:,} tokens"
        pane.show_current(note, rows)
        try:
            self.before, self.after = self._result(self.selected, False), self._result(self.selected, True)
        except UserError as exc:
            pane.show_set_message(f"Prompt set: {self.inputs.label}", f"cannot preview: {exc}")
            return
        assert self.after is not None
        changed = " · edited, not applied" if self.policy.tuning.is_changed(self.selected) else ""
        pane.show_set(f"Prompt set: {self.inputs.label} · {self.selected}{changed}", self.before, self.after)
        bench, tuning = self.policy.workbench, self.policy.tuning
        if bench is not None:  # a replay dataset is loaded (evaluation screen): quality next to cost
            pane.show_quality(quality_summary(bench, self.selected, tuning.values(self.selected),
                                              tuning.values(self.selected, pending=False)))

    # -- actions ------------------------------------------------------------------
    def action_close(self) -> None:
        pending = list(self.policy.tuning.changed())
        self.dismiss(None)
        if pending:
            self.app.notify(f"Unapplied changes to {', '.join(pending)} are kept: {key_label(self.app, 'show_tuning')} "
                            f"to come back, {key_label(self.app, 'tuning_apply')} there applies them.", title="Tuning")

    def on_strategies_changed(self, _message: StrategiesChanged) -> None:
        """Values in effect changed (applied, saved or exported): they are the new baseline."""
        self._previews.clear()
        self._picks.clear()
        self.refresh_preview()

    async def on_columns_wanted(self, _message: ColumnsWanted) -> None:
        """A profile was loaded: the values in effect and the columns changed."""
        self._previews.clear()
        self._picks.clear()
        with self.query_one("#tune-strategy", Select).prevent(Select.Changed):
            self.query_one("#tune-strategy", Select).set_options(self._strategy_options())
        await self.select_strategy(self.selected)
