"""Command palette (Ctrl+P): every action of the playground, including
adding or removing each strategy's column, searchable by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from playground.strategies.registry import STRATEGIES
from playground.tui.app_extras import extra_commands

if TYPE_CHECKING:
    from playground.tui.app import PlaygroundApp

Command = tuple[str, str, Callable[[], Any]]


def playground_commands(app: PlaygroundApp) -> Iterator[Command]:
    """(title, help, callback) for every action; also used by tests."""
    yield "Send prompt", "Send the prompt to every selected strategy (Ctrl+Enter / Ctrl+S / F5)", app.action_send
    yield "Stop streaming", "Cancel every running column; partial answers and their cost are kept (Esc)", app.action_stop
    yield "Clear answers", "Empty every column; the session's spending is kept (Ctrl+L)", app.action_clear
    yield "Focus prompt", "Move the cursor to the prompt editor (F3)", app.action_focus_prompt
    yield "Toggle semantic cache", "Serve repeated or similar prompts from each column's cache (costs only the embedding)", app.action_toggle_cache
    yield "Show decision traces", "Every column's full trace: candidates, scores, verdicts, attempts (F4)", app.action_show_trace
    yield "Show/hide strategies panel", "Choose which strategies get a column (F2)", app.action_toggle_strategies
    yield "Show/hide circuit breakers", "Every endpoint's breaker: state, failure rate, countdown to half-open (F8)", app.action_toggle_circuits
    yield "Show/hide chaos panel", "Toggle the simulator's faults per model while prompts run (F9)", app.action_toggle_chaos
    yield "Tune strategies", "Edit each strategy's parameters with a live preview of picks and cost (Ctrl+T)", app.action_show_tuning
    yield "Apply tuning", "Make the tuning screen's edits the values the next send uses (Ctrl+R on the tuning screen)", app.action_apply_tuning
    yield "Save profile…", "Save the columns and tuned strategy values as a named profile (Ctrl+N on the tuning screen)", app.action_save_profile
    yield "Load profile…", "Apply a saved profile's strategy values and columns (Ctrl+O on the tuning screen)", app.action_load_profile
    yield "Duplicate profile…", "Copy a saved profile under a new name (Ctrl+Y on the tuning screen)", app.action_duplicate_profile
    yield "Diff profiles…", "Every key that differs between two profiles or a profile and the current tuning (Ctrl+F on the tuning screen)", app.action_diff_profiles
    yield ("Evaluate strategies…", "Replay recorded outcomes: quality, cost, savings, the cost–quality plot (F11)",
           app.action_show_evaluation)
    yield "Export policy…", "Write the tuned policy as TOML, a LiteLLM config or a Portkey config, and copy it (Ctrl+E on the tuning screen)", app.action_export_policy
    for name, cls in STRATEGIES.items():
        enabled = app.strategy_enabled(name)
        title = f"{'Remove' if enabled else 'Add'} strategy: {name}"
        yield title, cls.summary, partial(app.action_toggle_strategy, name)
    yield from extra_commands(app)  # H8 hook
    yield "Quit", "Leave the playground (Ctrl+Q)", app.action_quit


class PlaygroundCommands(Provider):
    """Lists the playground's actions in the command palette."""

    def _commands(self) -> list[Command]:
        from playground.tui.app import PlaygroundApp

        app = self.app
        return list(playground_commands(app)) if isinstance(app, PlaygroundApp) else []

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
