"""Small dialogs for named profiles: save (name validated as you type),
load, duplicate, and diff two profiles (or a profile and the current tuning).

The dialogs only collect names; the app does the file work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, OptionList, Select, Static

from playground.config import profiles
from playground.config.schema import PolicyFile
from playground.core.errors import UserError

CURRENT = "(current tuning)"
_CLOSE = Binding("escape", "dismiss_none", "Cancel", id="profile_dialog_close")


class ProfileDialog(ModalScreen[Any]):
    CSS_PATH = "profiles.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [_CLOSE]

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    def show_name_check(self, value: str, existing: Sequence[str], note_id: str, *, may_exist: bool,
                        submitted: bool = False) -> bool:
        """Show what is wrong with a typed name under the field; True if it can be used."""
        message, ok = name_problem(value, existing, may_exist=may_exist) if value or submitted else ("", False)
        note = self.query_one(f"#{note_id}", Static)
        note.update(message)
        note.set_class(not ok and (bool(value) or submitted), "-error")
        return ok


def name_problem(name: str, existing: Sequence[str], *, may_exist: bool) -> tuple[str, bool]:
    """(message, ok) for a profile name typed so far."""
    try:
        profiles.check_name(name)
    except UserError as exc:
        return str(exc), False
    if name in existing:
        return (f"profile {name!r} exists: Enter overwrites it", True) if may_exist else (
            f"profile {name!r} already exists; choose another name", False)
    return "", True


class SaveProfileDialog(ProfileDialog):
    """Returns the name to save under, or None."""

    def __init__(self, existing: Sequence[str]) -> None:
        super().__init__()
        self.existing = list(existing)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Save the current tuning as a profile", classes="dialog-title", markup=False)
            yield Input(placeholder="profile name, e.g. cheap-v2", id="profile-name")
            yield Static("", id="profile-name-note", classes="dialog-note", markup=False)
            yield Static("Enter saves · Esc cancels", classes="dialog-help", markup=False)

    @on(Input.Changed, "#profile-name")
    def _check(self, event: Input.Changed) -> None:
        self.show_name_check(event.value, self.existing, "profile-name-note", may_exist=True)

    @on(Input.Submitted, "#profile-name")
    def _submit(self, event: Input.Submitted) -> None:
        if self.show_name_check(event.value, self.existing, "profile-name-note", may_exist=True, submitted=True):
            self.dismiss(event.value)


class PickProfileDialog(ProfileDialog):
    """Returns the chosen profile name, or None."""

    def __init__(self, names: Sequence[str], title: str = "Load a profile") -> None:
        super().__init__()
        self.names = list(names)
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(*self.names, id="profile-list")
            yield Static("Enter loads · Esc cancels", classes="dialog-help", markup=False)

    @on(OptionList.OptionSelected, "#profile-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.names[event.option_index])


class DuplicateProfileDialog(ProfileDialog):
    """Returns (source, new name), or None."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__()
        self.names = list(names)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Duplicate a profile", classes="dialog-title", markup=False)
            yield Select([(n, n) for n in self.names], value=self.names[0], allow_blank=False, id="duplicate-source")
            yield Input(placeholder="new profile name", id="duplicate-name")
            yield Static("", id="duplicate-note", classes="dialog-note", markup=False)
            yield Static("Enter duplicates · Esc cancels", classes="dialog-help", markup=False)

    @on(Input.Changed, "#duplicate-name")
    def _check(self, event: Input.Changed) -> None:
        self.show_name_check(event.value, self.names, "duplicate-note", may_exist=False)

    @on(Input.Submitted, "#duplicate-name")
    def _submit(self, event: Input.Submitted) -> None:
        if self.show_name_check(event.value, self.names, "duplicate-note", may_exist=False, submitted=True):
            self.dismiss((str(self.query_one("#duplicate-source", Select).value), event.value))


class DiffProfilesDialog(ProfileDialog):
    """Every key that differs between two profiles (or a profile and the
    current tuning), as a key / left / right table."""

    def __init__(self, names: Sequence[str], current: PolicyFile, left: str | None = None, right: str | None = None,
                 extra_models: Mapping[str, dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.extra_models = extra_models
        self.names = list(names)
        self.current = current
        choices = [CURRENT, *self.names]
        self.left = left if left in choices else self.names[0]
        default_right = self.names[1] if len(self.names) > 1 else CURRENT
        self.right = right if right in choices else default_right
        self.rows: list[profiles.Difference] = []

    def compose(self) -> ComposeResult:
        options = [(n, n) for n in [CURRENT, *self.names]]
        with Vertical(classes="dialog -wide"):
            yield Static("Compare profiles", classes="dialog-title", markup=False)
            with Horizontal(classes="diff-pickers"):
                yield Select(options, value=self.left, allow_blank=False, id="diff-left")
                yield Select(options, value=self.right, allow_blank=False, id="diff-right")
            yield DataTable(id="diff-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="diff-note", classes="dialog-note", markup=False)
            yield Static("Esc closes", classes="dialog-help", markup=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("key", "left", "right")
        self._fill()

    def _policy(self, name: str) -> PolicyFile:
        return self.current if name == CURRENT else profiles.load_profile(name, extra_models=self.extra_models).policy

    @on(Select.Changed)
    def _picked(self, event: Select.Changed) -> None:
        if event.select.id == "diff-left":
            self.left = str(event.value)
        elif event.select.id == "diff-right":
            self.right = str(event.value)
        self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        note = self.query_one("#diff-note", Static)
        try:
            self.rows = profiles.diff_policies(self._policy(self.left), self._policy(self.right))
        except UserError as exc:
            self.rows = []
            note.update(str(exc))
            return
        for row in self.rows:
            table.add_row(row.key, _show(row.left), _show(row.right))
        note.update(f"{len(self.rows)} difference{'s' if len(self.rows) != 1 else ''}: {self.left} ↔ {self.right}"
                    if self.rows else f"{self.left} and {self.right} are the same")


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"
