"""The first-run welcome: what this is, that it runs on the simulator, how to
add real keys, and three things to try. Shown once; dismissing it is remembered."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Markdown


def welcome_markdown(simulated: bool, send_key: str, help_key: str, tune_key: str, circuits_key: str,
                     chaos_key: str) -> str:
    where = ("It is running on the **built-in simulator**: no API keys are set, so every answer, price and "
             "timing is simulated on this machine and nothing is billed." if simulated else
             "It is using your **real providers**: every answer is billed by them.")
    return "\n".join([
        "# Welcome to the routing playground",
        "",
        "Type one prompt; several routing strategies answer it side by side, and each column shows which "
        "model answered, why, what it cost and how fast.",
        "",
        where,
        "",
        "**Real models:** set `OPENAI_API_KEY` and/or `ANTHROPIC_API_KEY` in your shell (or add a provider, "
        "e.g. a local Ollama, to the config file) and restart.",
        "",
        "**Three things to try**",
        "",
        f"1. Ask something hard, then something trivial, and send each with `{send_key}`: watch which "
        "model each strategy picks and what it saves against *fixed*.",
        f"2. Break a model with the chaos panel (`{chaos_key}`) and watch fallbacks and the circuit "
        f"breakers (`{circuits_key}`).",
        f"3. Tune a strategy's thresholds with a live preview of picks and cost (`{tune_key}`).",
        "",
        f"`{help_key}` explains every key, strategy and figure.",
    ])


class WelcomeScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    WelcomeScreen {
        align: center middle;
    }
    WelcomeScreen > Vertical {
        width: 80%;
        max-width: 90;
        height: auto;
        max-height: 90%;
        background: $surface;
        border: round $primary;
        padding: 0 1;
    }
    WelcomeScreen Markdown {
        height: auto;
    }
    WelcomeScreen #welcome-start {
        margin: 1 0 0 0;
        width: 100%;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "dismiss", "Start", id="close_welcome"),
    ]

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Markdown(self.markdown, id="welcome")
            yield Button("Start (Enter)", id="welcome-start", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#welcome-start", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
