"""Markdown to lines of styled text at a given width, for answers.

Textual's `Markdown` widget mounts a widget per block (and restyles, lays
out and re-measures each); an 800-token answer costs it a few hundred
milliseconds of CPU, more than the engine spends streaming it. Columns
render answers with this instead: the same parser (markdown-it, GFM-like)
into `Content` lines, wrapped here, shown by one widget. Theme variables
style it, so it follows the theme like the rest of the app.

What it shows: headings, paragraphs with emphasis, strong, strikethrough,
inline code and links; nested bullet and numbered lists (hanging indent);
block quotes; code blocks, highlighted, with wrapped lines marked "↪";
tables (aligned, or stacked "header: value" when too wide); rules.
"""

from __future__ import annotations

import asyncio
import re
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.content import Content, Span

if TYPE_CHECKING:  # the parser and the highlighter load on first use (`warm_up`), not for the first frame
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_HEADING_STYLES = {
    "h1": "bold $markdown-h1-color",
    "h2": "bold underline $markdown-h2-color",
    "h3": "bold $markdown-h3-color",
    "h4": "bold underline $markdown-h4-color",
    "h5": "bold $markdown-h5-color",
    "h6": "italic $markdown-h6-color",
}
_INLINE_STYLES = {"em_open": "italic", "strong_open": "bold", "s_open": "strike"}
CODE_STYLE = "$text-warning"
LINK_STYLE = "underline $text-primary"
MUTED = "$foreground-muted"  # (a span cannot use "auto" colours such as $text-muted)
CODE_GUTTER = "▎ "
CODE_WRAP_MARK = "↪ "
_SPACES = re.compile(r"\s+")
# Longer Markdown is parsed in a worker thread when rendered in slices (`render_markdown_sliced`).
PARSE_ON_LOOP_MAX_CHARS = 8_000


@cache
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("gfm-like")


def warm_up() -> None:
    """Load the parser and the highlighter now (the app calls this in a
    worker thread after its first frame, so the first answer does not)."""
    import textual.highlight  # noqa: F401

    _parser()


def inline_content(token: Token) -> Content:
    """An inline token's children as styled text."""
    parts: list[str] = []
    spans: list[Span] = []
    open_styles: list[tuple[str, int]] = []
    position = 0

    def add(text: str) -> None:
        nonlocal position
        parts.append(text)
        position += len(text)

    for child in token.children or []:
        kind = child.type
        if kind == "text":
            add(_SPACES.sub(" ", child.content))
        elif kind == "softbreak":
            add(" ")
        elif kind == "hardbreak":
            add("\n")
        elif kind == "code_inline":
            spans.append(Span(position, position + len(child.content), CODE_STYLE))
            add(child.content)
        elif kind in ("html_inline", "image"):
            add(child.content)
        elif kind in _INLINE_STYLES:
            open_styles.append((_INLINE_STYLES[kind], position))
        elif kind == "link_open":
            open_styles.append((LINK_STYLE, position))
        elif kind.endswith("_close") and open_styles:
            style, start = open_styles.pop()
            spans.append(Span(start, position, style))
    return Content("".join(parts), spans=spans)


@dataclass
class _Level:
    """One level of list item or block quote: the prefix of its first line and of the rest."""

    first: Content
    rest: Content
    first_used: bool = False


@dataclass
class _Renderer:
    width: int
    lines: list[Content] = field(default_factory=list)
    levels: list[_Level] = field(default_factory=list)
    numbers: list[int | None] = field(default_factory=list)  # the open lists: next number, None for bullets
    blank_pending: bool = False

    # -- emitting lines --------------------------------------------------------------------
    def _prefix(self) -> Content:
        prefix = Content("")
        for level in self.levels:
            prefix += level.rest if level.first_used else level.first
            level.first_used = True
        return prefix

    def _prefix_width(self) -> int:
        return sum((lvl.rest if lvl.first_used else lvl.first).cell_length for lvl in self.levels)

    def _block(self, rows: list[Content]) -> None:
        """Emit a block's rows under the current prefixes, a blank line before it if one is due."""
        if self.blank_pending and self.lines:
            self.lines.append(Content(""))
        self.blank_pending = False
        for row in rows:
            self.lines.append(self._prefix() + row)

    def _avail(self) -> int:
        return max(8, self.width - self._prefix_width())

    # -- blocks ------------------------------------------------------------------------
    def paragraph(self, content: Content, style: str = "") -> None:
        if style:
            content = content.stylize(style)
        rows: list[Content] = []
        for line in content.split("\n"):
            rows.extend(line.wrap(self._avail()) or [Content("")])
        self._block(rows)
        self.blank_pending = not self.numbers  # tight inside lists

    def code(self, code: str, language: str) -> None:
        avail = self._avail() - cell_len(CODE_GUTTER)
        from textual.highlight import highlight

        highlighted = highlight(code.rstrip("\n"), language=language or None)
        rows: list[Content] = []
        for line in highlighted.split("\n"):
            pieces = _split_cells(line, avail)
            rows.append(Content.styled(CODE_GUTTER, MUTED) + pieces[0])
            rows.extend(Content.styled(CODE_WRAP_MARK, MUTED) + piece for piece in pieces[1:])
        self._block(rows)
        self.blank_pending = True

    def rule(self) -> None:
        self._block([Content.styled("─" * self._avail(), MUTED)])
        self.blank_pending = True

    def table(self, header: list[Content], rows: list[list[Content]]) -> None:
        columns = max([len(header), *(len(r) for r in rows)])
        header = header + [Content("")] * (columns - len(header))
        rows = [r + [Content("")] * (columns - len(r)) for r in rows]
        widths = [max(c.cell_length for c in [header[i], *(r[i] for r in rows)]) for i in range(columns)]
        separator = Content.styled(" │ ", MUTED)
        if sum(widths) + 3 * (columns - 1) <= self._avail():
            def line(cells: list[Content]) -> Content:
                return separator.join(c.pad_right(w - c.cell_length) for c, w in zip(cells, widths, strict=True))

            out = [line(header).stylize("bold"), Content.styled("─┼─".join("─" * w for w in widths), MUTED)]
            out += [line(r) for r in rows]
        else:  # too wide: one "header: value" line per cell, rows apart
            out = []
            for number, row in enumerate(rows):
                if number:
                    out.append(Content.styled("─" * min(self._avail(), 12), MUTED))
                for name, cell in zip(header, row, strict=True):
                    out.extend((name.stylize("bold") + Content(": ") + cell).wrap(self._avail()))
        self._block(out)
        self.blank_pending = True

    # -- the token stream -------------------------------------------------------------------
    def run(self, tokens: list[Token]) -> None:
        for _ in self.steps(tokens):
            pass

    def steps(self, tokens: list[Token]) -> Iterator[None]:
        """Render the tokens, pausing after each (`render_markdown_sliced` hands the loop back there)."""
        index = 0
        while index < len(tokens):
            yield
            token = tokens[index]
            kind = token.type
            if kind == "heading_open":
                self.paragraph(inline_content(tokens[index + 1]), _HEADING_STYLES.get(token.tag, "bold"))
                self.blank_pending = True
                index += 2
            elif kind == "paragraph_open":
                self.paragraph(inline_content(tokens[index + 1]))
                index += 2
            elif kind in ("bullet_list_open", "ordered_list_open"):
                start = token.attrs.get("start", 1) if kind == "ordered_list_open" else None
                self.numbers.append(int(start) if start is not None else None)  # type: ignore[arg-type]
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.numbers.pop()
                self.blank_pending = not self.numbers
            elif kind == "list_item_open":
                number = self.numbers[-1]
                if number is None:
                    bullet = "• "
                else:
                    bullet = f"{number}. "
                    self.numbers[-1] = number + 1
                self.levels.append(_Level(Content.styled(bullet, MUTED), Content(" " * len(bullet))))
            elif kind == "list_item_close" or kind == "blockquote_close":
                if not self.levels[-1].first_used:  # an empty item: "4." alone is an answer, not nothing
                    self._block([Content("")])
                self.levels.pop()
                if kind == "blockquote_close":
                    self.blank_pending = True
            elif kind == "blockquote_open":
                mark = Content.styled("▌ ", MUTED)
                self.levels.append(_Level(mark, mark))
            elif kind in ("fence", "code_block"):
                self.code(token.content, token.info.strip().split(" ")[0] if token.info else "")
            elif kind == "hr":
                self.rule()
            elif kind == "table_open":
                index = self._table(tokens, index)
            elif kind == "html_block":
                self.paragraph(Content(token.content.rstrip("\n")))
            index += 1

    def _table(self, tokens: list[Token], index: int) -> int:
        header: list[Content] = []
        rows: list[list[Content]] = []
        row: list[Content] | None = None
        in_head = False
        while tokens[index].type != "table_close":
            kind = tokens[index].type
            if kind == "thead_open":
                in_head = True
            elif kind == "thead_close":
                in_head = False
            elif kind == "tr_open":
                row = []
            elif kind == "tr_close" and row is not None:
                if in_head:
                    header = row
                else:
                    rows.append(row)
            elif kind == "inline" and row is not None:
                row.append(inline_content(tokens[index]))
            index += 1
        self.table(header, rows)
        return index


def _split_cells(line: Content, width: int) -> list[Content]:
    """A line cut into pieces of at most `width` cells (code is not re-flowed)."""
    if line.cell_length <= width or width <= 0:
        return [line]
    pieces: list[Content] = []
    while line.cell_length > width:
        cut = 0
        cells = 0
        for char in line.plain:
            cells += cell_len(char)
            if cells > width:
                break
            cut += 1
        pieces.append(line[:max(1, cut)])
        line = line[max(1, cut):]
    pieces.append(line)
    return pieces


def render_markdown(source: str, width: int) -> list[Content]:
    """The Markdown as lines of at most `width` cells."""
    renderer = _Renderer(max(8, width))
    renderer.run(_parser().parse(source))
    return renderer.lines


async def render_markdown_sliced(source: str, width: int, slice_s: float = 0.002) -> list[Content]:
    """`render_markdown` on the event loop, handing it back every `slice_s`.

    Why not a thread: a worker thread holding the GIL delays every wake-up of
    the loop by up to the switch interval (5 ms), so the frames that show the
    other columns' last tokens came later (bench_tui). Why not at once: a long
    answer takes tens of milliseconds, which a key press would wait for. Here
    a key waits for one slice. The parse is one piece: a few milliseconds for
    an answer of a few pages (3,500 characters: 6 ms on the 2-core machine);
    a longer source is parsed in a thread, as its parse would hold the loop
    for tens of milliseconds."""
    async with _one_at_a_time():
        renderer = _Renderer(max(8, width))
        if len(source) > PARSE_ON_LOOP_MAX_CHARS:
            tokens = await asyncio.to_thread(_parser().parse, source)
        else:
            tokens = _parser().parse(source)
            await asyncio.sleep(0)
        deadline = time.perf_counter() + slice_s
        for _ in renderer.steps(tokens):
            if time.perf_counter() >= deadline:
                await asyncio.sleep(0)
                deadline = time.perf_counter() + slice_s
        return renderer.lines


_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _one_at_a_time() -> asyncio.Lock:
    """The running loop's lock: columns ending together render one after another, so a key waits
    for one slice per turn of the loop, not one per column."""
    loop = asyncio.get_running_loop()
    lock = _locks.get(loop)
    if lock is None:
        lock = _locks[loop] = asyncio.Lock()
    return lock
