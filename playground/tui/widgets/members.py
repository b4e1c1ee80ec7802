"""A multi-call plan's calls inside a column: one small pane per member
(ensemble member, cascade tier, judge, router...), then the verdict.

Each pane's top border is its header (state, model, tokens, cost, ★ for the
delivered answer); its body is the call's text rendered as Markdown (closed
blocks; the block being written is plain text until it closes),
height-bounded and following the stream. Nothing here redraws per token: the
column calls `show` on its 10 Hz tick and on structural events, and a pane
redraws only when its member changed since the last draw.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.reactive import reactive, var
from textual.widgets import Static

from playground.core.events import Verdict
from playground.runview.member_state import MemberBoard, MemberState, MemberStatus
from playground.tui.css import css_beside
from playground.tui.formatting import format_cost, format_tokens
from playground.tui.widgets.follow_scroll import AnswerScroll
from playground.tui.widgets.markdown_view import MarkdownView

_BADGES = {
    "planned": "◌", "waiting": "◌", "streaming": "●", "retrying": "↻", "ok": "✓",
    "failed": "✗", "cancelled": "■", "skipped": "⊘", "unused": "–",
}
_WORDS = {
    "planned": "queued", "waiting": "waiting", "streaming": "streaming", "retrying": "retrying",
    "failed": "failed", "cancelled": "cancelled", "skipped": "skipped", "unused": "not needed",
}
_PLACEHOLDERS = {"planned": "queued", "waiting": "waiting for the first token…"}
# While a call streams its pane shows the end of its text only: what fits the
# pane, with room to scroll back a little, at a bounded cost per redraw.
_LIVE_TAIL_CHARS = 2000
_TALLY_KEY_CHARS = 24


def member_title(board: MemberBoard, member: MemberState) -> str:
    """The pane's header: "★ ✓ gpt-5-mini · 212 tok · $0.00042"."""
    parts = [f"{'★ ' if member.winner else ''}{_BADGES[member.status]} {member.label}"]
    _, out, estimated = board.tokens(member)
    cost = board.cost(member)
    if out or cost:
        parts.append(f"{format_tokens(out, estimated)} tok")
        parts.append(format_cost(cost, estimated) + (" partial" if member.partial else ""))
    if member.status in _WORDS:
        parts.append(_WORDS[member.status])
    if len(member.attempts) > 1:
        parts.append(f"{len(member.attempts)} attempts")
    return " · ".join(parts)


def member_body(member: MemberState) -> str:
    """The pane's Markdown: the call's text, then what happened to it."""
    text = member.text
    if member.running and len(text) > _LIVE_TAIL_CHARS:
        text = "…" + text[-_LIVE_TAIL_CHARS:]
    if member.status in ("failed", "cancelled", "retrying", "skipped") and member.note:
        mark = {"failed": "✗", "cancelled": "■", "retrying": "↻", "skipped": "⊘"}[member.status]
        return f"{text}\n{mark} {member.note}" if text else f"{mark} {member.note}"
    if not text:
        return member.note or _PLACEHOLDERS.get(member.status, "")
    return text


def _tally(verdict: Verdict) -> str:
    votes = verdict.details.get("votes")
    if not isinstance(votes, dict) or len(votes) < 2:
        return ""
    def short(key: str) -> str:
        return key if len(key) <= _TALLY_KEY_CHARS else key[: _TALLY_KEY_CHARS - 1] + "…"
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    return " · tally " + ", ".join(f"{short(str(k))!r}×{v}" for k, v in ranked)


def verdict_text(board: MemberBoard) -> str:
    """How the calls were combined: every verdict, then who answered."""
    lines = []
    for verdict in board.verdicts:
        mark = "✓" if verdict.passed else ("✗" if verdict.passed is False else "•")
        lines.append(f"{mark} {verdict.stage}: {verdict.summary}{_tally(verdict)}")
    if not board.finished:
        if not lines:
            lines.append(f"⚖ {board.title}: waiting for the calls…")
        return "\n".join(lines)
    winner = board.winner
    if winner is not None:
        lines.append(f"★ answer from {winner.label}")
    elif not lines:
        lines.append(f"⚖ {board.title}: no answer")
    if board.cancelled_cost > 0:
        lines.append(f"■ cancelled calls spent {format_cost(board.cancelled_cost)} (partial, counted)")
    return "\n".join(lines)


class MemberPane(AnswerScroll):
    """One call: its header in the top border, its text below."""

    can_focus = False
    # The member's state reaches CSS as one class ("-streaming"...).
    status: var[MemberStatus] = var("planned")
    winner: reactive[bool] = reactive(False, toggle_class="-winner")

    def __init__(self, board: MemberBoard, member: MemberState) -> None:
        super().__init__(classes="member-pane -planned")
        self.board = board
        self.member = member
        self._drawn = -1

    def compose(self) -> ComposeResult:
        yield MarkdownView(classes="member-text")

    def on_mount(self) -> None:
        self.set_class(self.member.side, "-side")
        self.follow()
        self.redraw()

    def watch_status(self, old: MemberStatus, new: MemberStatus) -> None:
        self.classes = (self.classes - {f"-{old}"}) | {f"-{new}"}

    @property
    def text(self) -> str:
        """The body as shown (Markdown source)."""
        return self.query_one(MarkdownView).source

    def redraw(self) -> None:
        member = self.member
        # A running member's cost grows with its text, which bumps its version.
        if member.version == self._drawn:
            return
        try:
            body = self.query_one(MarkdownView)
        except NoMatches:  # not composed yet: `on_mount` draws it
            return
        self._drawn = member.version
        self.status = member.status
        self.winner = member.winner
        self.border_title = Content(f" {member_title(self.board, member)} ")
        body.show_markdown(member_body(member))


class MembersPanel(VerticalScroll):
    """Every call of a run's plan, and the verdict; hidden for single-call runs."""

    DEFAULT_CSS = css_beside(__file__, "members.tcss")

    can_focus = False
    active: reactive[bool] = reactive(False, toggle_class="-active")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._board: MemberBoard | None = None
        self._panes: dict[str, MemberPane] = {}
        self._drawn = -1
        self._verdict_text = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="verdict", markup=False)

    def _verdict(self, text: str) -> None:
        if text != self._verdict_text:  # hidden for single-call runs: no layout for nothing
            self._verdict_text = text
            self.query_one("#verdict", Static).update(text)

    @property
    def panes(self) -> list[MemberPane]:
        return list(self._panes.values())

    def reset(self) -> None:
        self._board = None
        self._drawn = -1
        self.active = False
        for pane in self._panes.values():
            pane.remove()
        self._panes.clear()
        self._verdict("")

    def show(self, board: MemberBoard) -> None:
        if board is not self._board:
            self.reset()
            self._board = board
        self.active = board.active
        if not board.active:
            return
        if board.version != self._drawn:
            self._drawn = board.version
            verdict = self.query_one("#verdict", Static)
            for member in board.members.values():
                if member.key not in self._panes:
                    pane = self._panes[member.key] = MemberPane(board, member)
                    self.mount(pane, before=verdict)
            self._verdict(verdict_text(board))
            verdict.set_class(board.finished, "-final")
        for pane in self._panes.values():
            pane.redraw()
