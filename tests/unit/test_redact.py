"""The one redaction function: keys never reach output, references to them do."""

from __future__ import annotations

from playground.core.redact import HIDDEN, redact, secret_values
from tests.helpers.env import fake_key


def test_values_of_key_variables_are_hidden_even_with_trailing_whitespace() -> None:
    key = fake_key("sk-proj", "Abc123def456ghi")
    env = {"OPENAI_API_KEY": key + "\r\n", "HOME": "/home/me", "MY_SERVICE_TOKEN": "tok-0987654321"}
    secrets = secret_values(env)
    assert key in secrets and "tok-0987654321" in secrets and "/home/me" not in secrets
    text = f"connection error: header 'Bearer {key}\r' rejected; token tok-0987654321"
    shown = redact(text, secrets)
    assert key not in shown and "tok-0987654321" not in shown and HIDDEN in shown


def test_key_shapes_auth_headers_and_url_userinfo_are_hidden_without_knowing_the_value() -> None:
    key = fake_key("sk-ant", "api03-XyZ0123456789")
    groq = fake_key("gsk", "0123456789abcdefABCDEF")
    for text, secret in [
        (f"bad key {key} given", key),
        (f"GROQ_API_KEY={groq}", groq),
        ("Authorization: Bearer abc.DEF-123_xyz", "abc.DEF-123_xyz"),
        ('{"x-api-key": "zz9plural-z-alpha"}', "zz9plural-z-alpha"),
        ("https://admin:hunter2hunter2@example.com/v1", "admin:hunter2hunter2"),
    ]:
        shown = redact(text, [])
        assert secret not in shown, shown
        assert HIDDEN in shown


def test_references_and_prose_are_left_alone() -> None:
    for text in [
        "api_key: os.environ/OPENAI_API_KEY",
        '"api_key": "${ANTHROPIC_API_KEY}"',
        "api_key_env = OPENAI_API_KEY",
        "Design a multi-region key-value store with sk-learn-style pipelines",
        "http://127.0.0.1:8765/v1",
    ]:
        assert redact(text, []) == text
