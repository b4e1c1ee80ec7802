"""One retry budget per request, shared by retries and fallbacks, so attempts
never multiply across layers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from playground.core.errors import ErrorKind, ProviderError

DEFAULT_RETRY_ON = frozenset(
    {ErrorKind.RATE_LIMITED, ErrorKind.OVERLOADED, ErrorKind.SERVER_ERROR, ErrorKind.TIMEOUT, ErrorKind.CONNECTION}
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    # Attempts for one request in total: first call, retries and fallbacks.
    # Six keeps a request answered 99% of the time even when 40% of calls fail.
    max_attempts: int = 6
    # Retries on the same model before moving down the fallback chain.
    retries_per_model: int = 1
    base_delay_s: float = 0.25
    multiplier: float = 2.0
    max_delay_s: float = 8.0
    # Fraction of each delay that is randomised ("full jitter" at 1.0).
    jitter: float = 0.5
    retry_on: frozenset[ErrorKind] = DEFAULT_RETRY_ON
    honor_retry_after: bool = True
    # A server asking for a longer wait than this is treated as unavailable: fall back instead.
    max_retry_after_s: float = 20.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.retries_per_model < 0 or self.base_delay_s < 0 or self.max_delay_s < 0:
            raise ValueError("retries_per_model and delays must not be negative")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be within 0..1")

    def retries(self, error: ProviderError) -> bool:
        return error.kind in self.retry_on

    def backoff_s(self, retry_index: int, rng: random.Random) -> float:
        """Exponential backoff for the n-th retry (0-based), with jitter."""
        ceiling = min(self.max_delay_s, self.base_delay_s * self.multiplier**retry_index)
        return ceiling * (1 - self.jitter) + ceiling * self.jitter * rng.random()

    def delay_s(self, error: ProviderError, retry_index: int, rng: random.Random) -> float | None:
        """How long to wait before retrying the same model, or None when the
        server asked for more than we are willing to wait."""
        if self.honor_retry_after and error.retry_after_s is not None:
            if error.retry_after_s > self.max_retry_after_s:
                return None
            return error.retry_after_s
        return self.backoff_s(retry_index, rng)


@dataclass
class RequestBudget:
    """What is left of one request's attempts and time."""

    policy: RetryPolicy
    deadline: float
    attempts_used: int = 0
    retries_used: int = 0
    fallbacks_used: int = 0
    rng: random.Random = field(default_factory=random.Random)

    @property
    def attempts_left(self) -> int:
        return self.policy.max_attempts - self.attempts_used

    def remaining_s(self, now: float) -> float:
        return max(0.0, self.deadline - now)
