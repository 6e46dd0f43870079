"""Request compatibility per workload x model x role: how many requests a model adapter changed,
how many the model refused with a 4xx, and which prompt variants ran.

The refused share is the migration's *hidden incompatibilities*: requests the old model took
that the new one rejects. A 4xx counts as refused unless it is about the caller rather than the
request (:data:`NOT_REFUSALS`: auth 401 / 403, timeout 408, conflict 409, rate limit 429).
Synthetic traffic (rehearsals) is left out, as everywhere in reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, case, func, select

from swapsafe.store.sql_report import COUNTED_STATUSES, TrafficQueries
from swapsafe.store.sql_seek import seek_terms
from swapsafe.store.tables import traces

#: 4xx statuses that are no refusal of the request itself
NOT_REFUSALS = (401, 403, 408, 409, 429)

Key = tuple[str, str, str]  # workload, model, role


@dataclass
class Compatibility:
    """One workload x model x role: requests, adapted, refused, prompt variants (digest ->
    requests)."""

    workload: str
    model: str
    role: str
    requests: int = 0
    adapted: int = 0
    refused: int = 0
    variants: dict[str, int] = field(default_factory=dict)

    @property
    def adapted_share(self) -> float:
        return self.adapted / self.requests if self.requests else 0.0

    @property
    def refused_share(self) -> float:
        return self.refused / self.requests if self.requests else 0.0


def is_refusal(http_status: int | None) -> bool:
    """The one rule: a 4xx status that refuses the request itself (see the module docstring)."""
    return http_status is not None and 400 <= http_status < 500 and http_status not in NOT_REFUSALS


class CompatQueries(TrafficQueries):
    """The compatibility read; part of :class:`~swapsafe.store.SqlStore` (the Store protocol)."""

    def compatibility(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        workload: str | None = None,
    ) -> dict[Key, Compatibility]:
        """Compatibility of every workload (or of ``workload``) x model x role with traffic in
        the window. On SQLite, one workload's counts read only ``ix_traces_report``, a seek
        per model and role (:mod:`~swapsafe.store.sql_seek`)."""
        with self._read() as conn:
            where = [
                *self._where(workload, None, None, since, until),
                traces.c.status.in_(COUNTED_STATUSES),
                *seek_terms(conn, workload),
            ]
            return _compatibility(conn, where)


def _compatibility(conn: Connection, where: list[ColumnElement[bool]]) -> dict[Key, Compatibility]:
    c = traces.c
    refused = and_(c.http_status >= 400, c.http_status < 500, c.http_status.not_in(NOT_REFUSALS))
    counts = (
        select(
            c.workload,
            c.model,
            c.role,
            func.count().label("requests"),
            func.sum(case((c.adapted.is_not(None), 1), else_=0)).label("adapted"),
            func.sum(case((refused, 1), else_=0)).label("refused"),
        )
        .where(and_(True, *where))
        .group_by(c.workload, c.model, c.role)
    )
    variants = (
        select(c.workload, c.model, c.role, c.prompt_variant, func.count())
        .where(and_(c.prompt_variant.is_not(None), *where))
        .group_by(c.workload, c.model, c.role, c.prompt_variant)
    )
    out: dict[Key, Compatibility] = {}
    for r in conn.execute(counts):
        key = (r[0], r[1], r[2])
        out[key] = Compatibility(*key, int(r[3]), int(r[4] or 0), int(r[5] or 0))
    for w, m, role, digest, n in conn.execute(variants):
        out.setdefault((w, m, role), Compatibility(w, m, role)).variants[digest] = int(n)
    return out
