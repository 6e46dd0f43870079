"""Pure retry rules: which statuses, Retry-After parsing, jittered backoff, deadline cap."""

from __future__ import annotations

import email.utils

import pytest
from hypothesis import given
from hypothesis import strategies as st

from swapsafe.providers.retry import (
    RetryPolicy,
    is_retryable_status,
    next_delay,
    parse_retry_after,
)


@pytest.mark.parametrize("status", [0, 408, 429, 500, 502, 503, 504, 529])
def test_retryable(status: int) -> None:
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422])
def test_not_retryable(status: int) -> None:
    assert not is_retryable_status(status)


def test_should_retry_false_header_wins() -> None:
    assert not is_retryable_status(503, {"x-should-retry": "false"})
    assert is_retryable_status(503, {"x-should-retry": "true"})


def test_retry_after_seconds_and_ms() -> None:
    assert parse_retry_after({"retry-after": "7"}) == 7.0
    assert parse_retry_after({"retry-after": " 1.5 "}) == 1.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({}) is None
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({"retry-after": "-3"}) is None


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 12, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=now) == pytest.approx(12.0)
    past = email.utils.formatdate(now - 50, usegmt=True)
    assert parse_retry_after({"retry-after": past}, now=now) == 0.0
    assert parse_retry_after({"retry-after": date}) is None


def test_backoff_is_full_jitter_doubling_to_a_cap() -> None:
    policy = RetryPolicy(base=0.5, max_backoff=4.0)
    assert policy.delay(1, rand=lambda: 1.0) == 0.5
    assert policy.delay(2, rand=lambda: 1.0) == 1.0
    assert policy.delay(3, rand=lambda: 1.0) == 2.0
    assert policy.delay(10, rand=lambda: 1.0) == 4.0
    assert policy.delay(3, rand=lambda: 0.0) == 0.0
    assert policy.delay(3, rand=lambda: 0.5) == 1.0


def test_retry_after_replaces_backoff_and_is_capped() -> None:
    policy = RetryPolicy(max_retry_after=30.0)
    assert policy.delay(1, retry_after=3.0, rand=lambda: 1.0) == 3.0
    assert policy.delay(1, retry_after=300.0) == 30.0


def test_next_delay_stops_when_out_of_retries_or_time() -> None:
    policy = RetryPolicy(base=1.0)
    kw = {"retryable": True, "retry_after": None, "rand": lambda: 1.0}
    assert next_delay(policy, attempt=1, retries=2, remaining=10, **kw) == 1.0  # type: ignore[arg-type]
    assert next_delay(policy, attempt=2, retries=2, remaining=10, **kw) == 2.0  # type: ignore[arg-type]
    assert next_delay(policy, attempt=3, retries=2, remaining=10, **kw) is None  # type: ignore[arg-type]
    assert next_delay(policy, attempt=1, retries=2, remaining=0.5, **kw) is None  # type: ignore[arg-type]
    assert next_delay(policy, attempt=1, retries=0, remaining=10, **kw) is None  # type: ignore[arg-type]
    assert (
        next_delay(policy, attempt=1, retries=2, retryable=False, retry_after=None, remaining=10)
        is None
    )
    assert (
        next_delay(policy, attempt=1, retries=2, retryable=True, retry_after=20, remaining=10)
        is None
    )


@given(
    attempt=st.integers(1, 50),
    rand=st.floats(0, 1),
    retry_after=st.none() | st.floats(0, 1e6),
    remaining=st.floats(-10, 1e6),
)
def test_next_delay_never_exceeds_caps_or_the_deadline(
    attempt: int, rand: float, retry_after: float | None, remaining: float
) -> None:
    policy = RetryPolicy()
    delay = next_delay(
        policy,
        attempt=attempt,
        retries=100,
        retryable=True,
        retry_after=retry_after,
        remaining=remaining,
        rand=lambda: rand,
    )
    if delay is not None:
        assert 0 <= delay < remaining
        assert delay <= max(policy.max_backoff, policy.max_retry_after)
