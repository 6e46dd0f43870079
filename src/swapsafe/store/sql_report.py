"""Aggregate reads over traces for inventory, baselines, gates and reports.

Everything is computed in SQL (GROUP BY, counts, sums); only latency / cost columns are
fetched when a percentile or a bootstrap needs the raw values. PostgreSQL computes p95 with
``percentile_cont``; SQLite leaves it to numpy (the same linear interpolation) over the
latencies of one grouped scan. SQLite's grouped scans stream off the covering index
``ix_traces_report`` (migration 0002), so they neither sort nor read the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    select,
)

from swapsafe.store.coverage import ShadowCoverage
from swapsafe.store.records import ROLES, SYNTHETIC_SOURCES
from swapsafe.store.sql_base import SqlBase
from swapsafe.store.sql_seek import seek_terms
from swapsafe.store.tables import traces

FloatArray = npt.NDArray[np.float64]
#: statuses that count as a failed call (client disconnects and skipped shadows do not count)
ERROR_STATUSES = ("error", "timeout")
COUNTED_STATUSES = ("ok", "error", "timeout")


@dataclass(frozen=True)
class TrafficGroup:
    """Traffic of one workload x model x role within a time window."""

    workload: str
    model: str
    role: str
    requests: int
    errors: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    costed: int  # requests with a known cost
    first_ts: datetime | None
    last_ts: datetime | None
    p95_latency_ms: float | None = None
    sources: str = ""
    cost_sq: float = 0.0  # sum of squared costs, for the CI of the mean cost


def raw_rows(conn: Connection, stmt: Select[Any]) -> list[Any]:
    """The driver's own rows of ``stmt``, without SQLAlchemy's per-value result processing
    (timestamps stay as the driver gives them: text on SQLite, see :func:`utc`)."""
    result = conn.execute(stmt)
    rows = result.cursor.fetchall() if result.cursor is not None else []
    result.close()
    return list(rows)


def utc(value: Any) -> datetime | None:
    """A timestamp from an aggregate as an aware UTC datetime (SQLite may give text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TrafficQueries(SqlBase):
    """Aggregate trace reads (SQLite or PostgreSQL); part of :class:`~swapsafe.store.SqlStore`,
    so every caller reads them through the Store protocol."""

    @staticmethod
    def _where(
        workload: str | None = None,
        model: str | None = None,
        role: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[ColumnElement[bool]]:
        c = traces.c
        where: list[ColumnElement[bool]] = [c.source.not_in(SYNTHETIC_SOURCES)]
        if workload is not None:
            where.append(c.workload == workload)
        if model is not None:
            where.append(c.model == model)
        if role is not None:
            where.append(c.role == role)
        if since is not None:
            where.append(c.ts >= since)
        if until is not None:
            where.append(c.ts < until)
        return where

    def groups(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        workload: str | None = None,
        model: str | None = None,
        with_p95: bool = True,
    ) -> list[TrafficGroup]:
        """Per workload x model x role: counts, token sums, cost sum, first/last time, p95.

        One GROUP BY scan, and for the p95 one more over the ok latencies (:meth:`latencies`).
        """
        c = traces.c
        where = [*self._where(workload, model, None, since, until), c.status.in_(COUNTED_STATUSES)]
        is_error = case((c.status.in_(ERROR_STATUSES), 1), else_=0)
        aggregates = (
            func.count().label("requests"),
            func.sum(is_error).label("errors"),
            func.coalesce(func.sum(c.input_tokens), 0).label("input_tokens"),
            func.coalesce(func.sum(c.output_tokens), 0).label("output_tokens"),
            func.sum(c.cost_usd).label("cost_usd"),
            func.count(c.cost_usd).label("costed"),
            func.sum(c.cost_usd * c.cost_usd).label("cost_sq"),
            func.min(c.ts).label("first_ts"),
            func.max(c.ts).label("last_ts"),
            func.min(c.source).label("src_min"),
            func.max(c.source).label("src_max"),
        )
        # On SQLite the GROUP BY reads ix_traces_report (a covering index in this order) in
        # group order, one seek per group for one workload (sql_seek): no sort and no table
        # read. PostgreSQL hash-aggregates.
        with self._read() as conn:
            stmt = (
                select(c.workload, c.model, c.role, *aggregates)
                .where(and_(True, *where, *seek_terms(conn, workload)))
                .group_by(c.workload, c.model, c.role)
            )
            found = [((r[0], r[1], r[2]), r) for r in conn.execute(stmt)]
        found.sort(key=lambda item: item[0])
        p95s: dict[tuple[str, str, str], float] = {}
        if with_p95:
            lat = self.latencies([k for k, _ in found], since=since, until=until)
            p95s = {k: float(np.quantile(v, 0.95)) for k, v in lat.items() if v.size}
        return [_group(key, r, p95s.get(key)) for key, r in found]

    def latencies(
        self,
        keys: Sequence[tuple[str, str, str]],
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> dict[tuple[str, str, str], FloatArray]:
        """Sorted latencies of ok calls for each (workload, model, role) in ``keys``.

        One grouped scan in which the database joins each group's latencies into one text
        (exact: 17 significant digits on SQLite, shortest round-trip on PostgreSQL) that numpy
        parses: no Python object per value. On SQLite the scan streams off the covering index
        ``ix_traces_report``, already in group order.
        """
        out: dict[tuple[str, str, str], FloatArray] = {k: np.empty(0) for k in keys}
        if not keys:
            return out
        c = traces.c
        where = [*self._where(None, None, None, since, until), c.status == "ok"]
        where.append(c.latency_ms.is_not(None))
        workloads = sorted({k[0] for k in keys})
        if len(workloads) == 1:  # one workload: one index seek per (model, role) on SQLite
            where.append(c.workload == workloads[0])
            where.append(c.model.in_(sorted({k[1] for k in keys})))
            where.append(c.role.in_(sorted({k[2] for k in keys})))
        if self.dialect == "postgresql":
            joined = func.string_agg(cast(c.latency_ms, Text), literal(","))
        else:
            # "!" lifts SQLite printf's 16-digit cap: 17 digits round-trip every double
            joined = func.group_concat(func.printf("%!.17g", c.latency_ms), literal(","))
        stmt = (
            select(c.workload, c.model, c.role, joined)
            .where(and_(True, *where))
            .group_by(c.workload, c.model, c.role)
        )
        with self._read() as conn:
            rows = raw_rows(conn, stmt)
        for workload, model, role, text in rows:
            key = (workload, model, role)
            if key in out and text:
                out[key] = np.sort(np.fromstring(text, dtype=np.float64, sep=","))
        return out

    def p95_by_group(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        workload: str | None = None,
        model: str | None = None,
        q: float = 0.95,
    ) -> dict[tuple[str, str, str], float]:
        """Linear-interpolated latency quantile of ok calls per workload x model x role."""
        c = traces.c
        where = [
            *self._where(workload, model, None, since, until),
            c.status == "ok",
            c.latency_ms.is_not(None),
        ]
        keys = (c.workload, c.model, c.role)
        if self.dialect == "postgresql":
            stmt = (
                select(*keys, func.percentile_cont(q).within_group(c.latency_ms).label("p"))
                .where(and_(True, *where))
                .group_by(*keys)
            )
            with self._read() as conn:
                return {(r[0], r[1], r[2]): float(r.p) for r in conn.execute(stmt)}
        groups = self.groups(
            since=since, until=until, workload=workload, model=model, with_p95=False
        )
        lat = self.latencies(
            [(g.workload, g.model, g.role) for g in groups], since=since, until=until
        )
        return {k: float(np.quantile(v, q)) for k, v in lat.items() if v.size}

    def column(
        self,
        name: str,
        *,
        workload: str,
        model: str,
        role: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        ok_only: bool = True,
        limit: int | None = None,
    ) -> list[float]:
        """Non-null values of one numeric trace column (newest first when ``limit`` is set).

        On SQLite the newest ``limit`` are read role by role, each a (workload, model, role,
        ts) range read newest first and stopped at the limit, then merged by time: ordering
        both roles at once has no index there and made SQLite sort the whole window first.
        PostgreSQL reads a time index backwards in one query (see :mod:`.sql_pairs`)."""
        c = traces.c
        col = c[name]
        where = [*self._where(workload, model, None, since, until), col.is_not(None)]
        if ok_only:
            where.append(c.status == "ok")
        if limit is None:
            role_is = [] if role is None else [c.role == role]
            with self._read() as conn:
                stmt = select(col).where(and_(True, *where, *role_is))
                return [float(v) for v in conn.execute(stmt).scalars()]
        found: list[tuple[Any, float]] = []  # (ts as the driver gives it, value)
        with self._read() as conn:
            roles = ROLES if role is None and conn.dialect.name == "sqlite" else (role,)
            for r in roles:
                role_is = [] if r is None else [c.role == r]
                stmt = select(c.ts, col).where(and_(True, *where, *role_is))
                found += raw_rows(conn, stmt.order_by(c.ts.desc()).limit(limit))
        found.sort(key=lambda row: row[0], reverse=True)  # one format per store: it sorts
        return [float(v) for _, v in found[:limit]]

    def daily_cost(
        self, *, workload: str, role: str, since: datetime, until: datetime
    ) -> list[tuple[date, float, int]]:
        """(UTC day, cost in USD, priced calls) of the ``role`` calls of ``workload``."""
        c = traces.c
        utc = c.ts if self.dialect == "sqlite" else func.timezone("UTC", c.ts)
        day = func.date(utc)
        with self._read() as conn:
            where = [*self._where(workload, None, role, since, until), *seek_terms(conn, workload)]
            stmt = (
                select(day.label("day"), func.sum(c.cost_usd), func.count(c.cost_usd))
                .where(and_(True, *where))
                .group_by(day)
                .order_by(day)
            )
            rows = conn.execute(stmt).all()
        return [
            (d if isinstance(d, date) else date.fromisoformat(str(d)), float(usd or 0.0), int(n))
            for d, usd, n in rows
        ]

    def error_counts(
        self,
        *,
        workload: str,
        model: str,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> tuple[int, int]:
        """(errors, counted calls) of ``model`` in ``workload``, served and shadow together.

        Naming both roles makes this a seek of one (workload, model, role, ts) range per role
        in ``ix_traces_report`` on SQLite; left out, an ANALYZEd store chose a skip-scan that
        read every index entry (0.3 s instead of 10 ms on 1,000,000 traces)."""
        c = traces.c
        where = [*self._where(workload, model, None, since, until), c.status.in_(COUNTED_STATUSES)]
        where.append(c.role.in_(ROLES))
        is_error = case((c.status.in_(ERROR_STATUSES), 1), else_=0)
        stmt = select(func.coalesce(func.sum(is_error), 0), func.count()).where(and_(True, *where))
        with self._read() as conn:
            errors, total = conn.execute(stmt).one()
        return int(errors), int(total)

    def shadow_coverage(
        self,
        *,
        workload: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> dict[str, ShadowCoverage]:
        """Served requests in shadow mode per workload, by shadow outcome (one GROUP BY)."""
        c = traces.c
        where = [
            *self._where(workload, None, "served", since, until),
            c.shadow_outcome.is_not(None),
        ]
        stmt = (
            select(c.workload, c.shadow_outcome, func.count())
            .where(and_(True, *where))
            .group_by(c.workload, c.shadow_outcome)
        )
        outcomes: dict[str, dict[str, int]] = {}
        with self._read() as conn:
            for name, outcome, n in conn.execute(stmt):
                outcomes.setdefault(name, {})[outcome] = int(n)
        return {name: ShadowCoverage(name, counts) for name, counts in sorted(outcomes.items())}


def _group(key: tuple[str, str, str], r: Any, p95: float | None) -> TrafficGroup:
    """One row of :meth:`TrafficQueries.groups`' GROUP BY as a TrafficGroup."""
    sources = r.src_min if r.src_min == r.src_max else f"{r.src_min}, {r.src_max}"
    return TrafficGroup(
        workload=key[0],
        model=key[1],
        role=key[2],
        requests=int(r.requests),
        errors=int(r.errors or 0),
        input_tokens=int(r.input_tokens or 0),
        output_tokens=int(r.output_tokens or 0),
        cost_usd=None if r.cost_usd is None else float(r.cost_usd),
        costed=int(r.costed),
        first_ts=utc(r.first_ts),
        last_ts=utc(r.last_ts),
        p95_latency_ms=p95,
        sources=sources,
        cost_sq=float(r.cost_sq or 0.0),
    )
