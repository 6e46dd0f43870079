"""The gateway's store: serve while it is unreachable, reconnect in the background.

Serving needs no store: routing state lives in memory and trace rows wait in the recorder. So
:func:`connect_store` refuses to start only for errors an operator must fix (a URL that is not
a store URL, a missing SQLite directory, a password or database the server rejects, a schema
this swapsafe does not know), and tolerates an *unreachable* store (:func:`unreachable`):
connection refused, a server that accepts and never answers (the connect timeout), an unknown
host, a server starting up or shutting down, a SQLite file or directory that cannot be written
(read-only mount, permissions) or is locked.

:class:`StoreLink` is the ``SqlStore`` the gateway hands to everything else (recorder, routing
cache, admin and rollout routes). Its instance state (engine, URL, ...) comes from the real
store opened by :func:`swapsafe.store.open_store` (schema check and upgrade included), and only
while the link is open: otherwise every store call fails at once with a ``StoreError``, which
each caller already handles (the recorder buffers and spills, the routing cache keeps its state,
the admin API answers 503). A background thread retries the store (0.5 s doubling to 5 s), and
on success runs the schema check again, the ``on_connect`` hooks (the routing refresh: a
rollback written while this process was cut off is obeyed now) and only then reports the store
up. While up it pings every ``health_interval`` seconds; a failed ping closes the link again.
Each transition is logged once (warning level, so it shows without any logging setup).
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import URL
from sqlalchemy.exc import InterfaceError, OperationalError

from swapsafe.exceptions import StoreError
from swapsafe.store.background import lower_this_thread
from swapsafe.store.engine import mask_url, parse_url
from swapsafe.store.sql_store import SqlStore, open_store

log = logging.getLogger("swapsafe.store")

#: FATAL answers of a PostgreSQL server that is there but cannot take connections right now
_TRANSIENT_FATAL = (
    "starting up",
    "shutting down",
    "in recovery",
    "too many connections",
    "connection slots are reserved",
    "not accepting connections",
    "terminating connection",
)
#: SQLSTATE classes of outages: connection exception, operator intervention, resources
_TRANSIENT_SQLSTATE = ("08", "57P", "53")


class StoreUnwritable(StoreError):
    """The SQLite database or its directory exists but cannot be written right now."""


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and node not in seen:
        seen.append(node)
        node = node.__cause__ or (None if node.__suppress_context__ else node.__context__)
    return seen


def unreachable(exc: BaseException) -> bool:
    """Whether a store error means "cannot reach it now" (an outage), not "it is set up wrong".

    A driver error with no answer from a server (refused, timed out, reset, unknown host, a
    SQLite file that cannot be opened or written, a lock) is an outage; so is a PostgreSQL
    server starting up, shutting down or out of connection slots. A server that answers "no"
    (password, role, database, pg_hba.conf), a file that is not a database, a schema this
    swapsafe does not know and a bad URL are not.
    """
    for err in _chain(exc):
        if isinstance(err, StoreUnwritable):
            return True
        if isinstance(err, OperationalError | InterfaceError):
            return err.orig is None or _driver_unreachable(err.orig)
        if isinstance(err, OSError):
            return True
    return False


def _driver_unreachable(orig: BaseException) -> bool:
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate.startswith(_TRANSIENT_SQLSTATE)
    text = str(orig).lower()
    if "fatal" in text:  # the server answered at connect time: only some answers are transient
        return any(t in text for t in _TRANSIENT_FATAL)
    # the DB-API classes (psycopg's ConnectionTimeout is an OperationalError, say)
    return any(c.__name__ in ("OperationalError", "InterfaceError") for c in type(orig).__mro__)


def _writable(path: Path) -> bool:
    # the mode bits too: root passes os.access, but a chmod 555 directory is the operator's signal
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & stat.S_IWUSR)


def sqlite_unwritable(url: URL) -> bool:
    """A SQLite database or its directory exists but cannot be written now (an outage).

    A directory that does not exist is a configuration error, not an outage.
    """
    if url.get_backend_name() != "sqlite" or not url.database:
        return False
    path = Path(url.database).expanduser().absolute()
    if not path.parent.is_dir():
        return False
    return any(p.exists() and not _writable(p) for p in (path, path.parent))


class StoreLink(SqlStore):
    """A ``SqlStore`` whose connection may come and go; see the module docstring.

    ``opener`` opens and checks the real store (``open_store``); ``clock`` is monotonic seconds.
    """

    def __init__(
        self,
        url: str,
        *,
        opener: Callable[[str], SqlStore] = open_store,
        clock: Callable[[], float] = time.monotonic,
        health_interval: float = 2.0,
        retry_min: float = 0.5,
        retry_max: float = 5.0,
        stale_after: float = 15.0,
    ) -> None:
        # SqlBase.__init__ is not called: engine and friends come from the opened store.
        self._url = parse_url(url)  # a URL that is not a store URL is a config error: raise
        self.url = mask_url(self._url)
        self._stoppers = []
        self._raw_url = url
        self._opener = opener
        self._clock = clock
        self.health_interval = health_interval
        self.retry_min, self.retry_max, self.stale_after = retry_min, retry_max, stale_after
        self._inner: SqlStore | None = None
        self._open = False  # store calls allowed (schema checked)
        self._up = False  # open and the on_connect hooks succeeded
        self._last_ok = clock()
        self.problem: str | None = None  # one line: why the store is down (for the log)
        self.reason: str | None = None  # unreachable, unwritable or error (for /readyz)
        self.down_since: float | None = None
        self.transitions = 0
        self._hooks: list[Callable[[], None]] = []
        self._listeners: dict[int, tuple[Callable[[], None], Callable[[], None] | None]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __getattr__(self, name: str) -> Any:
        """Instance state of the real store (``_engine``, ...), only while the link is open."""
        if name.startswith("__"):
            raise AttributeError(name)
        state = self.__dict__
        inner = state.get("_inner")
        if inner is None or not state.get("_open"):
            raise StoreError(
                f"store {state.get('url', '?')} is unavailable "
                f"({state.get('problem') or 'not connected'}); "
                "the gateway retries it in the background"
            )
        return getattr(inner, name)

    # -- state -------------------------------------------------------------------------------

    @property
    def up(self) -> bool:
        """Connected, schema checked, hooks run, and the last ping is recent."""
        return self._up and self._clock() - self._last_ok <= self.stale_after

    def status(self) -> dict[str, Any]:
        """A JSON-ready view (no URL: the readiness answer is not authenticated)."""
        if self.up:
            return {"up": True}
        if self._up:  # the health check has not answered for stale_after seconds
            return {"up": False, "reason": "unresponsive"}
        since = self.down_since if self.down_since is not None else self._clock()
        return {"up": False, "reason": self.reason, "down_for_s": round(self._clock() - since, 1)}

    # -- connecting --------------------------------------------------------------------------

    def connect_now(self) -> None:
        """The start-up attempt: StoreError unless the store is merely unreachable."""
        try:
            self._adopt(self._open_inner(), self._stop)
        except StoreError as exc:
            if not unreachable(exc):
                raise
            self._down(exc, starting=True)
            return
        self._mark_up()

    def _open_inner(self) -> SqlStore:
        """The real store, opened and schema-checked (``StoreUnwritable`` for a read-only one)."""
        try:
            return self._opener(self._raw_url)
        except StoreError as exc:
            if sqlite_unwritable(self._url):
                raise StoreUnwritable(str(exc)) from exc
            raise

    def on_connect(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` on every reconnection, before the store is reported up (may raise)."""
        self._hooks.append(hook)

    def start(self) -> None:
        """Start the background retry / health thread (idempotent)."""
        if self._thread is None:
            self._stop = stop = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(stop,), name="swapsafe-store-link"
            )
            self._thread.daemon = True
            self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        lower_this_thread()
        delay = self.retry_min
        while not stop.is_set():
            if self._open:
                self._check()
                wait = self.health_interval
            elif self._reconnect(stop):
                wait, delay = self.health_interval, self.retry_min
            else:
                wait, delay = delay, min(delay * 2, self.retry_max)
            stop.wait(wait)

    def _check(self) -> None:
        inner = self._inner
        try:
            assert inner is not None
            inner.ping()
        except Exception as exc:
            self._down(exc)
            return
        self._last_ok = self._clock()

    def _reconnect(self, stop: threading.Event) -> bool:
        try:
            inner = self._inner
            if inner is None:
                self._adopt(self._open_inner(), stop)  # ping + schema check + upgrade
            else:
                inner.ping()
                inner.upgrade()  # the schema again: the server may have been restored
                self._subscribe_pending()  # before the refresh: no change falls in between
            self._open = True
            for hook in self._hooks:
                hook()
        except Exception as exc:
            self._down(exc)
            return False
        self._mark_up()
        return True

    def _adopt(self, inner: SqlStore, stop: threading.Event) -> None:
        with self._lock:
            if stop.is_set():  # closed while the store was opening
                inner.close()
                return
            self._inner = inner
            self._open = True
        self._subscribe_pending()

    def _mark_up(self) -> None:
        self._last_ok = self._clock()
        was_down = self.problem is not None
        self._up, self.problem, self.reason, self.down_since = True, None, None, None
        if was_down:
            self.transitions += 1
            log.warning("store %s is reachable again: writing buffered traces", self.url)

    def _down(self, exc: BaseException, *, starting: bool = False) -> None:
        problem = _one_line(exc)
        self._open = self._up = False
        if isinstance(exc, StoreUnwritable):
            self.reason = "unwritable"
        else:
            self.reason = "unreachable" if unreachable(exc) else "error"
        if self.problem is None:
            self.down_since = self._clock()
            self.transitions += 1
            self._unsubscribe_all()  # no listener retrying (and logging) through the outage
            log.warning(
                "store unavailable%s: %s; serving without it (traces wait in memory and spill "
                "to disk, routing keeps its last known state); retrying in the background",
                " at start-up" if starting else "",
                problem,
            )
        elif problem != self.problem:
            log.debug("store still unavailable: %s", problem)
        self.problem = problem

    # -- routing change notifications --------------------------------------------------------

    def listen_routing_changes(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Subscribe now when connected, else as soon as the store is reachable."""
        with self._lock:
            self._listeners[id(callback)] = (callback, None)
            connected = self._inner is not None
        if connected:
            self._subscribe(callback)

        def stop() -> None:
            with self._lock:
                _cb, inner_stop = self._listeners.pop(id(callback), (callback, None))
            if inner_stop is not None:
                inner_stop()

        return stop

    def _subscribe_pending(self) -> None:
        with self._lock:
            pending = [cb for cb, stop in self._listeners.values() if stop is None]
        for callback in pending:
            self._subscribe(callback)

    def _unsubscribe_all(self) -> None:
        with self._lock:
            stops = [stop for _cb, stop in self._listeners.values() if stop is not None]
            self._listeners = {k: (cb, None) for k, (cb, _stop) in self._listeners.items()}
        for stop in stops:
            stop()

    def _subscribe(self, callback: Callable[[], None]) -> None:
        inner = self._inner
        if inner is None:
            return
        inner_stop = inner.listen_routing_changes(callback)
        with self._lock:
            entry = self._listeners.get(id(callback))
            if entry is not None and entry[1] is None:
                self._listeners[id(callback)] = (callback, inner_stop)
                return
        inner_stop()  # unsubscribed, or subscribed by another thread, meanwhile

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the thread and release connections; like a SqlStore, the link stays usable
        (its engine connects again on use) and ``start()`` may run the thread again."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)  # a connect attempt in flight cleans up after itself
        self._unsubscribe_all()
        inner = self._inner
        if inner is not None:
            inner.close()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300].rstrip(".") if text else type(exc).__name__


def connect_store(url: str, **options: Any) -> StoreLink:
    """Open the gateway's store: StoreError for a store set up wrong, a down link otherwise."""
    link = StoreLink(url, **options)
    link.connect_now()
    return link
