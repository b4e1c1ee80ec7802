"""The send key must send what was typed before it, even when the keys arrive
faster than the prompt takes them in.

The terminal hands the app every byte it has at once: a paste without bracketed
paste, a fast typist while eight columns stream, or `tmux send-keys`. Send is a
priority binding (it works wherever focus is), so the app takes it as it
arrives, while the characters before it may still wait in the prompt's own
queue. Found driving the app in tmux: "What is 2+2? Answer with one number."
then Ctrl+S sent "What".
"""

from __future__ import annotations

from textual import events

from tests.helpers.tui import ended, ready, sim_app, wait_for


def _burst(app: object, text: str, send_key: str) -> None:
    """Post the keys as the driver does, without waiting for the app between them."""
    post = app.post_message  # type: ignore[attr-defined]
    for char in text:
        post(events.Key("space" if char == " " else char, char))
    post(events.Key(send_key, None))


async def test_a_burst_of_keys_then_send_sends_the_whole_prompt() -> None:
    prompt = "What is 2+2? Answer with one number."
    app = sim_app(strategies=["fixed"])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        view = app.main_screen
        _burst(app, prompt, "ctrl+s")
        column = view.columns[0]
        await wait_for(pilot, lambda: column.current is not None and ended(column), "the run")
        assert view.prompt_area.text == prompt
        assert column.answer.markdown == "4.", "the answer to the whole question, not to its first word"


async def test_a_paste_then_send_sends_the_pasted_prompt() -> None:
    """A bracketed paste arrives as one event; Ctrl+S right behind it sends the pasted text."""
    app = sim_app(strategies=["fixed"])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        view = app.main_screen
        app.post_message(events.Paste("What is 17 * 3?"))
        app.post_message(events.Key("f5", None))
        column = view.columns[0]
        await wait_for(pilot, lambda: column.current is not None and ended(column), "the run")
        assert view.prompt_area.text == "What is 17 * 3?"
        assert column.answer.markdown == "51."


async def test_editing_keys_in_a_burst_apply_where_they_were_typed() -> None:
    """A backspace, a cursor move and Ctrl+K typed among characters act where they were typed
    (Textual resolves bound keys after bubbling to the app, behind the next characters)."""
    app = sim_app(strategies=["fixed"])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        view = app.main_screen
        post = app.post_message
        for key, char in (("b", "b"), ("a", "a"), ("backspace", None), ("c", "c"),
                          ("left", None), ("x", "x"), ("ctrl+k", None), ("end", None), ("y", "y")):
            post(events.Key(key, char))
        await wait_for(pilot, lambda: "y" in view.prompt_area.text, "the keys to be taken in")
        # b, a, ⌫ → "b"; c → "bc"; ← → cursor before c; x → "bxc"; ^K → "bx"; End, y → "bxy".
        assert view.prompt_area.text == "bxy"
