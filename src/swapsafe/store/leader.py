"""Leader locks: exactly one active process of a kind per store (rollout controller, nightly
scheduler), the others on standby.

PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a dedicated connection, held
while the leader is active; it is released when that connection closes (also on a crash).
SQLite: an exclusive ``fcntl.flock`` on a file next to the database
(``<database>.controller.lock``, ``<database>.scheduler.lock``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import make_url

from swapsafe.exceptions import StoreError
from swapsafe.store.engine import parse_url, sqlite_path

#: role -> (PostgreSQL lock text, SQLite lock file suffix); the lock key is hashtext of the
#: text + the current schema, so separate schemas do not clash
ROLES: dict[str, tuple[str, str]] = {
    "controller": ("swapsafe.rollout.controller.", ".controller.lock"),
    "scheduler": ("swapsafe.evals.scheduler.", ".scheduler.lock"),
}


class ControllerLock(Protocol):
    """A leader lock (the name is the controller's, the first user)."""

    def try_acquire(self) -> bool: ...
    def held(self) -> bool:
        """Still ours (False after the lock connection dropped)."""
        ...

    def release(self) -> None: ...


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class PgAdvisoryLock:
    def __init__(self, conninfo: str, name: str = ROLES["controller"][0]) -> None:
        self.conninfo = conninfo
        self.name = name
        self._conn: Any = None

    def try_acquire(self) -> bool:
        import psycopg  # optional dependency: swapsafe[postgres]

        if self._conn is not None:
            return self.held()
        conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5)
        try:
            row = conn.execute(
                "SELECT pg_try_advisory_lock(hashtext(%s || current_schema()))",
                (self.name,),
            ).fetchone()
        except Exception:
            conn.close()
            raise
        if not row or not row[0]:
            conn.close()
            return False
        self._conn = conn
        return True

    def held(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.execute("SELECT 1")
        except Exception:
            self.release()
            return False
        return True

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()  # closing the session frees its advisory locks
            self._conn = None


def leader_lock(store_url: str, role: str) -> ControllerLock:
    """The ``role`` lock (a key of :data:`ROLES`) for the store at ``store_url``."""
    pg_name, suffix = ROLES[role]
    url = parse_url(store_url)
    if url.get_backend_name() == "sqlite":
        try:
            db = sqlite_path(url)
        except StoreError:
            # a read-only directory is an outage a gateway rides out (gateway.store_link): the
            # lock is then not taken (the controller stays on standby) until it is writable
            db = Path(url.database or "").expanduser().absolute()
            if not url.database or not db.parent.is_dir():
                raise
        return FileLock(db.with_name(db.name + suffix))
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return PgAdvisoryLock(conninfo, pg_name)


def controller_lock(store_url: str) -> ControllerLock:
    """The rollout controller's lock for the store at ``store_url`` (``[store] url``)."""
    return leader_lock(store_url, "controller")
