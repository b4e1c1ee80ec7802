"""F1: the keys as they are bound now (a remapped key shows remapped), what
every strategy does (the registry's own summaries), what every figure on the
screen means, and where the config, themes and history live."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from playground.config import paths
from playground.history import history_file
from playground.session_memory import memory_file
from playground.tui.keymap import KeyHelp

# What each figure means, for someone who has never routed a request.
FIGURES: tuple[tuple[str, str], ...] = (
    ("TTFT", "time to first token: how long until the answer starts to appear. What users feel as speed."),
    ("total", "time from sending until the last token (the whole call, retries and fallbacks included)."),
    ("tok/s", "output tokens per second once the answer streams (after the first token)."),
    ("in · out", "tokens sent (the prompt) and received (the answer). '~' means counted by us, not reported "
                 "by the provider."),
    ("cost", "what the run cost: every attempt counts, including failed, retried, cut-off and judge or router "
             "calls. '~' marks an estimate."),
    ("vs fixed", "each strategy's cost relative to the fixed strategy (always the strong model), the "
                 "baseline routing is meant to beat."),
    ("wasted", "money spent on calls whose answer was not delivered (failed, retried, not picked)."),
    ("PGR", "performance gap recovered: how much of the quality difference between the weak and the strong "
            "model a router keeps (0% = as good as always-weak, 100% = as good as always-strong). APGR averages it "
            "over thresholds."),
    ("CLOSED", "circuit breaker: the endpoint is healthy; calls go through (F8 shows every breaker)."),
    ("OPEN", "circuit breaker: too many recent failures or slow calls; the endpoint is skipped until the countdown "
             "ends and fallbacks take over."),
    ("HALF_OPEN", "circuit breaker: the countdown ended; a few probe calls decide whether it closes again or "
                  "re-opens."),
    ("simulated", "answers, prices and timings come from the built-in simulator on this machine, not a real "
                  "provider. Nothing is billed."),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def help_markdown(keys: Sequence[KeyHelp], strategies: Mapping[str, str], simulated: bool | None) -> str:
    """The help text: `keys` as bound now, `strategies` name -> summary (from the registry)."""
    lines = ["# Routing playground", "",
             "One prompt goes to several routing strategies at once; each column streams its answer and shows "
             "which model answered, why, what it cost and how fast it was.", ""]
    if simulated:
        lines += ["**Running on the built-in simulator**: no API keys are set, so answers, prices and timings "
                  "are simulated. Set `OPENAI_API_KEY` or `ANTHROPIC_API_KEY` (or add a provider to the config) "
                  "and restart to use real models.", ""]
    lines += ["## Keys", "", "| key | does | id (for `[keymap]`) |", "|---|---|---|"]
    lines += [f"| `{_cell(k.keys)}` | {_cell(k.description)}{' — ' + _cell(k.help) if k.help else ''} | "
              f"`{k.binding_id}` |" for k in sorted(keys, key=lambda k: k.description.lower())]
    lines += ["", "Remap a key in the config file's `[keymap]` table, e.g. `help = \"f12\"`. "
              "Ctrl+P opens the command palette: every action is there too.", "",
              "## Strategies", ""]
    lines += [f"- **{name}**: {_cell(summary)}" for name, summary in strategies.items()]
    lines += ["", "## Figures", ""]
    lines += [f"- **{name}**: {text}" for name, text in FIGURES]
    lines += ["", "## Where things live", "",
              f"- Configuration: `{paths.config_dir() / 'config.toml'}` (or `$PLAYGROUND_CONFIG`)",
              f"- Your themes (`*.toml`, same format as the built-ins): `{paths.themes_dir()}`",
              f"- Saved profiles: `{paths.profiles_dir()}`",
              f"- History of every run (SQLite): `{history_file()}`",
              f"- Exports: `{paths.exports_dir()}`",
              f"- Remembered session (prompt, columns, tuning, theme, spend): `{memory_file()}`", ""]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 90%;
        max-width: 120;
        height: 90%;
        background: $surface;
        border: round $primary;
        padding: 0 1;
    }
    HelpScreen #help-hint {
        color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close", id="close_help"),
    ]

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Help · Esc closes · ↑↓ scroll", id="help-hint", markup=False)
            yield Markdown(self.markdown, id="help")
