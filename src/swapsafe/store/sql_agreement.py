"""Store methods for stored shadow agreement and the controller heartbeat (SQL aggregates).

The agreement of a pair is computed once by :mod:`swapsafe.review.agreement_cache` (the one
rule, :func:`swapsafe.review.agreement.compare`) and stored here; pages count it in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, literal_column, select

from swapsafe.store.convert import from_row, from_rows, to_row
from swapsafe.store.records import SYNTHETIC_SOURCES, TraceRecord
from swapsafe.store.records_rollout import AgreementGroup, Heartbeat, PairAgreement
from swapsafe.store.sql_base import SqlBase
from swapsafe.store.tables import traces
from swapsafe.store.tables_rollout import controller_heartbeat, shadow_agreement

_CHUNK = 500


class AgreementStoreMixin(SqlBase):
    # -- stored pair agreement ---------------------------------------------------------------

    def unjudged_pairs(
        self, workload: str, rule: int, since: datetime | None, until: datetime | None, limit: int
    ) -> list[tuple[str, datetime]]:
        """(pair id, time) of real shadow calls in ``[since, until)`` without an agreement by
        ``rule``, oldest first."""
        c, a = traces.c, shadow_agreement.c
        where: list[ColumnElement[bool]] = [
            c.workload == workload,
            c.role == literal_column("'shadow'"),  # a literal: the partial index applies
            c.source.not_in(SYNTHETIC_SOURCES),
            a.pair_id.is_(None),
        ]
        if since is not None:
            where.append(c.ts >= since)
        if until is not None:
            where.append(c.ts < until)
        joined = traces.outerjoin(shadow_agreement, and_(a.pair_id == c.pair_id, a.rule == rule))
        stmt = select(c.pair_id, c.ts).select_from(joined).where(*where).order_by(c.ts)
        with self._read() as conn:
            return [(str(p), ts) for p, ts in conn.execute(stmt.limit(limit))]

    def traces_of_pairs(self, pair_ids: Sequence[str]) -> list[TraceRecord]:
        """Every trace row of these pairs (both sides)."""
        out: list[TraceRecord] = []
        with self._read() as conn:
            for i in range(0, len(pair_ids), _CHUNK):
                chunk = list(pair_ids[i : i + _CHUNK])
                rows = conn.execute(select(traces).where(traces.c.pair_id.in_(chunk)))
                out += from_rows(TraceRecord, rows)
        return out

    def save_agreements(self, rows: Sequence[PairAgreement]) -> None:
        """Store (or replace) the agreement of these pairs."""
        if not rows:
            return
        ids = [r.pair_id for r in rows]
        with self._write() as conn:
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i : i + _CHUNK]
                conn.execute(delete(shadow_agreement).where(shadow_agreement.c.pair_id.in_(chunk)))
            conn.execute(shadow_agreement.insert(), [to_row(r) for r in rows])

    def agreement_groups(
        self,
        workload: str,
        rule: int,
        since: datetime | None,
        until: datetime | None,
        models: tuple[str, str] | None = None,
    ) -> list[AgreementGroup]:
        """Stored agreements of shadow pairs served in ``[since, until)``, by day, verdict and
        kinds; ``models`` (old, new) keeps only the pairs of those two."""
        a = shadow_agreement.c
        where: list[ColumnElement[bool]] = [a.workload == workload, a.rule == rule]
        if since is not None:
            where.append(a.served_ts >= since)
        if until is not None:
            where.append(a.served_ts < until)
        if models is not None:
            where += [a.old_model == models[0], a.new_model == models[1]]
        stmt = (
            select(
                a.day,
                a.agree,
                a.both_ok,
                a.kinds,
                func.count(),
                func.coalesce(func.sum(a.similarity), 0.0),
                func.count(a.similarity),
            )
            .where(*where)
            .group_by(a.day, a.agree, a.both_ok, a.kinds)
            .order_by(a.day)
        )
        with self._read() as conn:
            return [AgreementGroup(*row) for row in conn.execute(stmt)]

    def agreement_by_served_model(
        self, workload: str, rule: int, since: datetime, until: datetime
    ) -> dict[str, tuple[int, int]]:
        """Per served model: (agreeing pairs, pairs) of pairs served in ``[since, until)``."""
        a = shadow_agreement.c
        stmt = (
            select(a.served_model, func.sum(a.agree), func.count())
            .where(
                a.workload == workload,
                a.rule == rule,
                a.served_ts >= since,
                a.served_ts < until,
            )
            .group_by(a.served_model)
        )
        with self._read() as conn:
            return {str(m): (int(k), int(n)) for m, k, n in conn.execute(stmt)}

    # -- heartbeat ---------------------------------------------------------------------------

    def beat(self, beat: Heartbeat) -> None:
        """Record a pass of the loop ``beat.name`` (one row per name)."""
        c = controller_heartbeat.c
        with self._write() as conn:
            conn.execute(delete(controller_heartbeat).where(c.name == beat.name))
            conn.execute(controller_heartbeat.insert().values(to_row(beat)))

    def heartbeat(self, name: str) -> Heartbeat | None:
        c = controller_heartbeat.c
        with self._read() as conn:
            row = conn.execute(select(controller_heartbeat).where(c.name == name)).first()
        return None if row is None else from_row(Heartbeat, row)
