"""The app's flows through dialogs and secondary screens: saving, loading,
duplicating and comparing profiles, exporting the policy, and the evaluation
screen.

None of them is needed for the first frame, so the app imports this module
(and with it the dialogs and the evaluation machinery) when one is first
used: `PlaygroundApp.dialogs`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from playground.config import profiles
from playground.core.errors import UserError
from playground.eval.workbench import Workbench
from playground.tui.bindings import key_label
from playground.tui.messages import ColumnsWanted, StrategiesChanged
from playground.tui.screens.evaluation import EvaluationScreen
from playground.tui.screens.export import ExportDialog
from playground.tui.screens.profiles import (
    DiffProfilesDialog,
    DuplicateProfileDialog,
    PickProfileDialog,
    SaveProfileDialog,
)

if TYPE_CHECKING:
    from playground.tui.app import PlaygroundApp


class AppDialogs:
    """Profile, export and evaluation actions of one app."""

    def __init__(self, app: PlaygroundApp) -> None:
        self.app = app

    # -- evaluation -------------------------------------------------------------------
    def show_evaluation(self) -> None:
        """The evaluation screen; a row picked there opens tuning with its setting pending."""
        app = self.app
        if not isinstance(app.screen, EvaluationScreen):
            app.push_screen(EvaluationScreen(app.policy.catalog, bench=app.policy.workbench,
                                             on_loaded=self._keep_workbench, on_pick=app.tune_setting))

    def _keep_workbench(self, bench: Workbench) -> None:
        self.app.policy.workbench = bench

    # -- profiles ---------------------------------------------------------------------
    def save_profile(self) -> None:
        """Save the current tuning; pending edits are applied first."""
        self.app.apply_tuning()
        self.app.push_screen(SaveProfileDialog(profiles.list_profiles()), self._save_profile)

    def _save_profile(self, name: str | None) -> None:
        if not name:
            return
        app = self.app
        try:
            path = app.policy.save_profile(name)
        except UserError as exc:
            app.notify(str(exc), title="Cannot save the profile", severity="error", timeout=10)
            return
        app.notify(f"Saved profile {name!r} to {path}", title="Profile saved")

    def _profiles_or_notice(self) -> list[str] | None:
        names = profiles.list_profiles()
        if not names:
            app = self.app
            app.notify(f"No saved profile yet: save one with {key_label(app, 'tuning_save_profile')} on the tuning "
                       f"screen ({key_label(app, 'show_tuning')}) or from the palette.",
                       title="Profiles", severity="warning")
            return None
        return names

    def pick_profile_to_load(self) -> None:
        names = self._profiles_or_notice()
        if names is None:
            return

        async def chosen(name: str | None) -> None:
            if name:
                await self.load_profile(name)

        self.app.push_screen(PickProfileDialog(names), chosen)

    async def load_profile(self, name: str) -> bool:
        """Apply a profile's strategy values and columns; returns whether it loaded."""
        app = self.app
        try:
            loaded = app.policy.load_profile(name)
        except UserError as exc:
            app.notify(str(exc), title=f"Cannot load profile {name!r}", severity="error", timeout=15)
            return False
        app.settings = app.policy.settings
        if loaded.left_out:
            app.notify(f"The profile's {', '.join(loaded.left_out)} settings differ from this session's and were not "
                       f"applied; start with `playground --config {loaded.path}` to use them.",
                       title=f"Profile {name!r}: strategies and columns applied", severity="warning", timeout=20,
                       markup=False)
        app.broadcast(lambda: StrategiesChanged(list(app.policy.strategies)))
        app.broadcast(lambda: ColumnsWanted(loaded.columns))
        app.notify(f"Columns: {', '.join(loaded.columns)}. Re-send ({key_label(app, 'send')}) to see the answers.",
                   title=f"Loaded profile {name!r}")
        return True

    def duplicate_profile(self) -> None:
        names = self._profiles_or_notice()
        if names is None:
            return
        app = self.app

        def chosen(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            source, target = result
            try:
                path = profiles.duplicate_profile(source, target)
            except UserError as exc:
                app.notify(str(exc), title="Cannot duplicate", severity="error", timeout=10)
                return
            app.notify(f"Copied {source!r} to {target!r} ({path})", title="Profile duplicated")

        app.push_screen(DuplicateProfileDialog(names), chosen)

    def diff_profiles(self, left: str | None = None, right: str | None = None) -> None:
        names = self._profiles_or_notice()
        if names is None:
            return
        app = self.app
        app.push_screen(DiffProfilesDialog(names, app.policy.current_policy(), left, right,
                                           app.settings.extra_models))

    # -- export -----------------------------------------------------------------------
    def pick_export(self, strategy: str | None = None) -> None:
        """Export the tuned policy for one strategy (default: the one being
        tuned); pending tuning edits are applied first."""
        app = self.app
        app.apply_tuning()
        default = strategy or app.policy.focus_strategy or app.settings.router_strategy

        def chosen(choice: tuple[str, str] | None) -> None:
            if choice is not None:
                self.export_policy(*choice)

        app.push_screen(ExportDialog([*app.policy.columns, *app.policy.order], default), chosen)

    def export_policy(self, strategy: str, fmt: str) -> Path | None:
        """Write the export, copy it to the clipboard and say what the format
        could not express; returns the file written (None on error)."""
        app = self.app
        try:
            path, result = app.policy.export(strategy, fmt)
        except UserError as exc:
            app.notify(str(exc), title="Cannot export", severity="error", timeout=15)
            return None
        app.copy_to_clipboard(result.text)
        lines = [f"{path}", "Copied to the clipboard."]
        if result.unexpressed:
            lines.append(f"Not expressible in {fmt} ({len(result.unexpressed)}):")
            lines += [f"• {line}" for line in result.unexpressed]
        app.notify("\n".join(lines), title=f"Exported {strategy} as {fmt}",
                   severity="warning" if result.unexpressed else "information",
                   timeout=30 if result.unexpressed else 10, markup=False)
        return path

