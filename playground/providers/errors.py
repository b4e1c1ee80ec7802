"""Map both SDKs' exceptions onto our typed `ProviderError`.

The openai and anthropic SDKs share one generated exception layout
(APIStatusError with `status_code`/`response`, APITimeoutError,
APIConnectionError), so one mapper serves both.
"""

from __future__ import annotations

import email.utils
import time

import anthropic
import httpx2
import openai

from playground.core.errors import ErrorKind, ProviderError

_TIMEOUT = (openai.APITimeoutError, anthropic.APITimeoutError)
_CONNECTION = (openai.APIConnectionError, anthropic.APIConnectionError)
_STATUS = (openai.APIStatusError, anthropic.APIStatusError)

_CONTEXT_MARKERS = ("context_length_exceeded", "prompt is too long", "maximum context length", "context window")


def parse_retry_after(headers: object) -> float | None:
    """Seconds to wait, from `retry-after-ms` (preferred, finer) or
    `retry-after` (seconds or an HTTP date)."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    raw_ms = get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(raw) if raw else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _status_kind(status: int, text: str, error_type: str | None) -> ErrorKind:
    lowered = text.lower()
    if error_type == "overloaded_error" or status == 529:
        return ErrorKind.OVERLOADED
    if status in (401, 403):
        return ErrorKind.AUTH
    if status == 429:
        return ErrorKind.RATE_LIMITED
    if status in (400, 413, 422) and any(marker in lowered for marker in _CONTEXT_MARKERS):
        return ErrorKind.CONTEXT_TOO_LONG
    if status == 408:
        return ErrorKind.TIMEOUT
    if status >= 500:
        return ErrorKind.SERVER_ERROR
    if 400 <= status < 500:
        return ErrorKind.BAD_REQUEST
    return ErrorKind.SERVER_ERROR  # e.g. an error event inside a 200 stream


def _status_message(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(getattr(exc, "message", None) or exc)


def _error_type(exc: Exception) -> str | None:
    explicit = getattr(exc, "type", None)
    if isinstance(explicit, str):
        return explicit
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            value = inner.get("type") or inner.get("code")
            return str(value) if value else None
    return None


def map_sdk_error(exc: BaseException, provider: str, base_url: str) -> ProviderError:
    if isinstance(exc, ProviderError):
        return exc
    # The Anthropic SDK lets transport errors raised while a stream is read
    # escape unwrapped, so the raw httpx2 classes are mapped too.
    if isinstance(exc, _TIMEOUT) or isinstance(exc, httpx2.TimeoutException):
        return ProviderError(ErrorKind.TIMEOUT, f"{provider}: request to {base_url} timed out", provider=provider)
    if isinstance(exc, httpx2.TransportError):
        return ProviderError(
            ErrorKind.CONNECTION, f"{provider}: connection to {base_url} broke ({exc})", provider=provider
        )
    if isinstance(exc, _CONNECTION):
        return ProviderError(
            ErrorKind.CONNECTION,
            f"{provider}: cannot connect to {base_url} ({exc.__cause__ or exc}); check the base URL and that the server is running",
            provider=provider,
        )
    if isinstance(exc, _STATUS):
        status = int(exc.status_code)
        message = _status_message(exc)
        error_type = _error_type(exc)
        kind = _status_kind(status, f"{message} {error_type or ''}", error_type)
        if kind is ErrorKind.AUTH:
            message = f"{message} (check the API key for {provider})"
        return ProviderError(
            kind,
            f"{provider}: {message}",
            status=status,
            retry_after_s=parse_retry_after(exc.response.headers),
            provider=provider,
        )
    return ProviderError(ErrorKind.SERVER_ERROR, f"{provider}: {type(exc).__name__}: {exc}", provider=provider)


def incomplete_stream(provider: str, missing: str) -> ProviderError:
    return ProviderError(ErrorKind.CONNECTION, f"{provider}: the stream ended before the answer was complete ({missing})",
                         provider=provider)
