"""Store URLs and engines: normalise, mask passwords, open SQLite/PostgreSQL, explain failures."""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.pool import ConnectionPoolEntry

from swapsafe.exceptions import StoreError

_HINT = "Check [store] url and that the server is running."
_SQLITE_HINT = "Check [store] url."
SUPPORTED = "sqlite:///PATH or postgresql://USER@HOST:PORT/DB"


#: query parameters whose value is a credential (``?api-key=``, ``?sig=``, ``&password=`` ...)
_SECRET_PARAM = re.compile(
    r"([?&;](?:[^=&;#]*?(?:key|secret|token|passw|pwd|sig|auth|credential|session|cookie)"
    r"[^=&;#]*)=)[^&;#]*",
    re.IGNORECASE,
)
#: the user-info part of a URL with any scheme: ``scheme://USER[:PASSWORD]@``
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@]*@")
_DATABASE_SCHEMES = ("sqlite", "postgres")


def mask_url(url: str | URL) -> str:
    """The URL as text with its credentials replaced by ``***``.

    Masked: a database URL's password (the user name stays: it says who connects), the whole
    user-info part of any other URL (``https://TOKEN@host``), and the value of every query
    parameter whose name looks like a credential (key, secret, token, password, sig, auth ...).
    The one masking function for URLs: ``db status``, store errors and ``config show`` use it.
    """
    if isinstance(url, URL):
        if url.drivername == "postgresql+psycopg":
            url = url.set(drivername="postgresql")
        text = url.render_as_string(hide_password=True)
    elif url.lower().startswith(_DATABASE_SCHEMES):
        try:
            text = make_url(url).render_as_string(hide_password=True)
        except Exception:  # garbage that is not a URL: still never echo a password-like part
            text = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
    else:
        text = _USERINFO.sub(r"\1***@", url)
    return _SECRET_PARAM.sub(r"\1***", text)


def parse_url(url: str) -> URL:
    """Parse and normalise a store URL; PostgreSQL always goes through psycopg 3."""
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError):
        raise StoreError(
            f"cannot open store {mask_url(url)!r}: not a database URL. Use {SUPPORTED}."
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed.set(drivername="sqlite")
    raise StoreError(
        f"cannot open store {mask_url(parsed)}: unsupported scheme {parsed.drivername!r}. "
        f"Use {SUPPORTED}."
    )


def json_dumps(value: Any) -> str:
    """JSON for JSON columns; datetimes become ISO 8601 text."""
    return json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def sqlite_path(url: URL) -> Path:
    """The database file of a SQLite URL, checked so that opening it can succeed."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise StoreError(
            f"cannot open store {mask_url(url)}: in-memory SQLite is not supported "
            "(use sqlite:///path/to/swapsafe.db)."
        )
    path = Path(database).expanduser().absolute()
    if not path.parent.is_dir():
        raise StoreError(
            f"cannot open store {mask_url(url)}: directory {path.parent} does not exist. "
            f"Create it or fix [store] url."
        )
    if path.exists() and _read_only(path):
        raise StoreError(
            f"cannot open store {mask_url(url)}: {path} is read-only. "
            "Make it writable (chmod u+w) or point [store] url at a writable file."
        )
    if _read_only(path.parent):
        raise StoreError(
            f"cannot open store {mask_url(url)}: directory {path.parent} is read-only "
            "(SQLite needs to create its -wal and -shm files there). Use a writable directory."
        )
    return path


def _read_only(path: Path) -> bool:
    # Mode bits are checked too: root passes os.access, but a chmod 444 file is a clear signal.
    return not os.access(path, os.W_OK) or not (path.stat().st_mode & stat.S_IWUSR)


@dataclass(frozen=True)
class StoreTimeouts:
    """How long a store call may wait ([store] connect_timeout / statement_timeout).

    PostgreSQL: ``connect`` bounds opening a connection (libpq ``connect_timeout``);
    ``statement`` is the server's ``statement_timeout`` and, a little longer, how long the
    client waits for any answer on an open connection: a server that accepted the connection
    and went silent fails the call instead of blocking it forever. SQLite: ``statement`` is
    the busy timeout, how long a write waits for another process's lock.
    """

    connect: float = 5.0
    statement: float = 15.0

    @property
    def client_wait(self) -> float:
        """The client-side limit: past the server's own statement timeout, so that fires first."""
        return self.statement + max(1.0, self.statement / 10)


def build_engine(url: URL, timeouts: StoreTimeouts | None = None) -> Engine:
    """An engine configured for swapsafe: WAL + busy_timeout on SQLite, psycopg 3 on PostgreSQL
    with connect, statement and client-side answer timeouts (see :class:`StoreTimeouts`)."""
    t = timeouts or StoreTimeouts()
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        create_private(path)
        engine = create_engine(
            url.set(database=str(path)),
            json_serializer=json_dumps,
            connect_args={"timeout": t.statement},
        )
        event.listen(engine, "connect", _sqlite_on_connect(t.statement))
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = max(1, round(t.connect))
    options = str(url.query.get("options", ""))
    if "statement_timeout" not in options:
        ms = max(1, round(t.statement * 1000))
        connect_args["options"] = f"{options} -c statement_timeout={ms}".strip()
    engine = create_engine(
        url,
        json_serializer=json_dumps,
        connect_args=connect_args,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
    )
    from swapsafe.store.pg_guard import guarded_connect  # psycopg is an optional dependency

    event.listen(engine, "do_connect", guarded_connect(t.client_wait))
    return engine


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (it will hold trace bodies)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


_ROW_ERRORS = (DataError, IntegrityError, ValueError, TypeError, AttributeError, UnicodeError)


def is_row_error(exc: BaseException) -> bool:
    """Whether a failed write was refused for the rows it carried (a value, a constraint)
    rather than for the store (unreachable, timed out, locked, schema missing)."""
    if isinstance(exc, StoreError) and exc.__cause__ is not None:
        exc = exc.__cause__
    if isinstance(exc, DBAPIError):
        return isinstance(exc, DataError | IntegrityError)
    if isinstance(exc, StatementError):  # raised while binding a value, before the driver
        return exc.orig is None or isinstance(exc.orig, _ROW_ERRORS)
    return isinstance(exc, _ROW_ERRORS)


def _sqlite_on_connect(
    busy_timeout: float,
) -> Callable[[DBAPIConnection, ConnectionPoolEntry], None]:
    def on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        _sqlite_setup(dbapi_connection, round(busy_timeout * 1000))

    return on_connect


def _sqlite_setup(dbapi_connection: DBAPIConnection, busy_ms: int) -> None:
    # SQLAlchemy emits BEGIN itself (see _sqlite_on_begin), so pysqlite must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms:d}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    # Writers ask for BEGIN IMMEDIATE so they take the write lock up front and wait on
    # busy_timeout, instead of failing when a read transaction tries to upgrade.
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


_REASONS: tuple[tuple[str, str], ...] = (
    ("connection refused", "connection refused"),
    ("password authentication failed", "password authentication failed"),
    ("no password supplied", "the server wants a password"),
    ("could not translate host name", "unknown host"),
    ("name or service not known", "unknown host"),
    ("timeout expired", "connection timed out"),
    ("did not answer within", "the server did not answer in time"),
    ("timed out", "connection timed out"),
    ("no pg_hba.conf entry", "the server refused this client (pg_hba.conf)"),
    ("attempt to write a readonly database", "the database file is read-only"),
    ("readonly database", "the database file is read-only"),
    ("unable to open database file", "unable to open the database file"),
    ("file is not a database", "the file is not a SQLite database"),
    ("database is locked", "the database is locked by another process"),
)


def explain(exc: BaseException, url: URL, *, doing: str = "open") -> StoreError:
    """One clear line for a driver error; never a traceback, never a password."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    lowered = text.lower()
    reason = next((r for needle, r in _REASONS if needle in lowered), None)
    if reason is None:
        m = re.search(r'database "([^"]+)" does not exist', text)
        if m:
            reason = f"database {m.group(1)!r} does not exist"
    if reason is None:
        reason = " ".join(text.splitlines()[0].split()) if text else type(orig).__name__
        reason = re.sub(r"^connection failed: connection to server at .*? failed: ", "", reason)
        reason = re.sub(r"^FATAL: *", "", reason)
        if url.password:
            reason = reason.replace(str(url.password), "***")
        reason = reason[:200]
    hint = _SQLITE_HINT if url.get_backend_name() == "sqlite" else _HINT
    return StoreError(f"cannot {doing} store {mask_url(url)}: {reason}. {hint}")
