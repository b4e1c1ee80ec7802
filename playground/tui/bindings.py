"""Every key binding of the playground, declared once, each with an id.

The ids are what a keymap remaps (`App.set_keymap`); everything that names a
key to the user (hints, the palette, notifications, help) asks `key_label`
for the key currently bound to an id, so a remapped key shows remapped.
Adding a binding is one line in the list of the screen that handles it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from textual.app import App
from textual.binding import Binding

# The app: available on every screen.
APP_BINDINGS: list[Binding] = [
    Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    # Help, history, copy, plots (app_extras).
    Binding("f1", "help", "Help", id="help"),
    Binding("ctrl+r", "show_history", "History", id="show_history", show=False),
    Binding("ctrl+g", "copy_answer", "Copy answer", id="copy_answer", show=False),
    Binding("f10", "show_plots", "Plots", id="show_plots", show=False),
    # The evaluation screen (screens/evaluation.py).
    Binding("f11", "show_evaluation", "Evaluate", id="show_evaluation", show=False),
]

# The main screen. Ctrl+Enter reaches the app only in terminals that report
# it (kitty keyboard protocol); many send a plain Enter. Ctrl+S and F5 always
# work, and Ctrl+J is what some terminals send for Ctrl+Enter.
MAIN_BINDINGS: list[Binding] = [
    Binding("ctrl+s,ctrl+enter,ctrl+j,f5", "send", "Send", id="send", priority=True),
    Binding("escape", "stop", "Stop", id="stop"),
    Binding("f2", "toggle_strategies", "Strategies", id="toggle_strategies"),
    Binding("f3", "focus_prompt", "Prompt", id="focus_prompt"),
    Binding("f4", "show_trace", "Trace", id="show_trace"),
    # F6/F7 are taken by the prompt's TextArea; Ctrl+T reaches the app in
    # every terminal and in tmux.
    Binding("ctrl+t", "show_tuning", "Tune", id="show_tuning"),
    Binding("f8", "toggle_circuits", "Circuits", id="toggle_circuits"),
    Binding("f9", "toggle_chaos", "Chaos", id="toggle_chaos"),
    Binding("ctrl+l", "clear", "Clear", id="clear"),
    Binding("ctrl+backslash", "toggle_compact", "Compact", id="toggle_compact"),
    Binding("ctrl+f", "toggle_maximize", "Max", id="toggle_maximize"),
    # A file that goes with the prompt: an image, a tools file or a response
    # schema, told apart by its content (widgets/attachments.py). The palette
    # has a command per kind, and removes them. (The prompt's TextArea takes
    # alt+letter as the letter, so no alt keys here.)
    Binding("ctrl+o", "attach('file')", "Attach", id="attach_file", show=False),
    Binding("alt+left,ctrl+pageup", "page(-1)", "◀ Cols", id="page_left", show=False),
    Binding("alt+right,ctrl+pagedown", "page(1)", "Cols ▶", id="page_right", show=False),
]

# Shown in the footer when the screen is compact (small terminals): the rest
# stay bound and are listed in the palette.
COMPACT_FOOTER_IDS = frozenset({"send", "stop", "toggle_strategies", "toggle_compact", "toggle_maximize"})

TRACE_BINDINGS: list[Binding] = [
    Binding("escape,f4,q", "dismiss", "Close", id="close_trace"),
]

TUNING_BINDINGS: list[Binding] = [
    Binding("escape,ctrl+t", "close", "Close", id="tuning_close"),
    # The policy's actions are the app's; the app tells this screen what changed.
    Binding("ctrl+r", "app.apply_tuning", "Apply", id="tuning_apply"),
    Binding("ctrl+n", "app.save_profile", "Save profile", id="tuning_save_profile"),
    Binding("ctrl+o", "app.load_profile", "Load profile", id="tuning_load_profile"),
    Binding("ctrl+y", "app.duplicate_profile", "Duplicate", id="tuning_duplicate_profile"),
    Binding("ctrl+f", "app.diff_profiles", "Diff", id="tuning_diff_profiles"),
    Binding("ctrl+e", "app.export_policy", "Export", id="tuning_export_policy"),
]

EVALUATION_BINDINGS: list[Binding] = [
    Binding("escape", "close", "Close", id="evaluation_close"),
    Binding("ctrl+r", "run", "Run", id="evaluation_run"),
]

# The evaluation screen's results table.
EVAL_TABLE_BINDINGS: list[Binding] = [
    Binding("enter", "select_cursor", "Tune this row", id="eval_tune"),
    Binding("s", "sort_next", "Sort by next column", id="eval_sort"),
    Binding("r", "reverse", "Reverse sort", id="eval_sort_reverse"),
]

DIALOG_BINDINGS: list[Binding] = [
    Binding("escape", "dismiss_none", "Cancel", id="profile_dialog_close"),
]

ATTACH_DIALOG_BINDINGS: list[Binding] = [
    Binding("escape", "dismiss_none", "Cancel", id="attach_dialog_close"),
]

# The command palette's key is Textual's own (App.COMMAND_PALETTE_BINDING).
PALETTE_ID = "command_palette"


def all_bindings() -> Iterable[Binding]:
    for group in (APP_BINDINGS, MAIN_BINDINGS, TRACE_BINDINGS, TUNING_BINDINGS, EVALUATION_BINDINGS,
                  EVAL_TABLE_BINDINGS, DIALOG_BINDINGS, ATTACH_DIALOG_BINDINGS):
        yield from group


def binding_ids() -> set[str]:
    """Every id a keymap may remap."""
    return {b.id for b in all_bindings() if b.id}


def bound_keys(app: App[Any], binding_id: str) -> list[str]:
    """The keys bound to `binding_id` now: the keymap's, else the declared ones."""
    keymap: Mapping[str, str] = app._keymap  # Textual keeps the applied keymap here (set_keymap)
    if binding_id in keymap:
        return [key.strip() for key in keymap[binding_id].split(",") if key.strip()]
    if binding_id == PALETTE_ID:
        return [app.COMMAND_PALETTE_BINDING]
    for binding in all_bindings():
        if binding.id == binding_id:
            return [key.strip() for key in binding.key.split(",")]
    raise KeyError(binding_id)


def key_label(app: App[Any], binding_id: str, *, every: bool = False) -> str:
    """How the key bound to `binding_id` is written in the footer ("^s",
    "f2"); with `every`, all its keys ("^s / ^enter / f5")."""
    keys = bound_keys(app, binding_id)
    labels = [app.get_key_display(Binding(key, "")) for key in keys]
    return " / ".join(labels) if every else labels[0]
