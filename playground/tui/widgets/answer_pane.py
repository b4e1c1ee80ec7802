"""A column's answer: plain text while it streams, Markdown once it ended,
then the run's calls when there were several. One fixed-size line-API
widget, so nothing here lays out the screen again.

Why: with eight fast columns the TUI fell seconds behind. Per token it
re-laid out the screen and re-rendered Markdown; per run it mounted a
widget per Markdown block and restyled them. Here a token re-wraps the
paragraph being written and repaints the rows that changed; the widget never
changes size; the end of a run swaps the rows for the Markdown's (built
once, `markdown_render`) and repaints.

Following the end, the view moves a page at a time while text streams in
(the new text starts 40% from the bottom): a move repaints every row in
view, new rows alone are cheap. The mouse wheel scrolls back (and stops
following until the end is in view again); the last cell of each row marks
where the view is in the text.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from playground.core.events import RequestResult
from playground.tui.markdown_render import render_markdown, render_markdown_sliced
from playground.tui.widgets.attempts import TABLE_MIN_WIDTH, stacked

# Share of the view left free under the text after a page move.
_FOLLOW_ROOM = 0.4
_THUMB = "▐"


def wrap_paragraph(text: str, width: int) -> list[str]:
    """Greedy word wrap of one paragraph (no newlines) to `width` cells; a
    word longer than the width is split. The spaces a row breaks at are
    dropped from the start of the next row; every other character is kept,
    in order."""
    if width <= 0 or cell_len(text) <= width:
        return [text]
    rows: list[str] = []
    row, row_cells = "", 0
    for word in _words(text):
        cells = cell_len(word)
        if row_cells + cells <= width:
            row, row_cells = row + word, row_cells + cells
            continue
        if row:
            rows.append(row)
            word = word.lstrip(" ") or word
            cells = cell_len(word)
            row, row_cells = "", 0
        while cells > width:  # a word wider than the row: split it
            cut = _fit(word, width)
            rows.append(word[:cut])
            word = word[cut:]
            cells = cell_len(word)
        row, row_cells = word, cells
    rows.append(row)
    return rows


def _words(text: str) -> list[str]:
    """Each word with the spaces before it."""
    words: list[str] = []
    start = 0
    length = len(text)
    while start < length:
        end = start
        while end < length and text[end] == " ":
            end += 1
        while end < length and text[end] != " ":
            end += 1
        words.append(text[start:end])
        start = end
    return words


def _fit(word: str, width: int) -> int:
    """How many characters of `word` fit in `width` cells (at least one)."""
    cells = 0
    for index, char in enumerate(word):
        cells += cell_len(char)
        if cells > width:
            return max(1, index)
    return len(word)


def answer_lines(markdown: str, attempts: str, result: RequestResult | None, width: int) -> list[Content]:
    """An ended run's rows at `width`: its Markdown, then its calls (a table,
    stacked when too narrow). Built at once (a resize); an ended run's are
    built in slices on the loop (`answer_lines_sliced`)."""
    return (render_markdown(markdown, width) if markdown else []) + calls_lines(attempts, result, width)


async def answer_lines_sliced(markdown: str, attempts: str, result: RequestResult | None,
                              width: int) -> list[Content]:
    """`answer_lines` on the event loop in slices (`render_markdown_sliced`)."""
    lines = await render_markdown_sliced(markdown, width) if markdown else []
    return lines + calls_lines(attempts, result, width)


def calls_lines(attempts: str, result: RequestResult | None, width: int) -> list[Content]:
    """The run's calls under its answer (a table, stacked when too narrow), or nothing."""
    if not attempts or result is None:
        return []
    if width >= TABLE_MIN_WIDTH:
        return [Content(""), *render_markdown(attempts, width)]
    return [Content(""), *stacked(result).split("\n")]


class AnswerPane(Widget, can_focus=False):
    DEFAULT_CSS = """
    AnswerPane {
        height: 1fr;
        background: transparent;
    }
    AnswerPane > .answer-pane--placeholder {
        color: $text-muted;
        text-style: italic;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"answer-pane--placeholder"}

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text = ""  # what streamed (plain)
        self.markdown = ""  # the answer once rendered ("" while streaming)
        self.attempts = ""  # the run's calls as a Markdown table ("" for one call)
        self.placeholder = ""
        self.rendered = False
        self.top = 0  # the first row in view
        self.following = True
        self._result: RequestResult | None = None
        self._rows: list[str] = []  # streaming: wrapped plain rows
        self._last_start = 0  # the first row of the paragraph being written
        self._last_paragraph = ""
        self._lines: list[Content] = []  # rendered: Markdown and attempts lines
        self._width = 0
        self._height = 0
        self._strips: dict[int, Strip] = {}
        # Whole rows as painted (text and position mark), reused while they do not change.
        self._lines_cache: dict[tuple[int, bool], Strip] = {}
        self._shown_mark = (0, 0)
        self._style: Style | None = None

    # -- what is shown (tests read these) ---------------------------------------------------
    @property
    def source(self) -> str:
        """The run as shown: what streamed, or the Markdown and the attempts table."""
        return self.markdown + self.attempts if self.rendered else self.text

    @property
    def row_count(self) -> int:
        return len(self._lines) if self.rendered else len(self._rows)

    @property
    def max_scroll_y(self) -> int:
        return max(0, self.row_count - self._height)

    @property
    def scroll_y(self) -> int:
        return self.top

    def row_text(self, row: int) -> str:
        return self._lines[row].plain if self.rendered else self._rows[row]

    # -- writing ------------------------------------------------------------------------
    def clear(self, placeholder: str = "") -> None:
        """Empty, back to the top, streaming mode."""
        self.text = self.markdown = self.attempts = ""
        self._result = None
        self.rendered = False
        self._rows, self._lines = [], []
        self._last_start = 0
        self._last_paragraph = ""
        self._strips.clear()
        self._lines_cache.clear()
        self.top = 0
        self.following = True
        self.placeholder = placeholder
        self.refresh()

    def set_placeholder(self, text: str) -> None:
        """A dim line shown while there is no text yet ("waiting for…")."""
        if text != self.placeholder:
            self.placeholder = text
            if not self.row_count:
                self.refresh(Region(0, 0, self._width, 1))

    def append(self, text: str) -> None:
        """More streamed text: only the rows of the last paragraph change."""
        if not text or self.rendered:
            return
        self.text += text
        first_changed = self._last_start
        pieces = text.split("\n")
        last = self._last_paragraph = self._last_paragraph + pieces[0]
        del self._rows[self._last_start:]
        for row in [r for r in self._strips if r >= first_changed]:
            del self._strips[row]
        for key in [k for k in self._lines_cache if k[0] >= first_changed]:
            del self._lines_cache[key]
        self._rows.extend(wrap_paragraph(last, self._text_width))
        for piece in pieces[1:]:
            self._last_start = len(self._rows)
            self._last_paragraph = piece
            self._rows.extend(wrap_paragraph(piece, self._text_width))
        if not self._follow(page=True):
            # Only the rows that changed (a Strip per row is costly to build).
            start = max(first_changed, self.top) - self.top
            end = min(self._height, len(self._rows) - self.top)
            if start < end:
                self.refresh(Region(0, start, self._width, end - start))
            self._refresh_mark()

    def render_markdown(self, markdown: str, attempts: str = "", result: RequestResult | None = None,
                        lines: tuple[int, list[Content]] | None = None) -> None:
        """The run ended: show `markdown` (and the calls) instead of the plain
        text. `lines`: the rows already built (`answer_lines`) and the width
        they were built for; built again here if the width changed since."""
        self.markdown, self.attempts, self._result = markdown, attempts, result
        self.rendered = True
        self._rows = []  # the streamed rows are not shown again (a resize re-wraps from `text`)
        if lines is not None and lines[0] == self.text_width:
            self._set_lines(lines[1])
        else:
            self._build()
        if self.following:
            self.top = self.max_scroll_y
        else:
            self.top = min(self.top, self.max_scroll_y)
        self.refresh()

    # -- layout of the rows ------------------------------------------------------------------
    @property
    def text_width(self) -> int:
        """Cells a row of text may use."""
        return self._text_width

    @property
    def _text_width(self) -> int:
        return max(1, self._width - 2)  # a gap, then the position mark in the last cell

    def _build(self) -> None:
        """Rendered mode: the Markdown's lines and the attempts at this width."""
        self._set_lines(answer_lines(self.markdown, self.attempts, self._result, self._text_width))

    def _set_lines(self, lines: list[Content]) -> None:
        self._lines = lines
        self._strips.clear()
        self._lines_cache.clear()

    def _rewrap(self) -> None:
        """Streaming mode: wrap everything again (the width changed)."""
        rows: list[str] = []
        paragraphs = self.text.split("\n")
        for paragraph in paragraphs[:-1]:
            rows.extend(wrap_paragraph(paragraph, self._text_width))
        self._last_start = len(rows)
        self._last_paragraph = paragraphs[-1]
        rows.extend(wrap_paragraph(paragraphs[-1], self._text_width))
        self._rows = rows if self.text else []
        self._strips.clear()
        self._lines_cache.clear()

    def _follow(self, page: bool) -> bool:
        """Keep the end in view (a page at a time while streaming); True if the view moved."""
        height = self._height
        rows = self.row_count
        if not self.following or not height or rows <= self.top + height:
            return False
        self.top = max(0, rows - (max(1, int(height * (1 - _FOLLOW_ROOM))) if page else height))
        self._forget_out_of_view()
        self.refresh()
        return True

    def _forget_out_of_view(self) -> None:
        """Drop the painted rows the view left. A fast stream moves a page
        several times a second; kept, every row of the answer stayed painted
        (two Strips a row, each with seven small caches) until the run ended:
        memory, and objects for the garbage collector's full passes to walk."""
        first, last = self.top, self.top + self._height
        self._strips = {row: strip for row, strip in self._strips.items() if first <= row < last}
        self._lines_cache = {key: strip for key, strip in self._lines_cache.items() if first <= key[0] < last}

    def _refresh_mark(self) -> None:
        """Repaint the rows whose position mark changed (a repaint redraws whole rows)."""
        mark = self._mark_span()
        if mark != self._shown_mark:
            old, self._shown_mark = self._shown_mark, mark
            rows = {*range(*old), *range(*mark)} - ({*range(*old)} & {*range(*mark)})
            if rows:
                self.refresh(Region(0, min(rows), self._width, max(rows) - min(rows) + 1))

    def on_resize(self, event: events.Resize) -> None:
        # Kept: `size` is a lookup in the screen's map, too costly per row.
        self._height = self.size.height
        if self.size.width != self._width:
            self._width = self.size.width
            if self.rendered:
                self._build()
            else:
                self._rewrap()
        # The rows changed: keep the view inside them, at the end if following.
        self.top = self.max_scroll_y if self.following and self.rendered else min(self.top, self.max_scroll_y)
        if not self.rendered:
            self._follow(page=True)
        self.refresh()

    # -- reading back -------------------------------------------------------------------
    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        if self.top > 0:
            self.following = False
            self.top = max(0, self.top - 3)
            self._forget_out_of_view()
            self.refresh()

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.top = min(self.max_scroll_y, self.top + 3)
        self.following = self.top >= self.max_scroll_y
        self._forget_out_of_view()
        self.refresh()

    # -- drawing ------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None
        self._strips.clear()
        self._lines_cache.clear()

    def _mark_span(self) -> tuple[int, int]:
        """The rows of the view that show the position mark (start, end)."""
        height, total = self._height, self.row_count
        if total <= height or not height:
            return 0, 0
        size = max(1, height * height // total)
        start = (height - size) * self.top // max(1, total - height)
        return start, start + size

    def _strip(self, row: int) -> Strip:
        strip = self._strips.get(row)
        if strip is not None:
            return strip
        width = self._text_width
        if self.rendered:
            # A line is already wrapped: its spans become segments directly
            # (no wrapping pass per row, as a general Visual render would do).
            base = self.visual_style
            line = self._lines[row]
            segments = [Segment(text, style.rich_style) for text, style in line.render(base, "", self._get_style)]
            strip = Strip(segments, line.cell_length).extend_cell_length(width, base.rich_style).crop(0, width)
        else:
            text, style = self._rows[row], self._base_style()
            strip = Strip([Segment(text, style), Segment(" " * (width - cell_len(text)), style)], width)
        self._strips[row] = strip
        return strip

    def _base_style(self) -> Style:
        if self._style is None:
            self._style = self.rich_style
        return self._style

    def render_line(self, y: int) -> Strip:
        start, end = self._shown_mark = self._mark_span()
        marked = start <= y < end
        row = self.top + y
        if row < self.row_count:
            key = (row, marked)
            line = self._lines_cache.get(key)
            if line is None:
                line = self._lines_cache[key] = self._with_mark(self._strip(row), marked)
            return line
        style = self._base_style()
        if row == 0 and self.placeholder:
            placeholder = self.get_component_rich_style("answer-pane--placeholder")
            text = self.placeholder[: self._text_width]
            strip = Strip([Segment(text, placeholder), Segment(" " * (self._text_width - cell_len(text)), style)],
                          self._text_width)
            return self._with_mark(strip, marked)
        return Strip.blank(self._text_width + 2, style)

    def _with_mark(self, strip: Strip, marked: bool) -> Strip:
        mark = Segment(" " + (_THUMB if marked else " "), self._base_style() + Style(dim=True))
        return Strip([*strip, mark], self._text_width + 2)
