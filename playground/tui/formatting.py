"""Short, fixed-width-friendly renderings of the figures columns show."""

from __future__ import annotations

from playground.core.errors import ErrorKind, ProviderError
from playground.core.pricing import format_usd

# What to do about each kind of failure, when the message does not say it.
_HINTS: dict[ErrorKind, str] = {
    ErrorKind.AUTH: "check the API key",
    ErrorKind.CONNECTION: "check the base URL and that the server is running",
    ErrorKind.CONTEXT_TOO_LONG: "shorten the prompt",
    ErrorKind.NO_MODEL: "configure a provider that serves a suitable model",
    ErrorKind.RATE_LIMITED: "wait a moment and send again",
    ErrorKind.OVERLOADED: "the provider is overloaded; send again later",
    ErrorKind.TIMEOUT: "the provider did not answer in time; send again",
}


def format_tokens(count: int, estimated: bool = False) -> str:
    """"~" marks counts of our own (not the provider's); nothing marks zero."""
    return f"{'~' if estimated and count else ''}{count:,}"


def format_cost(value: float, estimated: bool = False) -> str:
    return f"{'~' if estimated and value else ''}{format_usd(value)}"


def format_ms(ms: float | None) -> str:
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f} s"
    minutes, seconds = divmod(ms / 1000, 60)
    return f"{minutes:.0f}m{seconds:02.0f}s"


def format_rate(tokens_per_s: float | None) -> str:
    return "—" if tokens_per_s is None else f"{tokens_per_s:.0f} tok/s"


def format_relative(cost: float, baseline: float) -> str:
    """Cost against the baseline, as a signed change: "−83%" or "+12%"."""
    if baseline <= 0:
        return "n/a"
    change = (cost - baseline) / baseline * 100
    if abs(change) < 0.5:
        return "±0%"
    return f"{'+' if change > 0 else '−'}{abs(change):.0f}%"


def describe_error(error: ProviderError) -> str:
    """"kind: message; hint" — the hint only when the message lacks one."""
    message = error.message
    hint = _HINTS.get(error.kind)
    if hint and "check" not in message.lower() and hint not in message:
        message = f"{message}; {hint}"
    return f"{error.kind}: {message}"
