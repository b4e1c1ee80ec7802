"""Command palette (Ctrl+P): every action of the playground, including
adding or removing each strategy's column, searchable by name. Each entry
names the key bound to it now (a keymap can change it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, Protocol, runtime_checkable

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider

from playground.strategies.registry import STRATEGIES
from playground.tui.app_extras import AppExtras
from playground.tui.bindings import key_label
from playground.tui.screens.main import MainScreen

Command = tuple[str, str, Callable[[], Any]]


@runtime_checkable
class PaletteHost(Protocol):
    """What the palette needs from the app: its main screen and the policy actions."""

    @property
    def main_screen(self) -> MainScreen: ...
    @property
    def extras(self) -> AppExtras: ...
    def action_toggle_cache(self) -> None: ...
    def action_apply_tuning(self) -> None: ...
    def action_save_profile(self) -> None: ...
    def action_load_profile(self) -> None: ...
    def action_duplicate_profile(self) -> None: ...
    def action_diff_profiles(self) -> None: ...
    def action_export_policy(self) -> None: ...
    def action_show_evaluation(self) -> None: ...


def playground_commands(app: PaletteHost) -> Iterator[Command]:
    """(title, help, callback) for every action; also used by tests."""
    main = app.main_screen
    textual_app: App[Any] = main.app

    def key(binding_id: str, every: bool = False) -> str:
        return key_label(textual_app, binding_id, every=every)

    def tuning_key(binding_id: str) -> str:
        return f"({key(binding_id)} on the tuning screen)"

    yield "Send prompt", f"Send the prompt to every selected strategy ({key('send', every=True)})", main.action_send
    yield ("Stop streaming", f"Cancel every running column; partial answers and their cost are kept ({key('stop')})",
           main.action_stop)
    yield "Clear answers", f"Empty every column; the session's spending is kept ({key('clear')})", main.action_clear
    yield "Focus prompt", f"Move the cursor to the prompt editor ({key('focus_prompt')})", main.action_focus_prompt
    yield ("Attach file…", "An image, tools file or response schema, told apart by its content, sent with every "
           f"prompt until removed ({key('attach_file')})", partial(main.action_attach, "file"))
    yield ("Attach image…", "Send a PNG, JPEG, GIF or WebP image with every prompt; only models with image input "
           f"are routed to ({key('attach_file')} takes any kind)", partial(main.action_attach, "image"))
    yield ("Load tools…", "Send tool definitions from a JSON file; only models with tool calling are routed to",
           partial(main.action_attach, "tools"))
    yield ("Load response schema…", "The answer must be JSON matching a schema file; only models that take a schema "
           "are routed to", partial(main.action_attach, "schema"))
    yield from main.attachments.commands()  # removing each attachment
    yield ("Toggle semantic cache",
           "Serve repeated or similar prompts from each column's cache (costs only the embedding)",
           app.action_toggle_cache)
    yield ("Show decision traces",
           "Every column's full trace, live while it runs: candidates, scores, verdicts, attempts "
           f"({key('show_trace')})", main.action_show_trace)
    yield ("Show/hide strategies panel", f"Choose which strategies get a column ({key('toggle_strategies')})",
           main.action_toggle_strategies)
    yield ("Show/hide circuit breakers",
           f"Every endpoint's breaker: state, failure rate, countdown to half-open ({key('toggle_circuits')})",
           main.action_toggle_circuits)
    yield ("Show/hide chaos panel",
           f"Toggle the simulator's faults per model while prompts run ({key('toggle_chaos')})",
           main.action_toggle_chaos)
    yield ("Compact view on/off",
           "One-line prompt and headers so answers get the rows; automatic on small terminals "
           f"({key('toggle_compact')})", main.action_toggle_compact)
    yield ("Maximise/restore column", f"Show one column over the whole width, or all again ({key('toggle_maximize')})",
           main.action_toggle_maximize)
    yield ("Previous columns", f"Page left when the columns do not fit ({key('page_left')})",
           partial(main.action_page, -1))
    yield "Next columns", f"Page right when the columns do not fit ({key('page_right')})", partial(main.action_page, 1)
    yield ("Tune strategies",
           f"Edit each strategy's parameters with a live preview of picks and cost ({key('show_tuning')})",
           main.action_show_tuning)
    yield ("Apply tuning", f"Make the tuning screen's edits the values the next send uses {tuning_key('tuning_apply')}",
           app.action_apply_tuning)
    yield ("Save profile…",
           f"Save the columns and tuned strategy values as a named profile {tuning_key('tuning_save_profile')}",
           app.action_save_profile)
    yield ("Load profile…",
           f"Apply a saved profile's strategy values and columns {tuning_key('tuning_load_profile')}",
           app.action_load_profile)
    yield ("Duplicate profile…", f"Copy a saved profile under a new name {tuning_key('tuning_duplicate_profile')}",
           app.action_duplicate_profile)
    yield ("Diff profiles…",
           "Every key that differs between two profiles or a profile and the current tuning "
           f"{tuning_key('tuning_diff_profiles')}", app.action_diff_profiles)
    yield ("Evaluate strategies…",
           "Replay recorded outcomes: quality, cost, savings and the cost–quality plot per strategy and sweep "
           f"({key('show_evaluation')})", app.action_show_evaluation)
    yield ("Export policy…",
           "Write the tuned policy as TOML, a LiteLLM config or a Portkey config, and copy it "
           f"{tuning_key('tuning_export_policy')}", app.action_export_policy)
    for name, cls in STRATEGIES.items():
        enabled = main.strategy_enabled(name)
        title = f"{'Remove' if enabled else 'Add'} strategy: {name}"
        yield title, cls.summary, partial(main.action_toggle_strategy, name)
    yield from app.extras.commands()  # themes, history, copy, plots (app_extras)
    yield "Quit", f"Leave the playground ({key('quit')})", textual_app.action_quit


class PlaygroundCommands(Provider):
    """Lists the playground's actions in the command palette."""

    def _commands(self) -> list[Command]:
        app = self.app
        return list(playground_commands(app)) if isinstance(app, PaletteHost) else []

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
