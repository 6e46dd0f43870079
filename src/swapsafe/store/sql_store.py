"""SqlStore: the Store protocol on SQLAlchemy Core (SQLite or PostgreSQL)."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, or_, select, text, update
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from swapsafe.exceptions import RoutingError, StoreError
from swapsafe.store import notify
from swapsafe.store.convert import field_names, from_row, from_rows, jsonable, to_row, utcnow
from swapsafe.store.engine import StoreTimeouts, explain, parse_url
from swapsafe.store.fit import RowFitter
from swapsafe.store.migrate import check_known
from swapsafe.store.records import (
    SYNTHETIC_SOURCES,
    AuditEntry,
    RecentUsage,
    RoutingState,
    TraceQuery,
    TraceRecord,
)
from swapsafe.store.sql_compat import CompatQueries
from swapsafe.store.sql_pairs import PairQueries
from swapsafe.store.sql_report import raw_rows, utc
from swapsafe.store.sql_results import ResultsMixin, insert_ignore
from swapsafe.store.sql_rollout import RolloutStoreMixin
from swapsafe.store.tables import audit_log, meta, routing_state, sqlite_utc_text, traces

ROUTING_VERSION_KEY = "routing_version"
_SQLITE_TRACE_COMPILED = (
    sqlite_insert(traces)
    .on_conflict_do_nothing(index_elements=["request_id"])
    .compile(dialect=sqlite_dialect(), column_keys=list(field_names(TraceRecord)))
)
_SQLITE_TRACE_INSERT = str(_SQLITE_TRACE_COMPILED)
_TRACE_FIELDS = tuple(_SQLITE_TRACE_COMPILED.positiontup or ())  # qmark order
_TS_INDEX = _TRACE_FIELDS.index("ts")
_trace_values = operator.attrgetter(*_TRACE_FIELDS)
#: trace values made to fit their columns (tables.traces): one odd value never fails a batch
SQLITE_TRACE_FIT = RowFitter(traces, _TRACE_FIELDS, nul=False)
PG_TRACE_FIT = RowFitter(traces, field_names(TraceRecord), nul=True)


def _sqlite_trace_params(record: TraceRecord) -> tuple[Any, ...]:
    """Column values as SQLite stores them; ``ts`` as naive UTC text like UtcDateTime does."""
    values: tuple[Any, ...] = SQLITE_TRACE_FIT.fit_tuple(_trace_values(record))
    return (*values[:_TS_INDEX], sqlite_utc_text(record.ts), *values[_TS_INDEX + 1 :])


class SqlStore(RolloutStoreMixin, ResultsMixin, PairQueries, CompatQueries):
    """The one Store implementation. Thread-safe; every method is one short transaction."""

    # -- traces ------------------------------------------------------------------------------

    def insert_traces(self, rows: Sequence[TraceRecord]) -> None:
        """Batch insert; rows whose request_id is already stored are ignored.

        Every value is first made to fit its column (see :mod:`swapsafe.store.fit`).
        """
        if not rows:
            return
        if self.dialect == "sqlite":
            # Hot path: plain executemany of tuples, no per-row SQLAlchemy bind processing.
            params = [_sqlite_trace_params(r) for r in rows]
            with self._write() as conn:
                conn.exec_driver_sql(_SQLITE_TRACE_INSERT, params)
            return
        values = [PG_TRACE_FIT.fit_dict(to_row(r)) for r in rows]
        with self._write() as conn:
            conn.execute(insert_ignore(conn, traces, "request_id"), values)

    @staticmethod
    def _trace_filter(q: TraceQuery) -> list[ColumnElement[bool]]:
        c = traces.c
        where: list[ColumnElement[bool]] = []
        if q.workload is not None:
            where.append(c.workload == q.workload)
        if q.model is not None:
            where.append(c.model == q.model)
        if q.role is not None:
            where.append(c.role == q.role)
        if q.since is not None:
            where.append(c.ts >= q.since)
        if q.until is not None:
            where.append(c.ts < q.until)
        if q.pair_id is not None:
            where.append(c.pair_id == q.pair_id)
        if q.request_id is not None:
            where.append(c.request_id == q.request_id)
        if q.real_only:
            where.append(c.source.not_in(SYNTHETIC_SOURCES))
        return where

    def query_traces(self, q: TraceQuery) -> list[TraceRecord]:
        """Matching traces, oldest first (``q.extra["order"] = "desc"`` for newest first).

        ``since`` is inclusive, ``until`` exclusive. At most ``q.limit`` rows.
        """
        order = q.extra.get("order", "asc")
        keys = (traces.c.ts, traces.c.id)
        stmt = (
            select(traces)
            .where(and_(True, *self._trace_filter(q)))
            .order_by(*(k.desc() for k in keys) if order == "desc" else keys)
            .limit(q.limit)
        )
        with self._read() as conn:
            return from_rows(TraceRecord, conn.execute(stmt))

    def recent_usage(self, q: TraceQuery) -> RecentUsage:
        """How many of the newest ``q.limit`` matching traces there are, the oldest one's
        time and their token sums: one aggregate over one index range, no row in Python."""
        c = traces.c
        newest = (
            select(c.ts, c.input_tokens, c.output_tokens, c.cached_tokens)
            .where(and_(True, *self._trace_filter(q)))
            .order_by(c.ts.desc())
            .limit(q.limit)
            .subquery()
        )
        n = newest.c
        has_tokens = or_(n.input_tokens.is_not(None), n.output_tokens.is_not(None))
        summed = (case((has_tokens, 1), else_=0), n.input_tokens, n.output_tokens, n.cached_tokens)
        stmt = select(
            func.count(), func.min(n.ts), *(func.coalesce(func.sum(v), 0) for v in summed)
        )
        with self._read() as conn:
            row = raw_rows(conn, stmt)[0]
        return RecentUsage(int(row[0]), utc(row[1]), *(int(v) for v in row[2:]))

    def count_traces(self, q: TraceQuery, *, cap: int | None = None) -> int:
        """How many traces match (``q.limit`` is ignored), or ``cap`` when at least ``cap`` do:
        a capped count stops reading there (a count of 450,000 rows costs 75 ms on SQLite)."""
        where = and_(True, *self._trace_filter(q))
        if cap is None:
            stmt = select(func.count()).select_from(traces).where(where)
        else:
            found = select(traces.c.id).where(where).limit(cap).subquery()
            stmt = select(func.count()).select_from(found)
        with self._read() as conn:
            return int(conn.execute(stmt).scalar_one())

    def stored_request_ids(self, request_ids: Sequence[str]) -> set[str]:
        """The ones of ``request_ids`` that are already stored (asked 500 at a time)."""
        found: set[str] = set()
        ids = list(dict.fromkeys(request_ids))
        with self._read() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                stmt = select(traces.c.request_id).where(traces.c.request_id.in_(chunk))
                found.update(conn.execute(stmt).scalars())
        return found

    def trace_by_request_id(self, request_id: str) -> TraceRecord | None:
        with self._read() as conn:
            row = conn.execute(select(traces).where(traces.c.request_id == request_id)).first()
        return None if row is None else from_row(TraceRecord, row)

    def iter_traces(self, q: TraceQuery, batch: int = 1000) -> Iterator[TraceRecord]:
        """Every matching trace in insertion order, read ``batch`` rows per query.

        ``q.limit`` is ignored; memory stays bounded by ``batch``.
        """
        last_id = 0
        where = self._trace_filter(q)
        while True:
            stmt = (
                select(traces)
                .where(and_(traces.c.id > last_id, *where))
                .order_by(traces.c.id)
                .limit(batch)
            )
            with self._read() as conn:
                rows = conn.execute(stmt).all()
            for row in rows:
                yield from_row(TraceRecord, row)
            if len(rows) < batch:
                return
            last_id = rows[-1].id

    # -- routing -----------------------------------------------------------------------------

    def get_routing_states(self) -> dict[str, RoutingState]:
        with self._read() as conn:
            states = from_rows(RoutingState, conn.execute(select(routing_state)))
        return {s.workload: s for s in states}

    def routing_version(self) -> int:
        """The global routing version; it grows by one on every routing change."""
        stmt = select(meta.c.num).where(meta.c.key == ROUTING_VERSION_KEY)
        with self._read() as conn:
            return int(conn.execute(stmt).scalar_one_or_none() or 0)

    def set_routing_state(
        self, state: RoutingState, *, actor: str, reason: str, expected_version: int | None = None
    ) -> RoutingState:
        """Write a workload's state, its audit entry and the notification in one transaction.

        Raises RoutingError when ``expected_version`` is given and the stored version differs.
        """
        with self._write() as conn:
            # Bumping the counter first locks its row: routing writers are serialised on PG.
            bumped = conn.execute(
                update(meta)
                .where(meta.c.key == ROUTING_VERSION_KEY)
                .values(num=meta.c.num + 1)
                .returning(meta.c.num)
            ).first()
            if bumped is None:
                conn.execute(meta.insert().values(key=ROUTING_VERSION_KEY, num=1))
            row = conn.execute(
                select(routing_state).where(routing_state.c.workload == state.workload)
            ).first()
            before = None if row is None else from_row(RoutingState, row)
            current = 0 if before is None else before.version
            if expected_version is not None and expected_version != current:
                raise RoutingError(
                    f"routing state of {state.workload!r} was changed by someone else "
                    f"(version {current}, expected {expected_version}); reload and retry."
                )
            new = dataclasses.replace(
                state, version=current + 1, updated_at=utcnow(), updated_by=actor
            )
            values = to_row(new)
            if before is None:
                conn.execute(routing_state.insert().values(values))
            else:
                conn.execute(
                    routing_state.update()
                    .where(routing_state.c.workload == state.workload)
                    .values(values)
                )
            self._audit(
                conn,
                actor=actor,
                action="routing.set",
                workload=state.workload,
                before=None if before is None else jsonable(before),
                after=jsonable(new),
                reason=reason,
            )
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text("SELECT pg_notify(:channel, :payload)"),
                    {"channel": notify.CHANNEL, "payload": state.workload},
                )
        return new

    def listen_routing_changes(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` (from a daemon thread) after routing changes; returns a stop function.

        PostgreSQL: LISTEN/NOTIFY with a 2 s version poll as fallback. SQLite: 0.25 s poll.
        """
        if self.dialect == "postgresql":
            conninfo = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
            if "connect_timeout" not in self._url.query:
                timeout = max(1, round(self.timeouts.connect))
                conninfo += ("&" if "?" in conninfo else "?") + f"connect_timeout={timeout}"
            stop = notify.listen_pg(conninfo, self.url, self.routing_version, callback)
        else:
            stop = notify.poll_routing_version(self.routing_version, callback)
        self._stoppers.append(stop)
        return stop

    # -- audit -------------------------------------------------------------------------------

    def add_audit(
        self,
        *,
        actor: str,
        action: str,
        workload: str | None,
        before: dict[str, object] | None,
        after: dict[str, object] | None,
        reason: str,
    ) -> int:
        with self._write() as conn:
            return self._audit(
                conn,
                actor=actor,
                action=action,
                workload=workload,
                before=before,
                after=after,
                reason=reason,
            )

    @staticmethod
    def _audit(conn: Connection, **values: Any) -> int:
        result = conn.execute(audit_log.insert().values(ts=utcnow(), **values))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def list_audit(self, workload: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """Newest first."""
        stmt = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if workload is not None:
            stmt = stmt.where(audit_log.c.workload == workload)
        with self._read() as conn:
            return from_rows(AuditEntry, conn.execute(stmt))


def open_store(
    url: str, *, upgrade: bool = True, timeouts: StoreTimeouts | None = None
) -> SqlStore:
    """Open (and by default migrate) the store at ``url``; StoreError in one line otherwise.

    ``postgresql://`` and ``postgres://`` URLs go through psycopg 3. ``timeouts`` bound every
    call (defaults: :class:`StoreTimeouts`).
    """
    parsed = parse_url(url)
    store = SqlStore(parsed, timeouts)
    try:
        store.ping()
        if upgrade:
            store.upgrade()
        else:
            current, _head = store.revision()  # comma-joined, one per migration branch
            check_known(current.split(",") if current else (), store.url)
    except StoreError:
        store.close()
        raise
    except Exception as exc:  # driver errors outside SQLAlchemy's wrapping (e.g. in alembic)
        store.close()
        raise explain(exc, parsed) from exc
    return store
