"""Tune a strategy's parameters with a live preview (Ctrl+T).

Left: a strategy selector (the app's columns first, then every other
strategy) and one editor per declared parameter. Right: what each column's
strategy would pick for the current prompt, and over the prompt set the
share of calls per model and the estimated cost per 1,000 requests, next to
the values in effect before the edit. No model is called: the preview reruns
`decide` on prompts measured once.

Edits stay pending (kept across openings) until applied (Ctrl+R); applying
rebuilds the app's strategy instances, so the next send uses them.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Select, Static

from playground.core.errors import UserError
from playground.eval.preview import Pick, PreviewInputs, PreviewPrompt, PreviewResult, pick, preview
from playground.strategies.registry import STRATEGIES, strategy_class
from playground.tui.widgets.eval_quality import quality_summary
from playground.tui.widgets.param_editor import ParamEditor, make_editor
from playground.tui.widgets.preview_pane import PreviewPane

if TYPE_CHECKING:
    from playground.tui.app import PlaygroundApp

HELP = ("Changes preview live; no model is called · numbers: ←/→ step, Shift+←/→ ×10, or type · "
        "lists: + add, ✕ remove, Ctrl+↑/↓ move · Ctrl+R applies")


def _key(values: dict[str, Any]) -> str:
    return json.dumps(values, sort_keys=True, default=str)


class TuningScreen(ModalScreen[None]):
    CSS_PATH = "tuning.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,ctrl+t", "close", "Close", id="tuning_close"),
        Binding("ctrl+r", "apply", "Apply", id="tuning_apply"),
        Binding("ctrl+n", "save_profile", "Save profile", id="tuning_save_profile"),
        Binding("ctrl+o", "load_profile", "Load profile", id="tuning_load_profile"),
        Binding("ctrl+y", "duplicate_profile", "Duplicate", id="tuning_duplicate_profile"),
        Binding("ctrl+f", "diff_profiles", "Diff", id="tuning_diff_profiles"),
        Binding("ctrl+e", "export_policy", "Export", id="tuning_export_policy"),
    ]

    def __init__(self, prompt_text: str, strategy: str | None = None) -> None:
        super().__init__()
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

    @property
    def playground(self) -> PlaygroundApp:
        return self.app  # type: ignore[return-value]

    # -- layout ---------------------------------------------------------------
    def _strategy_options(self) -> list[tuple[str, str]]:
        columns = self.playground.column_names()
        options = [(f"{name}  (column)", name) for name in columns]
        options += [(name, name) for name in STRATEGIES if name not in columns]
        return options

    def _default_strategy(self) -> str:
        if self._requested in STRATEGIES:
            return self._requested
        columns = self.playground.column_names()
        return "complexity" if "complexity" in columns or not columns else columns[0]

    def compose(self) -> ComposeResult:
        self.selected = self._default_strategy()
        with Vertical(id="tuning"):
            yield Static(f"Tuning · {HELP}", id="tuning-title", markup=False)
            with Horizontal(id="tuning-body"):
                with Vertical(id="tuning-left"):
                    yield Select(self._strategy_options(), value=self.selected, allow_blank=False, id="tune-strategy",
                                 compact=True)
                    yield Static(strategy_class(self.selected).summary, id="tune-summary", markup=False)
                    with VerticalScroll(id="tune-params"):
                        yield from self._editors()
                yield PreviewPane(id="tune-preview")
        yield Footer()

    def _editors(self) -> list[ParamEditor]:
        values = self.playground.tuning.values(self.selected)
        catalog = self.playground.tuning.catalog
        return [make_editor(p, values[p.name], catalog) for p in strategy_class(self.selected).params]

    def on_mount(self) -> None:
        editors = list(self.query(ParamEditor))
        if editors:
            editors[0].focus_target.focus()
        self._measure()

    def editor(self, param: str) -> ParamEditor:
        return self.query_one(f"#param-{param}", ParamEditor)

    # -- measuring (once) -------------------------------------------------------
    @work(exclusive=True, group="tuning-measure", exit_on_error=False)
    async def _measure(self) -> None:
        app = self.playground
        text = self.prompt_text
        self.inputs, self.current_item = await asyncio.to_thread(app.measure_for_preview, text)
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
        tuning = self.playground.tuning
        try:
            tuning.set(self.selected, editor.param.name, event.raw)
        except UserError as exc:
            editor.refuse(str(exc))
            return
        editor.accept(tuning.values(self.selected)[editor.param.name])
        self.refresh_preview()

    # -- the preview --------------------------------------------------------------
    def _result(self, name: str, pending: bool) -> PreviewResult | None:
        tuning = self.playground.tuning
        key = (name, _key(tuning.overrides(name, pending=pending)))
        if key not in self._previews and self.inputs is not None:
            self._previews[key] = preview(tuning.strategy(name, pending=pending), self.playground.preview_context(),
                                          self.inputs)
        return self._previews.get(key)

    def _pick(self, name: str, pending: bool) -> Pick | None:
        if self.current_item is None:
            return None
        tuning = self.playground.tuning
        key = (name, _key(tuning.overrides(name, pending=pending)))
        if key not in self._picks:
            self._picks[key] = pick(tuning.strategy(name, pending=pending), self.playground.preview_context(),
                                    self.current_item)
        return self._picks[key]

    def refresh_preview(self) -> None:
        if self.inputs is None:
            return
        pane = self.query_one(PreviewPane)
        names = self.playground.column_names()
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
        changed = " · edited, not applied" if self.playground.tuning.is_changed(self.selected) else ""
        pane.show_set(f"Prompt set: {self.inputs.label} · {self.selected}{changed}", self.before, self.after)
        bench, tuning = self.playground.workbench, self.playground.tuning
        if bench is not None:  # a replay dataset is loaded: quality next to cost
            pane.show_quality(quality_summary(bench, self.selected, tuning.values(self.selected),
                                              tuning.values(self.selected, pending=False)))

    # -- actions ------------------------------------------------------------------
    def action_close(self) -> None:
        pending = list(self.playground.tuning.changed())
        self.dismiss(None)
        if pending:
            self.app.notify(f"Unapplied changes to {', '.join(pending)} are kept: Ctrl+T to come back, Ctrl+R there "
                            "applies them.", title="Tuning")

    def action_apply(self) -> None:
        changed = self.playground.apply_tuning()
        self._previews.clear()
        self._picks.clear()
        self.refresh_preview()
        if not changed:
            self.notify("Nothing to apply: no parameter differs from the values in effect.", title="Tuning")

    def action_save_profile(self) -> None:
        self.playground.action_save_profile()  # applies the pending edits first
        self.refresh_preview()

    async def action_load_profile(self) -> None:
        self.playground.action_load_profile(after=self._reload)

    def action_duplicate_profile(self) -> None:
        self.playground.action_duplicate_profile()

    def action_diff_profiles(self) -> None:
        self.playground.action_diff_profiles()

    def action_export_policy(self) -> None:
        self.playground.action_export_policy(self.selected)  # applies the pending edits first
        self.refresh_preview()

    async def _reload(self) -> None:
        """A profile was loaded: the values in effect changed."""
        self._previews.clear()
        self._picks.clear()
        with self.query_one("#tune-strategy", Select).prevent(Select.Changed):
            self.query_one("#tune-strategy", Select).set_options(self._strategy_options())
        await self.select_strategy(self.selected)
