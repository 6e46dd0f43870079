"""Store methods of the rollout area: controller state, feedback and cohort aggregates in SQL.

Mix :class:`RolloutStoreMixin` into ``SqlStore``; until then :func:`rollout_db` wraps any
``SqlStore`` (sharing its engine) so the same methods work on it.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select

from swapsafe.exceptions import StoreError
from swapsafe.store.convert import from_row, from_rows, to_row
from swapsafe.store.records import SYNTHETIC_SOURCES
from swapsafe.store.records_rollout import CohortRaw, Feedback, RolloutRecord
from swapsafe.store.sql_base import SqlBase
from swapsafe.store.tables import traces
from swapsafe.store.tables_rollout import feedback, rollout_state

#: trace statuses that count as a failed request; client disconnects are not counted at all
ERROR_STATUSES = ("error", "timeout")
_NOT_COUNTED = ("client_disconnect", "skipped")


class RolloutConflict(StoreError):
    """The rollout state was changed by someone else between read and write."""


class RolloutStoreMixin(SqlBase):
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
        """Served calls of ``model`` in ``[since, until)``: counts, p95, cost, shadow agreement
        with the other model, and user feedback. A handful of SQL aggregates, no rows loaded."""
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
        pairs = _shadow_pairs(workload, model, since, until)
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
            n_pairs, n_agree = conn.execute(pairs).one()
            fb_n, fb_mean = conn.execute(fb).one()
        return CohortRaw(
            total=int(total),
            errors=int(errors),
            ok=int(oks),
            p95_ms=None if p95 is None else float(p95),
            cost_sum=float(cost_sum),
            cost_n=int(cost_n),
            pairs=int(n_pairs),
            agree=int(n_agree),
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


def _served(workload: str, model: str, since: datetime, until: datetime) -> ColumnElement[bool]:
    """Served, counted (not synthetic) traces of ``model`` in ``[since, until)``."""
    c = traces.c
    return and_(
        c.workload == workload,
        c.role == "served",
        c.model == model,
        c.ts >= since,
        c.ts < until,
        c.source.not_in(SYNTHETIC_SOURCES),
    )


class RolloutDb(RolloutStoreMixin):
    """The rollout methods on the engine of an existing store (which keeps owning it)."""

    def __init__(self, store: SqlBase) -> None:
        self._url = store._url
        self.url = store.url
        self._engine = store._engine
        self._stoppers = []

    def close(self) -> None:
        """The engine belongs to the wrapped store; nothing to close here."""


def rollout_db(store: Any) -> RolloutStoreMixin:
    """``store`` itself when it has the rollout methods, else a view sharing its engine."""
    if isinstance(store, RolloutStoreMixin):
        return store
    if isinstance(store, SqlBase):
        return RolloutDb(store)
    inner = getattr(store, "store", None)  # e.g. a wrapper exposing the SqlStore
    if isinstance(inner, SqlBase):
        return rollout_db(inner)
    raise StoreError(f"the rollout needs a SQL store, not {type(store).__name__}")


def _shadow_pairs(workload: str, model: str, since: datetime, until: datetime) -> Select[Any]:
    """(pairs, agreeing pairs) of ``model``'s served calls in ``[since, until)`` with their
    shadow: both ok with the same finish reason."""
    served = traces.alias("served")
    shadow = traces.alias("shadow")
    s, h = served.c, shadow.c
    agree = and_(
        s.status == "ok",
        h.status == "ok",
        func.coalesce(s.finish_reason, "") == func.coalesce(h.finish_reason, ""),
    )
    return (
        select(
            func.count(),
            func.coalesce(func.sum(case((agree, 1), else_=0)), 0),
        )
        .select_from(
            served.join(
                shadow,
                and_(h.pair_id == s.pair_id, h.role == "shadow", h.workload == s.workload),
            )
        )
        .where(
            s.workload == workload,
            s.role == "served",
            s.model == model,
            s.ts >= since,
            s.ts < until,
            s.source.not_in(SYNTHETIC_SOURCES),
        )
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
