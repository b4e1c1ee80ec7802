"""Map the SDKs' exceptions onto our typed `ProviderError`.

The openai and anthropic SDKs share one generated exception layout
(APIStatusError with `status_code`/`response`/`body`, APITimeoutError,
APIConnectionError), so one mapper serves both; each adapter passes its
SDK's classes (`SdkErrors`), so this module loads neither SDK.

Kinds come from the exception's class, the HTTP status and the error body's
`type` / `code` fields (Anthropic's `overloaded_error` arrives inside a 200
stream). One exception: Anthropic reports a prompt longer than the window
as a plain `invalid_request_error` ("prompt is too long",
https://docs.anthropic.com/en/api/errors), so for a 400 without a code the
body's message is read for that.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass

import httpx2

from playground.core.errors import ErrorKind, ProviderError


@dataclass(frozen=True, slots=True)
class SdkErrors:
    """One SDK's exception classes."""

    base: type[Exception]
    timeout: type[Exception]
    connection: type[Exception]
    status: type[Exception]


_CONTEXT_CODES = frozenset({"context_length_exceeded", "string_above_max_length"})
_CONTEXT_MESSAGES = ("prompt is too long", "maximum context length", "context window", "context length")


def parse_retry_after(headers: httpx2.Headers | None) -> float | None:
    """Seconds to wait, from `retry-after-ms` (preferred, finer) or
    `retry-after` (seconds or an HTTP date)."""
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        return max(0.0, parsed.timestamp() - time.time())


@dataclass(frozen=True, slots=True)
class _Body:
    """The error object of an API error body ({"error": {...}} or flat)."""

    message: str | None
    type: str | None
    code: str | None

    @classmethod
    def of(cls, exc: Exception) -> _Body:
        body = getattr(exc, "body", None)
        inner = body.get("error", body) if isinstance(body, dict) else None
        if not isinstance(inner, dict):
            inner = {}
        explicit = getattr(exc, "type", None)
        error_type = explicit if isinstance(explicit, str) else inner.get("type")
        message, code = inner.get("message"), inner.get("code")
        return cls(str(message) if message else None, str(error_type) if error_type else None,
                   str(code) if code else None)


def _status_kind(status: int, body: _Body) -> ErrorKind:
    if body.type == "overloaded_error" or status == 529:
        return ErrorKind.OVERLOADED
    if status in (401, 403) or body.type in ("authentication_error", "permission_error"):
        return ErrorKind.AUTH
    if status == 429 or body.type == "rate_limit_error":
        return ErrorKind.RATE_LIMITED
    if status in (400, 413, 422) and (body.code in _CONTEXT_CODES or (
            body.code is None and any(m in (body.message or "").lower() for m in _CONTEXT_MESSAGES))):
        return ErrorKind.CONTEXT_TOO_LONG
    if status == 408:
        return ErrorKind.TIMEOUT
    if status >= 500 or body.type in ("api_error", "server_error"):
        return ErrorKind.SERVER_ERROR
    if 400 <= status < 500:
        return ErrorKind.BAD_REQUEST
    return ErrorKind.SERVER_ERROR  # e.g. an error event inside a 200 stream


def map_sdk_error(exc: BaseException, sdk: SdkErrors, provider: str, base_url: str) -> ProviderError:
    """The typed error for an exception raised by `sdk` or the HTTP client.
    Messages are redacted by `ProviderError` (a connection error may quote a
    header; `base_url` may hold user-info)."""
    if isinstance(exc, ProviderError):
        return exc
    # The SDKs let transport errors raised while a stream is read escape
    # unwrapped, so the raw httpx2 classes are mapped too.
    if isinstance(exc, (sdk.timeout, httpx2.TimeoutException)):
        return ProviderError(ErrorKind.TIMEOUT, f"{provider}: request to {base_url} timed out", provider=provider)
    if isinstance(exc, httpx2.TransportError):
        return ProviderError(ErrorKind.CONNECTION, f"{provider}: connection to {base_url} broke ({exc})",
                             provider=provider)
    if isinstance(exc, sdk.connection):
        return ProviderError(
            ErrorKind.CONNECTION,
            f"{provider}: cannot connect to {base_url} ({exc.__cause__ or exc}); check the base URL and that the "
            "server is running",
            provider=provider,
        )
    if isinstance(exc, sdk.status):
        status = int(getattr(exc, "status_code", 0) or 0)
        body = _Body.of(exc)
        kind = _status_kind(status, body)
        message = body.message or str(getattr(exc, "message", None) or exc)
        if kind is ErrorKind.AUTH:
            message = f"{message} (check the API key for {provider})"
        response = getattr(exc, "response", None)
        return ProviderError(
            kind,
            f"{provider}: {message}",
            status=status,
            retry_after_s=parse_retry_after(response.headers if isinstance(response, httpx2.Response) else None),
            provider=provider,
        )
    return ProviderError(ErrorKind.SERVER_ERROR, f"{provider}: {type(exc).__name__}: {exc}", provider=provider)


def incomplete_stream(provider: str, missing: str) -> ProviderError:
    return ProviderError(ErrorKind.CONNECTION,
                         f"{provider}: the stream ended before the answer was complete ({missing})", provider=provider)
