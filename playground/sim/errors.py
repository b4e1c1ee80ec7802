"""Protocol-neutral simulator errors, rendered in each API's real error shape
so the official SDKs raise their proper exception classes.

The request path (validation, auth, fault plans) raises `SimError`; the
dialect of the endpoint decides how it looks on the wire.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class SimErrorKind(StrEnum):
    INVALID_REQUEST = "invalid_request"
    AUTHENTICATION = "authentication"
    NOT_FOUND = "not_found"
    CONTEXT_TOO_LONG = "context_too_long"
    RATE_LIMITED = "rate_limited"
    API_ERROR = "api_error"
    OVERLOADED = "overloaded"


_STATUS = {
    SimErrorKind.INVALID_REQUEST: 400,
    SimErrorKind.AUTHENTICATION: 401,
    SimErrorKind.NOT_FOUND: 404,
    SimErrorKind.CONTEXT_TOO_LONG: 400,
    SimErrorKind.RATE_LIMITED: 429,
    SimErrorKind.API_ERROR: 500,
    SimErrorKind.OVERLOADED: 529,
}
# (error.type, error.code) as OpenAI sends them.
_OPENAI = {
    SimErrorKind.INVALID_REQUEST: ("invalid_request_error", None),
    SimErrorKind.AUTHENTICATION: ("invalid_request_error", "invalid_api_key"),
    SimErrorKind.NOT_FOUND: ("invalid_request_error", "model_not_found"),
    SimErrorKind.CONTEXT_TOO_LONG: ("invalid_request_error", "context_length_exceeded"),
    SimErrorKind.RATE_LIMITED: ("requests", "rate_limit_exceeded"),
    SimErrorKind.API_ERROR: ("server_error", None),
    SimErrorKind.OVERLOADED: ("server_error", "overloaded"),
}
# error.type as Anthropic sends it.
_ANTHROPIC = {
    SimErrorKind.INVALID_REQUEST: "invalid_request_error",
    SimErrorKind.AUTHENTICATION: "authentication_error",
    SimErrorKind.NOT_FOUND: "not_found_error",
    SimErrorKind.CONTEXT_TOO_LONG: "invalid_request_error",
    SimErrorKind.RATE_LIMITED: "rate_limit_error",
    SimErrorKind.API_ERROR: "api_error",
    SimErrorKind.OVERLOADED: "overloaded_error",
}


class SimError(Exception):
    """An error response. `anthropic_message` overrides `message` where the
    two APIs word the same error differently."""

    def __init__(
        self,
        kind: SimErrorKind,
        message: str,
        *,
        status: int | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
        anthropic_message: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status if status is not None else _STATUS[kind]
        self.param = param
        self.headers = dict(headers or {})
        self.anthropic_message = anthropic_message
        self.code = code  # OpenAI's error.code, when it differs from the kind's usual one

    def openai_body(self) -> dict[str, Any]:
        error_type, code = _OPENAI[self.kind]
        return {"error": {"message": self.message, "type": error_type, "param": self.param, "code": self.code or code}}

    def anthropic_body(self) -> dict[str, Any]:
        return {
            "type": "error",
            "error": {"type": _ANTHROPIC[self.kind], "message": self.anthropic_message or self.message},
        }

    def __repr__(self) -> str:
        return f"SimError({self.kind!s}, {self.message!r}, status={self.status})"


def bad_request(
    message: str, *, param: str | None = None, anthropic_message: str | None = None, code: str | None = None
) -> SimError:
    return SimError(SimErrorKind.INVALID_REQUEST, message, param=param, anthropic_message=anthropic_message, code=code)


def unknown_model(name: str) -> SimError:
    return SimError(
        SimErrorKind.NOT_FOUND,
        f"The model `{name}` does not exist or you do not have access to it.",
        param="model",
        anthropic_message=f"model: {name}",
    )


def invalid_api_key(given: str | None) -> SimError:
    shown = "none" if not given else (given[:3] + "*" * 4 + given[-4:] if len(given) > 8 else "*" * len(given))
    return SimError(
        SimErrorKind.AUTHENTICATION,
        f"Incorrect API key provided: {shown}. The simulator was started with --api-key; use that key.",
        anthropic_message="invalid x-api-key",
    )


def context_too_long(model: str, window: int, input_tokens: int, max_tokens: int | None) -> SimError:
    requested = input_tokens + (max_tokens or 0)
    completion = f" and {max_tokens} in the completion" if max_tokens else ""
    return SimError(
        SimErrorKind.CONTEXT_TOO_LONG,
        f"This model's maximum context length is {window} tokens. However, you requested {requested} tokens "
        f"({input_tokens} in the messages{completion}). Please reduce the length of the messages or completion.",
        param="messages",
        anthropic_message=f"prompt is too long: {input_tokens} tokens + max_tokens {max_tokens or 0} "
        f"> {window} maximum for {model}",
    )


# --- Injected faults ------------------------------------------------------------


def rate_limited(model: str, retry_after_ms: int) -> SimError:
    """A 429 with both headers: `retry-after` in whole seconds (at least 1, as
    the HTTP header allows no fractions) and the more precise `retry-after-ms`."""
    seconds = max(1, -(-retry_after_ms // 1000))
    return SimError(
        SimErrorKind.RATE_LIMITED,
        f"Rate limit reached for {model} (simulated) on requests per min (RPM). "
        f"Please try again in {retry_after_ms}ms.",
        headers={"retry-after": str(seconds), "retry-after-ms": str(retry_after_ms)},
        anthropic_message=f"This request would exceed the rate limit for {model} (simulated). "
        f"Please try again in {retry_after_ms}ms.",
    )


def server_error(status: int) -> SimError:
    if status == 503:
        message = "The server is temporarily unable to handle the request (simulated). Please try again later."
    else:
        message = "The server had an error while processing your request (simulated). Please retry your request."
    return SimError(SimErrorKind.API_ERROR, message, status=status, anthropic_message=message)


def overloaded() -> SimError:
    """Anthropic's 529 `overloaded_error`; before the first byte it is an HTTP
    529, mid-stream an `event: error` (the SDK then reports status 200)."""
    return SimError(SimErrorKind.OVERLOADED, "The server is overloaded (simulated). Please try again later.",
                    anthropic_message="Overloaded")
