"""Engine ownership, transactions, error translation and schema lifecycle of the SQL store."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import URL, Connection, Engine, func, inspect, select, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from swapsafe.exceptions import StoreError
from swapsafe.store import (
    migrate,
    tables_rollout,  # noqa: F401  (registers the area's tables)
)
from swapsafe.store.engine import StoreTimeouts, build_engine, explain, mask_url
from swapsafe.store.tables import metadata

log = logging.getLogger("swapsafe.store")


class SqlBase:
    """Owns the engine. ``url`` is the masked URL, safe to show and log."""

    def __init__(self, url: URL, timeouts: StoreTimeouts | None = None) -> None:
        self._url = url
        self.url = mask_url(url)
        self.timeouts = timeouts or StoreTimeouts()
        self._engine: Engine = build_engine(url, self.timeouts)
        self._stoppers: list[Callable[[], None]] = []

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    # -- transactions ------------------------------------------------------------------------

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            raise explain(exc, self._url, doing=doing) from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot {doing} store {self.url}: {exc}") from exc

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._errors("read"), self._engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction (BEGIN IMMEDIATE on SQLite, so writers queue on busy_timeout)."""
        with (
            self._errors("write"),
            self._engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn,
            conn.begin(),
        ):
            yield conn

    # -- lifecycle ---------------------------------------------------------------------------

    def ping(self) -> None:
        with self._errors("open"), self._engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def upgrade(self) -> None:
        with self._errors("upgrade"):
            migrate.upgrade(self._engine, self.url)

    def revision(self) -> tuple[str | None, str]:
        """(current schema revision or None when never migrated, head revision of this code)."""
        with self._read() as conn:
            return migrate.current_revision(conn), migrate.head_revision()

    def table_counts(self) -> dict[str, int]:
        """Row count per swapsafe table that exists (all of them once upgraded)."""
        with self._read() as conn:
            existing = set(inspect(conn).get_table_names())
            counts: dict[str, int] = {}
            for table in metadata.sorted_tables:  # area tables (tables_*.py) included
                if table.name in existing:
                    counted = conn.execute(select(func.count()).select_from(table)).scalar_one()
                    counts[table.name] = int(counted)
            return counts

    def close(self) -> None:
        for stop in self._stoppers:
            stop()
        self._stoppers.clear()
        self._engine.dispose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"
