"""How late the worker's event loop runs: one periodic timer measuring its own lateness.

A timer due every ``interval`` seconds notes how late it fired; that lateness is the loop lag.
A busy loop (many ready callbacks per iteration, or one callback holding it) fires its timers
late, an idle one within its clock resolution (about 1 ms). Reading the lag is an attribute
read: nothing is done per request. The gateway's shadow dispatcher reads it through the
:class:`LagSource` protocol, so tests pass a fixed or scripted lag instead of a loaded loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

#: how often the timer fires: a stale reading is at most this old (plus the lag itself)
LAG_INTERVAL = 0.01


class LagSource(Protocol):
    def lag(self) -> float:
        """The event loop's current lag in seconds (0 when on time)."""
        ...


class LoopLagMonitor:
    """A :class:`LagSource` over the running event loop, started on the first reading."""

    def __init__(self, interval: float = LAG_INTERVAL) -> None:
        self.interval = interval
        self.last = 0.0  # the last tick's lateness, seconds
        self.ticks = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._due = 0.0

    def lag(self) -> float:
        if self._handle is None:
            with contextlib.suppress(RuntimeError):  # outside an event loop: nothing to measure
                self.start()
        return self.last

    def start(self) -> None:
        """Start ticking on the running loop (a no-op when already started)."""
        if self._handle is None:
            self._loop = asyncio.get_running_loop()
            self._schedule(self._loop.time())

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def observe(self, due: float, now: float) -> None:
        """Record one tick that was due at ``due`` and ran at ``now`` (loop clock)."""
        self.last = max(0.0, now - due)
        self.ticks += 1

    def _schedule(self, now: float) -> None:
        assert self._loop is not None
        self._due = now + self.interval
        self._handle = self._loop.call_at(self._due, self._tick)

    def _tick(self) -> None:
        assert self._loop is not None
        now = self._loop.time()
        self.observe(self._due, now)
        self._schedule(now)
