"""The demo's compressed clock: days of canary in seconds, with real requests and real analysis.

:class:`CompressedClock` runs at real speed and *skips* time when asked to sleep (a 48 h hold
is one jump). The rollout controller reads it, and — for the canary phase only — so does the
gateway's trace stamping (:func:`gateway_on_clock`), so the traces the analysis reads and the
holds it checks live on one time line. The clock starts in the past by the total hold time, so
no trace is ever stamped in the future: the demo's canary reads as "the last four days".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from swapsafe.gateway.proxy import Gateway


class CompressedClock:
    """Real time from ``start``, plus whatever was skipped; never ahead of the wall clock."""

    def __init__(
        self,
        start: datetime,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._start = start
        self._monotonic = monotonic
        self._wall = wall
        self._t0 = monotonic()
        self.skipped = 0.0

    @classmethod
    def ending_now(cls, span_seconds: float, margin_seconds: float = 3600.0) -> CompressedClock:
        """A clock that reaches the present after ``span_seconds`` of skips (plus a margin)."""
        return cls(datetime.now(UTC) - timedelta(seconds=span_seconds + margin_seconds))

    def now(self) -> datetime:
        t = self._start + timedelta(seconds=self._monotonic() - self._t0 + self.skipped)
        return min(t, self._wall())

    def skip(self, seconds: float) -> datetime:
        """Let ``seconds`` pass at once (clamped so the clock never passes the wall clock)."""
        if seconds > 0:
            room = (self._wall() - self.now()).total_seconds()
            self.skipped += max(0.0, min(seconds, room))
        return self.now()

    async def sleep(self, seconds: float) -> None:
        self.skip(seconds)
        await asyncio.sleep(0)


@contextmanager
def gateway_on_clock(clock: CompressedClock, gateway: Gateway) -> Iterator[None]:
    """Stamp ``gateway``'s traces with ``clock`` while inside (its ``clock`` seam), then put its
    own clock back."""
    original = gateway.clock
    gateway.clock = clock.now
    try:
        yield
    finally:
        gateway.clock = original
