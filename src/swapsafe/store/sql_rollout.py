"""Store methods of the rollout area: controller state, feedback and cohort aggregates in SQL.

:class:`RolloutStoreMixin` is part of ``SqlStore``; its methods are in the Store protocol.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, case, cast, func, literal, select

from swapsafe.exceptions import StoreError
from swapsafe.store.convert import from_row, from_rows, to_row
from swapsafe.store.records import SYNTHETIC_SOURCES
from swapsafe.store.records_rollout import BucketRaw, CohortRaw, Feedback, RolloutRecord
from swapsafe.store.sql_agreement import AgreementStoreMixin
from swapsafe.store.tables import sqlite_utc_text, traces
from swapsafe.store.tables_rollout import feedback, rollout_state

#: trace statuses that count as a failed request; client disconnects are not counted at all
ERROR_STATUSES = ("error", "timeout")
_NOT_COUNTED = ("client_disconnect", "skipped")


class RolloutConflict(StoreError):
    """The rollout state was changed by someone else between read and write."""


class RolloutStoreMixin(AgreementStoreMixin):
    # -- controller state --------------------------------------------------------------------

    def get_rollout(self, workload: str) -> RolloutRecord | None:
        with self._read() as conn:
            row = conn.execute(
                select(rollout_state).where(rollout_state.c.workload == workload)
            ).first()
        return None if row is None else from_row(RolloutRecord, row)

    def list_rollouts(self) -> list[RolloutRecord]:
        with self._read() as conn:
            rows = conn.execute(select(rollout_state).order_by(rollout_state.c.workload))
            return from_rows(RolloutRecord, rows)

    def save_rollout(self, record: RolloutRecord, *, expected_version: int) -> RolloutRecord:
        """Write ``record`` if the stored version is ``expected_version`` (0: no row yet).

        Returns the record as stored (version + 1); raises RolloutConflict otherwise.
        """
        new = dataclasses.replace(record, version=expected_version + 1)
        values = to_row(new)
        c = rollout_state.c
        with self._write() as conn:
            current = conn.execute(
                select(c.version).where(c.workload == record.workload)
            ).scalar_one_or_none()
            if (current or 0) != expected_version:
                raise RolloutConflict(
                    f"the rollout of {record.workload!r} was changed by someone else "
                    f"(version {current or 0}, expected {expected_version}); reload and retry."
                )
            if current is None:
                conn.execute(rollout_state.insert().values(values))
            else:
                conn.execute(
                    rollout_state.update().where(c.workload == record.workload).values(values)
                )
        return new

    # -- feedback ----------------------------------------------------------------------------

    def add_feedback(self, item: Feedback) -> int:
        """Store feedback; a second one for the same response replaces the first."""
        values = to_row(item)
        c = feedback.c
        with self._write() as conn:
            existing = conn.execute(
                select(c.id).where(c.request_id == item.request_id)
            ).scalar_one_or_none()
            if existing is not None:
                values.pop("id", None)
                conn.execute(feedback.update().where(c.id == existing).values(values))
                return int(existing)
            key = conn.execute(feedback.insert().values(values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def list_feedback(
        self, workload: str | None = None, model: str | None = None, limit: int = 1000
    ) -> list[Feedback]:
        """Newest first."""
        c = feedback.c
        where: list[ColumnElement[bool]] = []
        if workload is not None:
            where.append(c.workload == workload)
        if model is not None:
            where.append(c.model == model)
        stmt = select(feedback).where(and_(True, *where)).order_by(c.ts.desc(), c.id.desc())
        with self._read() as conn:
            return from_rows(Feedback, conn.execute(stmt.limit(limit)))

    # -- cohort aggregates -------------------------------------------------------------------

    def cohort_stats(
        self, workload: str, model: str, since: datetime, until: datetime
    ) -> CohortRaw:
        """Served calls of ``model`` in ``[since, until)``: counts, p95, cost and user feedback
        (shadow agreement: :mod:`swapsafe.review.agreement_cache`). SQL aggregates only."""
        c = traces.c
        where = _served(workload, model, since, until)
        ok = c.status == "ok"
        timed = and_(ok, c.latency_ms.is_not(None))
        costed = and_(ok, c.cost_usd.is_not(None))
        agg = select(
            func.coalesce(func.sum(case((c.status.not_in(_NOT_COUNTED), 1), else_=0)), 0),
            func.coalesce(func.sum(case((c.status.in_(ERROR_STATUSES), 1), else_=0)), 0),
            func.coalesce(func.sum(case((ok, 1), else_=0)), 0),
            func.coalesce(func.sum(case((timed, 1), else_=0)), 0),
            func.coalesce(func.sum(case((costed, c.cost_usd), else_=0.0)), 0.0),
            func.coalesce(func.sum(case((costed, 1), else_=0)), 0),
        ).where(where)
        fb = _feedback_stats(workload, model, since, until)
        with self._read() as conn:
            total, errors, oks, n_timed, cost_sum, cost_n = conn.execute(agg).one()
            p95 = None
            if n_timed:
                rank = max(math.ceil(0.95 * int(n_timed)) - 1, 0)  # nearest-rank percentile
                p95 = conn.execute(
                    select(c.latency_ms)
                    .where(where, timed)
                    .order_by(c.latency_ms)
                    .limit(1)
                    .offset(rank)
                ).scalar_one_or_none()
            fb_n, fb_mean = conn.execute(fb).one()
        return CohortRaw(
            total=int(total),
            errors=int(errors),
            ok=int(oks),
            p95_ms=None if p95 is None else float(p95),
            cost_sum=float(cost_sum),
            cost_n=int(cost_n),
            feedback_n=int(fb_n),
            feedback_mean=None if fb_mean is None else float(fb_mean),
        )

    def cohort_slower(
        self, workload: str, model: str, since: datetime, until: datetime, limit_ms: float
    ) -> int:
        """Timed served calls of ``model`` in ``[since, until)`` slower than ``limit_ms``
        (the calls :meth:`cohort_stats` takes its p95 from); one SQL count."""
        c = traces.c
        slow = and_(c.status == "ok", c.latency_ms.is_not(None), c.latency_ms > limit_ms)
        stmt = select(func.count()).where(_served(workload, model, since, until), slow)
        with self._read() as conn:
            return int(conn.execute(stmt).scalar_one())

    def cohort_series(
        self, workload: str, models: tuple[str, ...], since: datetime, until: datetime, buckets: int
    ) -> dict[tuple[str, int], BucketRaw]:
        """Per (model, bucket of ``[since, until)`` cut in ``buckets`` equal parts): counted
        requests, errors and the nearest-rank p95 of the timed ones (as :meth:`cohort_stats`
        counts them), in two SQL queries for the whole window."""
        c = traces.c
        step = max((until - since).total_seconds() / buckets, 1e-6)
        bucket = self._bucket(since, step).label("bucket")
        where = and_(_served_any(workload, models, since, until))
        counts = (
            select(
                c.model,
                bucket,
                func.sum(case((c.status.not_in(_NOT_COUNTED), 1), else_=0)),
                func.sum(case((c.status.in_(ERROR_STATUSES), 1), else_=0)),
            )
            .where(where)
            .group_by(c.model, bucket)
        )
        part = (c.model, bucket)
        ranked = (
            select(
                c.model.label("model"),
                bucket,
                c.latency_ms.label("ms"),
                func.row_number().over(partition_by=part, order_by=c.latency_ms).label("rn"),
                func.count().over(partition_by=part).label("n"),
            )
            .where(where, c.status == "ok", c.latency_ms.is_not(None))
            .subquery()
        )
        r = ranked.c
        p95 = select(r.model, r.bucket, r.ms).where(r.rn == (95 * r.n + 99) // 100)
        out: dict[tuple[str, int], BucketRaw] = {}
        with self._read() as conn:
            for model, b, total, errors in conn.execute(counts):
                out[(model, int(b))] = BucketRaw(int(total or 0), int(errors or 0), None)
            for model, b, ms in conn.execute(p95):
                key = (model, int(b))
                old = out.get(key, BucketRaw(0, 0, None))
                out[key] = dataclasses.replace(old, p95_ms=float(ms))
        return {k: v for k, v in out.items() if 0 <= k[1] < buckets}

    def _bucket(self, since: datetime, step: float) -> ColumnElement[Any]:
        """The bucket number of a trace's time: whole ``step`` seconds since ``since``."""
        ts = traces.c.ts
        if self.dialect == "sqlite":
            start = sqlite_utc_text(since)
            seconds = (func.julianday(ts) - func.julianday(literal(start))) * 86400.0
            return cast(seconds / step, Integer)
        return func.floor(func.extract("epoch", ts - literal(since)) / step)


def _served(workload: str, model: str, since: datetime, until: datetime) -> ColumnElement[bool]:
    """Served, counted (not synthetic) traces of ``model`` in ``[since, until)``."""
    return _served_any(workload, (model,), since, until)


def _served_any(
    workload: str, models: tuple[str, ...], since: datetime, until: datetime
) -> ColumnElement[bool]:
    c = traces.c
    model = c.model == models[0] if len(models) == 1 else c.model.in_(models)
    return and_(
        c.workload == workload,
        c.role == "served",
        model,
        c.ts >= since,
        c.ts < until,
        c.source.not_in(SYNTHETIC_SOURCES),
    )


def _feedback_stats(workload: str, model: str, since: datetime, until: datetime) -> Select[Any]:
    """(feedback count, mean score) for ``model``'s responses in ``[since, until)``."""
    f = feedback.c
    return select(func.count(), func.avg(f.score)).where(
        f.workload == workload,
        f.model == model,
        f.response_ts >= since,
        f.response_ts < until,
    )
