"""The answer pane's parts: wrapping streamed text, Markdown to lines, and
the pane itself (streaming, following, the Markdown once done)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from textual import events
from textual.app import App, ComposeResult

from playground.tui.markdown_render import render_markdown
from playground.tui.widgets.answer_pane import AnswerPane, wrap_paragraph


@given(st.text(alphabet=st.sampled_from("ab  cdé漢-"), max_size=200), st.integers(min_value=1, max_value=40))
def test_wrapping_keeps_every_character_in_order_within_the_width(text: str, width: int) -> None:
    from rich.cells import cell_len

    rows = wrap_paragraph(text, width)
    assert "".join(rows).replace(" ", "") == text.replace(" ", "")  # only spaces at breaks go
    assert all(cell_len(row) <= max(width, 2) for row in rows)  # a wide char alone may overflow a 1-cell row
    assert not any(row.startswith(" ") for row in rows[1:] if row.strip())  # rows start with a word


def test_wrapping_breaks_between_words() -> None:
    assert wrap_paragraph("the quick brown fox", 10) == ["the quick", "brown fox"]
    assert wrap_paragraph("abcdefghijkl", 5) == ["abcde", "fghij", "kl"]


def plain(markdown: str, width: int = 40) -> list[str]:
    return [line.plain for line in render_markdown(markdown, width)]


def test_markdown_blocks_render_as_lines() -> None:
    lines = plain("# Title\n\nSome *em*, **strong** and `code`.\n\n- one\n- two that is long enough to wrap here\n"
                  "  - nested\n\n1. first\n2. second\n\n> quoted\n\n---\n", 30)
    assert lines[0] == "Title"
    assert "Some em, strong and code." in lines
    assert "• one" in lines and "• two that is long enough to" in lines and "  wrap here" in lines
    assert "  • nested" in lines
    assert "1. first" in lines and "2. second" in lines
    assert "▌ quoted" in lines
    assert "─" * 30 in lines
    assert not any("*" in line or "`" in line or "#" in line for line in lines)


def test_an_answer_that_markdown_reads_as_an_empty_list_item_is_still_shown() -> None:
    """"4." alone is an ordered list with one empty item to a Markdown parser; shown as nothing,
    a column whose answer was "4." kept saying it waited for the first token."""
    assert [line.plain for line in render_markdown("4.", 40)] == ["4. "]
    assert [line.plain for line in render_markdown("- ", 40)] == ["• "]
    assert [line.plain.rstrip() for line in render_markdown("1.\n2. two", 40)] == ["1.", "2. two"]


def test_code_blocks_wrap_with_a_visible_mark() -> None:
    code = "```python\ndef f(x):\n    return some_really_long_function_name(argument_one, argument_two)\n```\n"
    lines = plain(code, 30)
    assert lines[0] == "▎ def f(x):"
    assert lines[1].startswith("▎     return ")
    assert all(line.startswith("↪ ") for line in lines[2:])  # continuation rows are marked
    code_line = "    return some_really_long_function_name(argument_one, argument_two)"
    assert "".join(line[2:] for line in lines[1:]) == code_line


def test_tables_align_when_they_fit_and_stack_when_they_do_not() -> None:
    table = "| name | value |\n|---|---|\n| a | 1 |\n| bb | 22 |\n"
    assert plain(table, 40)[:4] == ["name │ value", "─────┼──────", "a    │ 1    ", "bb   │ 22   "]
    wide = "| first column | second column | third column |\n|---|---|---|\n| x | y | z |\n"
    stacked = plain(wide, 20)
    assert stacked[:3] == ["first column: x", "second column: y", "third column: z"]


def wheel_up(widget: AnswerPane) -> events.MouseScrollUp:
    """A mouse wheel event over the pane (what the terminal sends)."""
    return events.MouseScrollUp(widget, 1, 1, 0, 0, 0, False, False, False)


def wheel_down(widget: AnswerPane) -> events.MouseScrollDown:
    return events.MouseScrollDown(widget, 1, 1, 0, 0, 0, False, False, False)


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield AnswerPane(id="pane")


async def test_the_pane_streams_follows_a_page_at_a_time_and_renders_markdown_at_the_end() -> None:
    app = PaneApp()
    async with app.run_test(size=(30, 10)) as pilot:
        pane = app.query_one(AnswerPane)
        pane.set_placeholder("waiting…")
        await pilot.pause()
        assert pane.row_count == 0 and pane.placeholder == "waiting…"
        words = " ".join(f"word{i}" for i in range(60))
        for start in range(0, len(words), 7):
            pane.append(words[start:start + 7])
        assert pane.source == words and pane.text == words
        assert pane.row_count > pane.size.height
        # Following: the end is in view, with room under it (a page at a time).
        assert pane.top + pane.size.height > pane.row_count - 1 >= pane.top
        assert pane.following
        # Reading back stops the following; new text does not move the view.
        pane._on_mouse_scroll_up(wheel_up(pane))
        top = pane.top
        assert not pane.following
        pane.append(" more text")
        assert pane.top == top
        for _ in range(100):
            pane._on_mouse_scroll_down(wheel_down(pane))
        assert pane.following
        # The end of the run: the Markdown replaces the plain text, at the end.
        pane.render_markdown("# Done\n\n" + words)
        await pilot.pause()
        assert pane.rendered and pane.source == "# Done\n\n" + words
        assert pane.row_text(0) == "Done"
        assert pane.scroll_y == pane.max_scroll_y > 0
        pane.clear()
        assert pane.source == "" and pane.scroll_y == 0 and pane.row_count == 0
