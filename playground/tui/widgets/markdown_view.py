"""An answer rendered as Markdown by one widget (see `markdown_render`).

`source` is the Markdown; its lines are built and rendered once for the
widget's width (again when the width or the theme changes) and kept, so a
repaint costs a list lookup per row. One widget instead of one per block
(Textual's `Markdown`), and no re-rendering of the whole text per repaint
(a `Static`), keeps a finished answer cheap to show, restyle and lay out."""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

from playground.tui.markdown_render import render_markdown


class MarkdownView(Widget):
    DEFAULT_CSS = """
    MarkdownView {
        height: auto;
    }
    """

    def __init__(self, source: str = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.source = source
        self._lines: list[Content] = []
        self._strips: list[Strip] = []
        self._built_for: tuple[str, int] | None = None

    @property
    def lines(self) -> list[Content]:
        """The rendered lines (plain text for tests: `line.plain`)."""
        return self._lines

    def show_markdown(self, source: str, width: int | None = None) -> None:
        """Show `source`; `width` when the widget's own is not known yet (hidden)."""
        self.source = source
        self._build(width or self.size.width)

    def on_resize(self) -> None:
        self._build(self.size.width)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = []  # colours changed: render again on the next paint

    def _build(self, width: int) -> None:
        if width <= 0 or self._built_for == (self.source, width):
            return
        height = len(self._lines)
        self._built_for = (self.source, width)
        self._lines = render_markdown(self.source, width) if self.source else []
        self._strips = []
        self.refresh(layout=len(self._lines) != height)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self._built_for is None or self._built_for[1] != width:
            self._build(width)
        return len(self._lines)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if not self._strips and self._lines:
            self._strips = Visual.to_strips(self, Content("\n").join(self._lines), width, len(self._lines),
                                            self.visual_style, pad=True)
        return self._strips[y] if y < len(self._strips) else Strip.blank(width, self.rich_style)
