"""A scroll container that follows text streaming into it."""

from __future__ import annotations

from textual.containers import VerticalScroll


class AnswerScroll(VerticalScroll):
    """Follows a streaming answer to its end until the user scrolls away.

    Works around two Textual 8.2.8 anchoring bugs: anchoring content shorter
    than the viewport leaves a void above it (Textualize/textual#6652), so we
    anchor only once the answer overflows; and coming back to the bottom by
    scrolling does not re-engage the anchor while content grows
    (Textualize/textual#6677), so we re-engage within a line of the bottom.
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._follow = False

    def reset(self) -> None:
        """Back to the top, not following. Assigning the offsets (validated,
        so clamped) also repairs a negative offset left by #6652, which
        `scroll_home` does not."""
        self.anchor(False)
        self._follow = False
        self.scroll_target_y = 0
        self.scroll_y = 0

    def follow(self) -> None:
        """A new answer starts: show its top, follow it once it overflows."""
        self.reset()
        self._follow = True

    def watch_virtual_size(self) -> None:
        # The answer grew (or shrank): decide right away, not at the next
        # tick, so a run that ends between ticks is followed the same way.
        self.call_after_refresh(self.keep_up)

    def keep_up(self) -> None:
        if not self._follow:
            return
        if self.max_scroll_y <= 0:
            if self.is_anchored or self.scroll_y < 0:  # the answer got shorter than the view
                self.reset()
                self._follow = True
            return
        if not self.is_anchored:
            self.anchor()
        elif self.max_scroll_y - 1 <= self.scroll_y < self.max_scroll_y:
            self.scroll_end(animate=False, immediate=True)
