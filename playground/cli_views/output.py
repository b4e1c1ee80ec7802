"""The one way the CLI prints: standard output for results, standard error
for notices and errors, JSON for `--json`. Every line passes `redact` here,
at the boundary, so no key reaches a terminal, a pipe or a log, whatever
message carried it; text that cannot be encoded is escaped, not a crash."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

from playground.core.redact import redact

EXIT_OK = 0
EXIT_REQUEST_FAILED = 1
EXIT_USER_ERROR = 2
# EX_SOFTWARE: a bug, reported in one line (PLAYGROUND_DEBUG=1 adds the traceback).
EXIT_INTERNAL = 70
DEBUG_ENV = "PLAYGROUND_DEBUG"
_MAX_INTERNAL_MESSAGE = 300


def _write(stream: TextIO, text: str) -> None:
    text = redact(text)
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
    stream.flush()


def out(text: str) -> None:
    """Results on standard output (`text` carries its own newlines)."""
    _write(sys.stdout, text)


def say(line: str) -> None:
    """A notice or message for the user, on standard error."""
    _write(sys.stderr, line + "\n")


def to_json(data: Any, *, indent: int | None = None) -> str:
    """Strict JSON: a NaN or infinity is a bug upstream, never `Infinity` in output."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=indent)


def emit_json(data: Any, *, indent: int | None = None) -> None:
    out(to_json(data, indent=indent) + "\n")


def report_error(message: str) -> None:
    say(f"playground: error: {message}")


def report_internal_error(exc: BaseException) -> None:
    detail = str(exc)
    if len(detail) > _MAX_INTERNAL_MESSAGE:
        detail = detail[:_MAX_INTERNAL_MESSAGE] + "…"
    say(f"playground: internal error: {type(exc).__name__}: {detail} (a bug; please report it with the command "
        f"line, and set {DEBUG_ENV}=1 to see where it happened)")
    if os.environ.get(DEBUG_ENV):
        import traceback

        _write(sys.stderr, "".join(traceback.format_exception(exc)))
