"""Keys are read stripped, refused (by variable name, never by value) when
they hold control or non-ASCII characters, and no key or URL user-info ever
reaches an error message, a repr or `--json`."""

from __future__ import annotations

import json

import pytest

from playground.core.catalog import default_catalog
from playground.core.errors import ErrorKind, ProviderError, UserError
from playground.core.messages import ChatRequest
from playground.engine.session import Session, SessionOptions
from playground.providers.endpoints import real_endpoints
from playground.strategies.registry import make_strategy
from tests.helpers.env import fake_key

CATALOG = default_catalog()
KEY = fake_key("sk-proj", "SENTINEL0123456789abcdef")


def test_a_key_pasted_with_a_windows_line_end_is_stripped() -> None:
    endpoints = real_endpoints(CATALOG, {"OPENAI_API_KEY": f"  {KEY}\r\n"})
    assert endpoints["openai"].api_key == KEY


@pytest.mark.parametrize("bad", [f"{KEY[:10]}\x07{KEY[10:]}", f"{KEY}\nsecond-line", "sk-clé-0123456789"])
def test_a_key_with_control_or_non_ascii_characters_is_refused_by_name(bad: str) -> None:
    with pytest.raises(UserError) as caught:
        real_endpoints(CATALOG, {"OPENAI_API_KEY": bad})
    message = str(caught.value)
    assert "OPENAI_API_KEY" in message and "control, space or non-ASCII" in message
    assert bad.strip() not in message and KEY[:12] not in message


def test_provider_errors_are_redacted_when_stored() -> None:
    error = ProviderError(ErrorKind.CONNECTION, f"openai: connection to https://me:{KEY}@api.example.com/v1 broke "
                                                f"(Authorization: Bearer {KEY}\r)")
    assert KEY not in error.message and KEY not in str(error) and KEY not in repr(error)
    assert "https://***@api.example.com/v1" in error.message


async def test_a_connection_error_never_shows_the_key_or_url_userinfo() -> None:
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": f"http://user:{KEY}@127.0.0.1:9/v1"}
    with Session.open(SessionOptions(), env=env) as session:
        assert KEY not in repr(session.endpoints) and "***@127.0.0.1" in session.endpoints["openai"].shown_url
        engine = session.make_engine()
        try:
            result = await engine.run(make_strategy("fixed", CATALOG, {"model": "gpt-5-mini"}),
                                      ChatRequest.from_prompt("hi", max_output_tokens=10))
        finally:
            await engine.pool.aclose()
    assert result.error is not None and result.error.kind is ErrorKind.CONNECTION
    text = json.dumps(result.to_dict())
    assert KEY not in text and "user:" not in text and "***@127.0.0.1" in text


def test_no_simulator_and_no_key_is_a_clear_error() -> None:
    with pytest.raises(UserError, match="no provider is configured"):
        Session.open(SessionOptions(), env={})


def test_models_never_shows_url_userinfo(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from playground.cli import main

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"https://user:{KEY}@llm.example.com/v1")
    assert main(["models", "--json"]) == 0
    out = capsys.readouterr().out
    assert KEY not in out and "https://***@llm.example.com/v1" in out
