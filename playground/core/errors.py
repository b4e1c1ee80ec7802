"""Typed errors. Provider failures carry a kind the engine can act on; user
mistakes are `UserError`s whose message is shown as-is (never a traceback)."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from playground.core.redact import redact


class UserError(Exception):
    """A mistake the user can fix; the message says what and how."""


class ErrorKind(StrEnum):
    RATE_LIMITED = "rate_limited"
    OVERLOADED = "overloaded"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    AUTH = "auth"
    BAD_REQUEST = "bad_request"
    CONTEXT_TOO_LONG = "context_too_long"
    CANCELLED = "cancelled"
    NO_MODEL = "no_model"
    # An exception nobody expected (a bug, an SDK surprise): the attempt
    # fails with it instead of escaping the engine.
    INTERNAL = "internal"


# Kinds that describe a problem with the request, the credentials or our own
# code: retrying the same model cannot help and they say nothing about the
# endpoint's health.
NON_RETRYABLE = frozenset(
    {ErrorKind.AUTH, ErrorKind.BAD_REQUEST, ErrorKind.CONTEXT_TOO_LONG, ErrorKind.NO_MODEL, ErrorKind.INTERNAL}
)


class NoRoute(UserError):
    """A strategy cannot route this request. `kind` is what the request ends
    with, so the engine never reads it from the message."""

    kind: ClassVar[ErrorKind] = ErrorKind.NO_MODEL


class NoModelFits(NoRoute):
    """No available model's context window can hold the request."""

    kind: ClassVar[ErrorKind] = ErrorKind.CONTEXT_TOO_LONG


class ProviderError(Exception):
    """A failed call. The message is redacted when stored: an SDK or
    connection error may quote a header (`Bearer sk-…`) or a URL with
    user-info, and this message reaches stderr, `--json` and history."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after_s: float | None = None,
        provider: str | None = None,
    ) -> None:
        message = redact(message)
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_after_s = retry_after_s
        self.provider = provider

    @property
    def retryable(self) -> bool:
        return self.kind not in NON_RETRYABLE and self.kind is not ErrorKind.CANCELLED

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"type": str(self.kind), "message": self.message}
        if self.status is not None:
            data["status"] = self.status
        if self.retry_after_s is not None:
            data["retry_after_s"] = self.retry_after_s
        return data

    def __repr__(self) -> str:
        return f"ProviderError({self.kind!s}, {self.message!r}, status={self.status})"
