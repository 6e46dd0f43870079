"""Routing change notifications: LISTEN/NOTIFY on PostgreSQL, version polling on SQLite.

Each listener is a daemon thread; the returned function stops it. Callback exceptions are
logged and never end the thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from swapsafe.store.background import lower_this_thread

CHANNEL = "swapsafe_routing"
SQLITE_POLL_S = 0.25
PG_POLL_S = 2.0
_PG_WAIT_S = 0.25  # how long one notifies() wait lasts; bounds how fast stop() returns

log = logging.getLogger("swapsafe.store")


def _safe_call(callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception:
        log.exception("routing change callback failed")


class _Versions:
    """Remembers the last routing version seen and fires the callback when it moves."""

    def __init__(self, read: Callable[[], int], callback: Callable[[], None]) -> None:
        self._read = read
        self._callback = callback
        self.last = self._try_read()

    def _try_read(self) -> int | None:
        try:
            return self._read()
        except Exception as exc:
            log.warning("cannot read routing version: %s", exc)
            return None

    def check(self) -> None:
        current = self._try_read()
        if current is not None and current != self.last:
            self.last = current
            _safe_call(self._callback)

    def fired(self) -> None:
        """A notification arrived: call back, and remember the version it moved to."""
        self.last = self._try_read() if self.last is not None else None
        _safe_call(self._callback)


def _start(target: Callable[[threading.Event], None], name: str) -> Callable[[], None]:
    stop = threading.Event()

    def run(stop: threading.Event) -> None:
        lower_this_thread()
        target(stop)

    thread = threading.Thread(target=run, args=(stop,), name=name, daemon=True)
    thread.start()

    def stopper() -> None:
        stop.set()
        if thread is not threading.current_thread():
            thread.join(timeout=5.0)

    return stopper


def poll_routing_version(
    read_version: Callable[[], int],
    callback: Callable[[], None],
    interval: float = SQLITE_POLL_S,
) -> Callable[[], None]:
    """Call ``callback`` whenever ``read_version()`` changes; checked every ``interval`` s."""

    versions = _Versions(read_version, callback)  # read now: changes after this call count

    def run(stop: threading.Event) -> None:
        while not stop.wait(interval):
            versions.check()

    return _start(run, "swapsafe-routing-poll")


def listen_pg(
    conninfo: str,
    shown_url: str,
    read_version: Callable[[], int],
    callback: Callable[[], None],
) -> Callable[[], None]:
    """LISTEN on a dedicated psycopg connection; also poll the version every 2 s as a fallback.

    ``conninfo`` is a libpq URI (with password); ``shown_url`` is the masked form for logs.
    """
    import psycopg  # optional dependency: swapsafe[postgres]

    versions = _Versions(read_version, callback)  # read now: changes after this call count

    def run(stop: threading.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    versions.check()  # changes made while we were not listening
                    backoff = 0.5
                    next_poll = time.monotonic() + PG_POLL_S
                    while not stop.is_set():
                        for _notify in conn.notifies(timeout=_PG_WAIT_S):
                            versions.fired()
                            if stop.is_set():
                                break
                        if time.monotonic() >= next_poll:
                            versions.check()
                            next_poll = time.monotonic() + PG_POLL_S
            except Exception as exc:
                if stop.is_set():
                    return
                log.warning(
                    "routing listener on %s lost its connection (%s); reconnecting",
                    shown_url,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                )
                versions.check()
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)

    return _start(run, "swapsafe-routing-listen")
