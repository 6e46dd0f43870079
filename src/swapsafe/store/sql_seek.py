"""How one workload's aggregates over a window seek ``ix_traces_report`` on SQLite.

The index is (workload, model, role, ts, ...). A per-workload ``GROUP BY model, role`` that
leaves model and role open gave SQLite's planner a choice, and on a store with ANALYZE
statistics it chose a skip-scan of the index followed by a sort of every row of the window
(1.2-1.6 s for a workload's 500,000 of 1,000,000 traces), or the table through
``ix_traces_model_ts``. Naming the workload's models and every role in IN lists selects the
same rows and leaves one plan: a seek of each (workload, model, role, ts) range, read in
group order, no sort and no table row (0.25 s), with or without statistics.

The models come from a loose index scan (one index probe per distinct model). PostgreSQL
hash-aggregates and has no such index: it gets no extra terms.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, text

from swapsafe.store.records import ROLES
from swapsafe.store.tables import traces

_MODELS = text(
    "WITH RECURSIVE m(model) AS ("
    " SELECT (SELECT min(model) FROM traces WHERE workload = :w)"
    " UNION ALL"
    " SELECT (SELECT min(model) FROM traces WHERE workload = :w AND model > m.model)"
    " FROM m WHERE m.model IS NOT NULL"
    ") SELECT model FROM m WHERE model IS NOT NULL"
)


def workload_models(conn: Connection, workload: str) -> list[str]:
    """Every model with a trace in ``workload``, ever (SQLite: one index probe per model)."""
    return [str(m) for m in conn.execute(_MODELS, {"w": workload}).scalars()]


def seek_terms(conn: Connection, workload: str | None) -> list[ColumnElement[bool]]:
    """WHERE terms that select no other rows than ``workload = W`` already does, and make
    SQLite seek ``ix_traces_report`` range by range (none on PostgreSQL or for all workloads)."""
    if workload is None or conn.dialect.name != "sqlite":
        return []
    return [traces.c.model.in_(workload_models(conn, workload)), traces.c.role.in_(ROLES)]
