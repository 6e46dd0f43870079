"""Slow page inputs computed off the request path: the gate reports of the overview and the
report data of ``/report`` take seconds on a large store (baselines, bootstrap intervals), so
pages serve the last result for up to ``ttl`` seconds, then serve it once more while one
background thread computes the next (stale-while-revalidate). Only the very first load of a
key waits for the computation, and ``swapsafe serve`` starts those at start-up (``warm``), so
a page opened once they are done never waits; one opened before waits for the computation
already running, never starts a second. Every value carries the time it was computed, and the pages
show it ("as of 14:02 UTC"), so nobody mistakes an older result for a live one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from swapsafe.exceptions import SwapsafeError

log = logging.getLogger("swapsafe.web")
T = TypeVar("T")


@dataclass(frozen=True)
class Computed(Generic[T]):
    value: T
    at: datetime  # wall clock, UTC: shown on the page
    mono: float  # monotonic: for the age


class Refreshing(Generic[T]):
    """Values by key, recomputed in the background once older than ``ttl`` seconds."""

    def __init__(
        self, ttl: float, clock: Callable[[], float] = time.monotonic, what: str = "value"
    ) -> None:
        self.ttl = ttl
        self.what = what  # what a value is, for the log: "gate report"
        self.clock = clock
        self._values: dict[str, Computed[T]] = {}
        self._running: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def get(self, key: str, compute: Callable[[], T]) -> Computed[T]:
        with self._lock:
            hit = self._values.get(key)
            if hit is not None and self.clock() - hit.mono < self.ttl:
                return hit
            if hit is not None:
                self._start(key, compute)
                return hit
            first = self._running.get(key)
        if first is not None:  # the first computation (a warm-up) is running: wait for it
            first.join()
            with self._lock:
                hit = self._values.get(key)
            if hit is not None:
                return hit
        return self._store(key, compute())

    def warm(self, key: str, compute: Callable[[], T]) -> threading.Thread | None:
        """Compute ``key`` in the background now unless it is known; the computing thread."""
        with self._lock:
            return None if key in self._values else self._start(key, compute)

    def _start(self, key: str, compute: Callable[[], T]) -> threading.Thread:
        """The one background computation of ``key``, started now if none runs (the caller
        holds the lock)."""
        thread = self._running.get(key)
        if thread is None:
            thread = threading.Thread(target=self._refresh, args=(key, compute), daemon=True)
            self._running[key] = thread
            thread.start()
        return thread

    def drop(self, key: str | None = None) -> None:
        """Forget one key (or all): the next read computes afresh."""
        with self._lock:
            if key is None:
                self._values.clear()
            else:
                self._values.pop(key, None)

    def wait(self) -> None:
        """Wait for background computations (tests, shutdown)."""
        for thread in list(self._running.values()):
            thread.join()

    def _store(self, key: str, value: T) -> Computed[T]:
        done = Computed(value, datetime.now(UTC), self.clock())
        with self._lock:
            self._values[key] = done
        return done

    def _refresh(self, key: str, compute: Callable[[], T]) -> None:
        try:
            self._store(key, compute())
        except SwapsafeError as exc:  # store down, bad config: one line, no traceback
            log.warning("web: the %s of %s could not be computed: %s", self.what, key, exc)
        except Exception:  # keep serving the last good value; the log says why
            log.exception("web: the %s of %s could not be computed", self.what, key)
        finally:
            with self._lock:
                self._running.pop(key, None)
