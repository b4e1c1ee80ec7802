"""Error kinds come from the SDK exception's class, the HTTP status and the
error body's `type`/`code`: built here with the SDKs' own exception classes."""

from __future__ import annotations

import anthropic
import httpx2
import openai
import pytest

from playground.core.errors import ErrorKind, NoModelFits, NoRoute
from playground.providers.anthropic_provider import SDK_ERRORS as ANTHROPIC
from playground.providers.errors import map_sdk_error, parse_retry_after
from playground.providers.openai_provider import SDK_ERRORS as OPENAI

REQUEST = httpx2.Request("POST", "https://api.example.com/v1/chat/completions")


def response(status: int, **headers: str) -> httpx2.Response:
    return httpx2.Response(status, request=REQUEST, headers=headers)


@pytest.mark.parametrize(("status", "body", "kind"), [
    (400, {"error": {"message": "This model's maximum context length is 128000 tokens",
                     "code": "context_length_exceeded"}}, ErrorKind.CONTEXT_TOO_LONG),
    (400, {"error": {"message": "Invalid value for temperature", "code": "invalid_value"}}, ErrorKind.BAD_REQUEST),
    (401, {"error": {"message": "Incorrect API key provided"}}, ErrorKind.AUTH),
    (404, {"error": {"message": "The model does not exist"}}, ErrorKind.BAD_REQUEST),
    (429, {"error": {"message": "Rate limit reached"}}, ErrorKind.RATE_LIMITED),
    (503, {"error": {"message": "The server is overloaded"}}, ErrorKind.SERVER_ERROR),
])
def test_openai_status_errors(status: int, body: object, kind: ErrorKind) -> None:
    exc = openai.APIStatusError("error", response=response(status), body=body)
    assert map_sdk_error(exc, OPENAI, "openai", "https://api.example.com/v1").kind is kind


@pytest.mark.parametrize(("status", "body", "kind"), [
    (200, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, ErrorKind.OVERLOADED),
    (529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, ErrorKind.OVERLOADED),
    (400, {"type": "error", "error": {"type": "invalid_request_error", "message": "prompt is too long: 210000 tokens"}},
     ErrorKind.CONTEXT_TOO_LONG),
    (400, {"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: too large"}},
     ErrorKind.BAD_REQUEST),
    (403, {"type": "error", "error": {"type": "permission_error", "message": "no access"}}, ErrorKind.AUTH),
    (500, {"type": "error", "error": {"type": "api_error", "message": "oops"}}, ErrorKind.SERVER_ERROR),
])
def test_anthropic_status_errors(status: int, body: object, kind: ErrorKind) -> None:
    exc = anthropic.APIStatusError("error", response=response(status), body=body)
    assert map_sdk_error(exc, ANTHROPIC, "anthropic", "https://api.anthropic.com").kind is kind


def test_retry_after_is_read_from_the_headers() -> None:
    exc = openai.RateLimitError("slow down", response=response(429, **{"retry-after-ms": "1500", "retry-after": "2"}),
                                body=None)
    error = map_sdk_error(exc, OPENAI, "openai", "u")
    assert error.kind is ErrorKind.RATE_LIMITED and error.retry_after_s == 1.5 and error.status == 429
    assert parse_retry_after(httpx2.Headers({"retry-after": "3"})) == 3.0
    assert parse_retry_after(httpx2.Headers({"retry-after": "not a date"})) is None


def test_transport_errors() -> None:
    assert map_sdk_error(openai.APITimeoutError(request=REQUEST), OPENAI, "openai", "u").kind is ErrorKind.TIMEOUT
    assert map_sdk_error(httpx2.ReadError("reset"), ANTHROPIC, "anthropic", "u").kind is ErrorKind.CONNECTION
    connect = map_sdk_error(openai.APIConnectionError(request=REQUEST), OPENAI, "openai", "http://x")
    assert connect.kind is ErrorKind.CONNECTION and "check the base URL" in connect.message


def test_routing_refusals_carry_their_own_kind() -> None:
    assert NoModelFits("too long").kind is ErrorKind.CONTEXT_TOO_LONG
    assert NoRoute("nothing fits the budget").kind is ErrorKind.NO_MODEL
