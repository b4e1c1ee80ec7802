"""The app's policy actions: tuning strategy parameters with a live preview,
named profiles (save, load, duplicate, diff) and exports. A mixin of
`PlaygroundApp`, kept apart so the app module stays about layout and runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.widgets import SelectionList

from playground.config import profiles
from playground.config.build import build_settings
from playground.config.export_files import write_export
from playground.config.exporters import ExportResult
from playground.config.schema import PolicyFile
from playground.core.errors import UserError
from playground.core.tokens import default_counter
from playground.eval.preview import PreviewInputs, PreviewPrompt, measure_prompt
from playground.eval.tuning import Tuning
from playground.eval.workbench import Workbench
from playground.strategies.base import RoutingContext, Strategy
from playground.strategies.registry import STRATEGIES, make_strategy
from playground.tui.screens.evaluation import EvaluationScreen
from playground.tui.screens.export import ExportDialog
from playground.tui.screens.profiles import (
    DiffProfilesDialog,
    DuplicateProfileDialog,
    PickProfileDialog,
    SaveProfileDialog,
)
from playground.tui.screens.tuning import TuningScreen

if TYPE_CHECKING:
    from textual.app import App
    from textual.widgets import TextArea

    from playground.config.build import Settings
    from playground.core.catalog import Catalog
    from playground.engine.runner import Engine
    from playground.eval.prompt_sets import PromptSet
    from playground.tui.widgets.column import StrategyColumn
    from playground.tui.widgets.strategy_picker import StrategyPicker

    _Base = App[int]
else:
    _Base = object


class PolicyActions(_Base):
    """Needs the app's settings, strategy values and instances, columns and
    prompt; see `PlaygroundApp`."""

    settings: Settings
    strategies: dict[str, Strategy]
    engine: Engine | None
    prompt_set: PromptSet
    _catalog: Catalog
    _values: dict[str, dict[str, Any]]
    _tuning: Tuning | None
    _preview_inputs: PreviewInputs | None
    workbench: Workbench | None
    _column_widgets: dict[str, StrategyColumn]
    _order: list[str]
    # Provided by the app (properties and methods); declared for type checkers.
    prompt_area: TextArea
    picker: StrategyPicker
    column_names: Callable[[], list[str]]
    _sync_columns: Callable[[Sequence[str]], Awaitable[None]]
    # The last file exported from the TUI and what its format could not express.
    last_export: tuple[Path, ExportResult] | None = None
    @property
    def tuning(self) -> Tuning:
        """Parameter edits on top of the values in effect (kept across openings
        of the tuning screen until applied)."""
        if self._tuning is None:
            self._tuning = Tuning(self._catalog, self._values)
        return self._tuning

    def preview_context(self) -> RoutingContext:
        """The models routes can use: the session's, or the whole catalog before it is open."""
        return self.engine.context if self.engine is not None else RoutingContext.for_all(self._catalog)

    def measure_for_preview(self, prompt_text: str) -> tuple[PreviewInputs, PreviewPrompt | None]:
        """The prompt set (measured once per app) and the current prompt.
        Blocking: call it from a thread."""
        counter = self.engine.counter if self.engine is not None else default_counter()
        if self._preview_inputs is None:
            self._preview_inputs = PreviewInputs.measure(self.prompt_set.prompts, counter, label=self.prompt_set.label)
        current = measure_prompt(prompt_text, counter) if prompt_text.strip() else None
        return self._preview_inputs, current

    def action_show_tuning(self, strategy: str | None = None) -> None:
        if isinstance(self.screen, TuningScreen):
            return
        self.push_screen(TuningScreen(self.prompt_area.text, strategy))

    def action_show_evaluation(self) -> None:
        """The evaluation screen; a row picked there opens tuning with its setting pending."""
        if not isinstance(self.screen, EvaluationScreen):
            self.push_screen(EvaluationScreen(self._catalog, bench=self.workbench, on_loaded=self._keep_workbench,
                                              on_pick=self.tune_setting))

    def _keep_workbench(self, bench: Workbench) -> None:
        self.workbench = bench

    def tune_setting(self, name: str, params: dict[str, Any]) -> None:
        """Open the tuning screen on `name` with `params` pending (not applied)."""
        try:
            for key, value in params.items():
                self.tuning.set(name, key, value)
        except UserError as exc:
            self.notify(str(exc), title=f"Cannot tune {name}", severity="error", timeout=10)
            return
        self.push_screen(TuningScreen(self.prompt_area.text, name))

    def action_apply_tuning(self) -> None:
        """Apply the tuning screen's pending edits (palette)."""
        if isinstance(self.screen, TuningScreen):
            self.screen.action_apply()
        elif self.apply_tuning() == {}:
            self.notify("Nothing to apply: open the tuning screen (Ctrl+T) and change a parameter.", title="Tuning")

    def apply_tuning(self) -> dict[str, dict[str, Any]]:
        """Make the pending edits the values in effect: the strategy instances
        (and so the next send) use them, and column headers show them."""
        changed = self.tuning.commit() if self._tuning is not None else {}
        for name, values in changed.items():
            self._values[name] = dict(values)
            self._replace_strategy(name, make_strategy(name, self._catalog, values))
        if changed:
            summary = "; ".join(f"{name}: {', '.join(f'{k}={v}' for k, v in values.items()) or 'defaults'}"
                                for name, values in changed.items())
            self.notify(f"{summary}. Re-send (F5) to see the answers.", title="Tuning applied")
        return changed

    def _replace_strategy(self, name: str, strategy: Strategy) -> None:
        self.strategies[name] = strategy
        column = self._column_widgets.get(name)
        if column is not None:
            column.set_strategy(strategy)

    def current_policy(self) -> PolicyFile:
        """The loaded policy with the tuned strategy values and the columns shown."""
        policy = self.settings.policy
        strategies = {name: dict(values) for name, values in self._values.items() if values}
        router = policy.router.model_copy(update={"columns": self.column_names() or list(policy.router.columns)})
        return policy.model_copy(update={"strategies": strategies, "router": router})

    def action_save_profile(self) -> None:
        """Save the current tuning; pending edits of the tuning screen are applied first."""
        self.apply_tuning()
        self.push_screen(SaveProfileDialog(profiles.list_profiles()), self._save_profile)

    def _save_profile(self, name: str | None) -> None:
        if not name:
            return
        try:
            path = profiles.save_profile(name, self.current_policy())
        except UserError as exc:
            self.notify(str(exc), title="Cannot save the profile", severity="error", timeout=10)
            return
        self.notify(f"Saved profile {name!r} to {path}", title="Profile saved")

    def _profiles_or_notice(self, needed: int = 1) -> list[str] | None:
        names = profiles.list_profiles()
        if len(names) < needed:
            self.notify("No saved profile yet: save one with Ctrl+N on the tuning screen (Ctrl+T) or from the palette.",
                        title="Profiles", severity="warning")
            return None
        return names

    def action_load_profile(self, after: Callable[[], Awaitable[None]] | None = None) -> None:
        names = self._profiles_or_notice()
        if names is None:
            return

        async def chosen(name: str | None) -> None:
            if name and await self.load_profile(name) and after is not None:
                await after()

        self.push_screen(PickProfileDialog(names), chosen)

    async def load_profile(self, name: str) -> bool:
        """Apply a profile's strategy values and columns; returns whether it loaded."""
        try:
            loaded = profiles.load_profile(name, extra_models=self.settings.extra_models)
            values = {n: dict(v) for n, v in loaded.strategy_values.items()}
            wanted = list(dict.fromkeys(loaded.columns))
            built = {n: make_strategy(n, self._catalog, values.get(n)) for n in dict.fromkeys([*self.strategies, *wanted])}
            # Only strategies and columns change while running: the session's
            # engine keeps its models, retries, breakers and cache.
            ours = self.settings.policy
            merged = ours.model_copy(update={"strategies": loaded.policy.strategies,
                                             "router": ours.router.model_copy(update={"columns": wanted})})
            settings = build_settings(merged, f"profile {name}", self.settings.extra_models)
        except UserError as exc:
            self.notify(str(exc), title=f"Cannot load profile {name!r}", severity="error", timeout=15)
            return False
        left_out = [d.key.split(".")[0] for d in profiles.diff_policies(merged, loaded.policy)]
        if left_out:
            path = profiles.profile_path(name)
            self.notify(f"The profile's {', '.join(dict.fromkeys(left_out))} settings differ from this session's and "
                        f"were not applied; start with `playground --config {path}` to use them.",
                        title=f"Profile {name!r}: strategies and columns applied", severity="warning", timeout=20,
                        markup=False)
        self.settings = settings
        self._values = values
        self._tuning = None
        for strategy_name, strategy in built.items():
            self._replace_strategy(strategy_name, strategy)
        self._order = wanted + [n for n in STRATEGIES if n not in wanted]
        selection = self.picker.selection_list
        with selection.prevent(SelectionList.SelectedChanged):
            selection.deselect_all()
            for column in wanted:
                selection.select(column)
        await self._sync_columns(wanted)
        self.notify(f"Columns: {', '.join(wanted)}. Re-send (F5) to see the answers.", title=f"Loaded profile {name!r}")
        return True

    def action_duplicate_profile(self) -> None:
        names = self._profiles_or_notice()
        if names is None:
            return

        def chosen(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            source, target = result
            try:
                path = profiles.duplicate_profile(source, target)
            except UserError as exc:
                self.notify(str(exc), title="Cannot duplicate", severity="error", timeout=10)
                return
            self.notify(f"Copied {source!r} to {target!r} ({path})", title="Profile duplicated")

        self.push_screen(DuplicateProfileDialog(names), chosen)

    def action_diff_profiles(self, left: str | None = None, right: str | None = None) -> None:
        names = self._profiles_or_notice()
        if names is None:
            return
        self.push_screen(DiffProfilesDialog(names, self.current_policy(), left, right, self.settings.extra_models))

    def action_export_policy(self, strategy: str | None = None) -> None:
        """Export the tuned policy for one strategy; pending tuning edits are applied first."""
        self.apply_tuning()
        names = [*self.column_names(), *STRATEGIES]
        if strategy is None and isinstance(self.screen, TuningScreen):
            strategy = self.screen.selected
        default = strategy or self.settings.router_strategy

        def chosen(choice: tuple[str, str] | None) -> None:
            if choice is not None:
                self.export_policy(*choice)

        self.push_screen(ExportDialog(names, default), chosen)

    def export_policy(self, strategy: str, fmt: str) -> Path | None:
        """Write the export, copy it to the clipboard and say what the format
        could not express; returns the file written."""
        try:
            settings = build_settings(self.current_policy(), "current tuning",
                                      self.settings.extra_models).with_router_strategy(strategy)
            path, result = write_export(settings, fmt)  # type: ignore[arg-type]
        except UserError as exc:
            self.notify(str(exc), title="Cannot export", severity="error", timeout=15)
            return None
        self.copy_to_clipboard(result.text)
        lines = [f"{path}", "Copied to the clipboard."]
        if result.unexpressed:
            lines.append(f"Not expressible in {fmt} ({len(result.unexpressed)}):")
            lines += [f"• {line}" for line in result.unexpressed]
        self.notify("\n".join(lines), title=f"Exported {strategy} as {fmt}",
                    severity="warning" if result.unexpressed else "information",
                    timeout=30 if result.unexpressed else 10, markup=False)
        self.last_export = (path, result)
        return path

