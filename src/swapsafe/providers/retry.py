"""Retry decisions and backoff schedule (pure: no I/O, no clock, randomness passed in).

Retried: 408, 429, every 5xx, and failures before any response arrived (connect errors,
resets, timeouts while time is left). Never retried: any other 4xx, a response that says
``x-should-retry: false``, and a stream that already started (status 200 received).
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

RETRYABLE_STATUSES = frozenset({408, 429})


def is_retryable_status(status: int, headers: Mapping[str, str] | None = None) -> bool:
    """True when an upstream HTTP status may be retried (``status`` 0 means no response)."""
    if headers is not None and headers.get("x-should-retry") == "false":
        return False
    return status == 0 or status >= 500 or status in RETRYABLE_STATUSES


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms``, or ``retry-after`` (seconds or HTTP-date).

    ``headers`` keys must be lower-case. ``now`` is the wall-clock time (epoch seconds) used for
    HTTP-dates; None means "unknown" and HTTP-dates are then ignored.
    """
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            value = -1.0
        if value >= 0:
            return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        if now is None:
            return None
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        return max(0.0, when.timestamp() - now)
    return seconds if seconds >= 0 else None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff: full jitter over ``base * 2**(retry-1)`` capped at ``max_backoff``.

    A ``Retry-After`` from the upstream replaces the jittered delay, capped at
    ``max_retry_after``. A delay that would not finish before the deadline ends retrying.
    """

    base: float = 0.25
    max_backoff: float = 8.0
    max_retry_after: float = 30.0

    def delay(
        self,
        retry_number: int,
        *,
        retry_after: float | None = None,
        rand: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait before retry number ``retry_number`` (1 for the first retry)."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        ceiling = min(self.max_backoff, self.base * 2.0 ** max(0, retry_number - 1))
        return ceiling * rand()


def next_delay(
    policy: RetryPolicy,
    *,
    attempt: int,
    retries: int,
    retryable: bool,
    retry_after: float | None,
    remaining: float,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to sleep before the next attempt, or None to stop and raise the last error.

    ``attempt`` is the number of attempts made so far (>= 1); ``remaining`` the seconds left
    before the deadline.
    """
    if not retryable or attempt > retries or remaining <= 0:
        return None
    delay = policy.delay(attempt, retry_after=retry_after, rand=rand)
    if delay >= remaining:
        return None
    return delay
