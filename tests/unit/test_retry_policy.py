import random

import pytest

from playground.core.errors import ErrorKind, ProviderError
from playground.engine.retry import RetryPolicy


def err(kind: ErrorKind, retry_after: float | None = None) -> ProviderError:
    return ProviderError(kind, "x", retry_after_s=retry_after)


def test_default_retry_kinds_exclude_auth_bad_request_and_context() -> None:
    policy = RetryPolicy()
    for kind in (ErrorKind.RATE_LIMITED, ErrorKind.OVERLOADED, ErrorKind.SERVER_ERROR, ErrorKind.TIMEOUT,
                 ErrorKind.CONNECTION):
        assert policy.retries(err(kind))
    for kind in (ErrorKind.AUTH, ErrorKind.BAD_REQUEST, ErrorKind.CONTEXT_TOO_LONG, ErrorKind.CANCELLED):
        assert not policy.retries(err(kind))


def test_backoff_grows_exponentially_within_jitter_and_cap() -> None:
    policy = RetryPolicy(base_delay_s=0.5, multiplier=2, max_delay_s=3, jitter=0.5)
    rng = random.Random(7)
    for index, ceiling in enumerate([0.5, 1.0, 2.0, 3.0, 3.0]):
        samples = [policy.backoff_s(index, rng) for _ in range(200)]
        assert min(samples) >= ceiling * 0.5 - 1e-9
        assert max(samples) <= ceiling + 1e-9
        assert max(samples) - min(samples) > ceiling * 0.3  # jitter actually spreads the delays


def test_no_jitter_is_deterministic() -> None:
    policy = RetryPolicy(base_delay_s=1, jitter=0)
    assert [policy.backoff_s(i, random.Random()) for i in range(3)] == [1, 2, 4]


def test_retry_after_is_honoured_and_bounded() -> None:
    policy = RetryPolicy(max_retry_after_s=5)
    rng = random.Random(1)
    assert policy.delay_s(err(ErrorKind.RATE_LIMITED, 1.25), 0, rng) == 1.25
    assert policy.delay_s(err(ErrorKind.RATE_LIMITED, 60), 0, rng) is None
    policy = RetryPolicy(honor_retry_after=False, jitter=0, base_delay_s=0.1)
    assert policy.delay_s(err(ErrorKind.RATE_LIMITED, 9), 0, rng) == 0.1


def test_invalid_policy() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=2)
