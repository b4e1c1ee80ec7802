"""A column's tool calls as they stream, and its JSON answer pretty-printed
once complete (`runview/answer_shape.py` formats both).

The view joins a column only when a request carries tools or a response
schema (`prepare`, from the screen's send), under the answer; the column
calls `follow` whenever it refreshes its figures (a few times a second
while running, and once a run ended), so the column itself knows nothing
of tools or JSON. A column that never sent either never has the view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from textual.widgets import Static

from playground.core.messages import ChatRequest, ToolCall
from playground.runview.answer_shape import format_json_answer, format_tool_calls, shown_tool_calls
from playground.runview.run_state import RunState

if TYPE_CHECKING:
    from playground.tui.widgets.column import StrategyColumn


class ToolCallsView(Static):
    """Tool calls (name, arguments growing per call index) and the JSON
    answer's note, under a column's answer."""

    DEFAULT_CSS = """
    ToolCallsView {
        height: auto;
        max-height: 50%;
        padding: 0 1;
        color: $text-accent;
        border-top: solid $primary 30%;
        overflow-y: auto;
        display: none;
    }
    ToolCallsView.-shown {
        display: block;
    }
    """

    def __init__(self) -> None:
        super().__init__("", markup=False, classes="tool-calls")
        self.run: RunState | None = None
        self.expect_json = False
        self.calls: tuple[ToolCall, ...] = ()
        self.json_note = ""
        self.json_shown: RunState | None = None  # the run whose JSON answer was drawn
        self._text = ""

    @property
    def text(self) -> str:
        """What the view shows (what tests read)."""
        return self._text

    def show_text(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.update(text)
            self.set_class(bool(text), "-shown")


def prepare(column: StrategyColumn, run: RunState, request: ChatRequest) -> None:
    """A run starts in `column`: give it the view if the request carries
    tools or a schema (the view then follows this run)."""
    view = _view(column)
    if view is None:
        if not request.tools and request.response_format is None:
            return
        view = _VIEWS[column] = ToolCallsView()
        column.mount(view, after=column.answer)
    view.run = run
    view.expect_json = request.response_format is not None
    view.calls, view.json_note = (), ""
    view.show_text("")


def follow(column: StrategyColumn, run: RunState | None) -> None:
    """Show what `run` streamed so far (the column's refresh hook)."""
    view = _view(column)
    if view is None or run is None or run is not view.run:
        return
    ended = run.result is not None
    calls = view.calls = shown_tool_calls(run)
    # `announced`: the column drew the ended run's answer; now it may be redrawn.
    if run.announced and view.expect_json and view.json_shown is not run:
        view.json_shown = run
        _show_json(column, run)
    if ended and calls and not run.displayed:
        column.answer.set_placeholder("answered with tool calls (below)")
    parts = [format_tool_calls(calls, complete=ended)] if calls else []
    if view.json_note:
        parts.append(view.json_note)
    view.show_text("\n".join(parts))


def _show_json(column: StrategyColumn, run: RunState) -> None:
    """The run ended with a JSON answer: draw it pretty-printed in the
    column's answer (or as it came, with a note, when it is not JSON)."""
    result = run.result
    if result is None or result.error is not None or not result.text:
        return
    shaped = format_json_answer(result.text)
    view = _view(column)
    if view is not None:
        view.json_note = shaped.note
    if shaped.valid:
        answer = column.answer
        answer.render_markdown(shaped.markdown, answer.attempts, result)


# Each column's view, once it has one (a lookup, not a DOM query, per refresh).
_VIEWS: WeakKeyDictionary[StrategyColumn, ToolCallsView] = WeakKeyDictionary()


def _view(column: StrategyColumn) -> ToolCallsView | None:
    return _VIEWS.get(column)
