"""One workload's aggregates over a window: the same rows as the unfiltered reads, and on an
ANALYZEd SQLite store plans that seek ``ix_traces_report`` instead of sorting the window."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import event, text

from swapsafe.store import SqlStore, open_store
from swapsafe.store.migrate import alembic_config
from swapsafe.store.records import TraceQuery, TraceRecord
from swapsafe.store.tables import REPORT_INDEX_COLUMNS

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SINCE, UNTIL = NOW - timedelta(days=30), NOW


def _rows(n: int = 1500) -> list[TraceRecord]:
    """Two workloads, three models, both roles, every status, refusals, adapted calls, prompt
    variants and rehearsals, some of it outside the window."""
    rnd = random.Random(5)
    rows = []
    for i in range(n):
        pair = f"p{i // 2}"
        role = "served" if i % 2 == 0 else "shadow"
        model = ("old", "new", "other")[i % 3] if role == "served" else "new"
        if role == "shadow" and i % 7 == 0:
            model = "other"
        rows.append(
            TraceRecord(
                request_id=f"r{i}",
                pair_id=pair,
                ts=NOW - timedelta(days=rnd.uniform(-1, 40)),
                workload=("support", "search")[(i // 2) % 2],
                role=role,  # type: ignore[arg-type]
                model=model,
                provider="openai",
                status=rnd.choice(["ok", "ok", "ok", "error", "timeout", "skipped"]),
                http_status=rnd.choice([200, 200, 400, 429, 500]),
                latency_ms=rnd.uniform(50, 900),
                input_tokens=rnd.randint(1, 900),
                output_tokens=rnd.randint(1, 400),
                cost_usd=rnd.choice([None, rnd.uniform(0, 0.01)]),
                adapted="drop:temperature" if i % 5 == 0 else None,
                prompt_variant=("v1", "v2", None)[i % 3],
                source="rehearsal" if i % 11 == 0 else "gateway",
            )
        )
    return rows


@contextmanager
def _statements(store: SqlStore) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, sql: str, params: Any, *_: Any) -> None:
        seen.append((sql, params))

    engine = store._engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def _reads(store: SqlStore, workload: str | None) -> dict[str, Any]:
    w = workload
    return {
        "groups": [_rounded(g) for g in store.groups(since=SINCE, until=UNTIL, workload=w)],
        "compat": store.compatibility(since=SINCE, until=UNTIL, workload=w),
    }


def _rounded(group: Any) -> tuple[Any, ...]:
    """A group with its float sums rounded: a database may add them in another order."""
    return tuple(round(v, 9) if isinstance(v, float) else v for v in vars(group).values())


def test_one_workload_reads_the_same_rows_as_all_workloads(store_url: str) -> None:
    store = open_store(store_url)
    assert isinstance(store, SqlStore)
    try:
        store.insert_traces(_rows())
        every = _reads(store, None)
        for name in ("support", "search", "nothing"):
            one = _reads(store, name)
            assert one["groups"] == [g for g in every["groups"] if g[0] == name]
            assert one["compat"] == {k: v for k, v in every["compat"].items() if k[0] == name}
    finally:
        store.close()


def test_newest_first_reads_merge_both_roles(store_url: str) -> None:
    store = open_store(store_url)
    assert isinstance(store, SqlStore)
    try:
        rows = _rows()
        store.insert_traces(rows)
        window = [
            r for r in store.query_traces(TraceQuery(since=SINCE, until=UNTIL, limit=10_000))
            if r.source != "rehearsal"
        ]  # fmt: skip
        newest = sorted(
            (r for r in window if (r.workload, r.model, r.status) == ("support", "new", "ok")),
            key=lambda r: r.ts,
            reverse=True,
        )
        for limit in (1, 40, 5000):
            got = store.column("latency_ms", workload="support", model="new", since=SINCE,
                               until=UNTIL, limit=limit)  # fmt: skip
            assert got == [r.latency_ms for r in newest[:limit]]
            pairs = store.shadow_pairs(workload="support", new_model="new", old_model="old",
                                       since=SINCE, until=UNTIL, limit=limit)  # fmt: skip
            assert [(p.ts, p.new_latency_ms) for p in pairs] == _brute_pairs(rows)[:limit]
    finally:
        store.close()


def _brute_pairs(rows: list[TraceRecord]) -> list[tuple[datetime, float | None]]:
    """(time, candidate latency) of each support pair in the window, newest first."""
    counted = ("ok", "error", "timeout")
    real = [r for r in rows if r.status in counted and r.source != "rehearsal"]
    old = {r.pair_id for r in real if r.model == "old"}
    new = [
        r for r in real
        if (r.workload, r.model) == ("support", "new") and SINCE <= r.ts < UNTIL
        and r.pair_id in old
    ]  # fmt: skip
    return [(r.ts, r.latency_ms) for r in sorted(new, key=lambda r: r.ts, reverse=True)]


def test_analyzed_sqlite_seeks_the_report_index(tmp_path: Any) -> None:
    """With ANALYZE statistics, SQLite chose a skip-scan and a sort of the whole window for
    these reads; naming the models and roles leaves index seeks without a temporary b-tree."""
    store = open_store(f"sqlite:///{tmp_path / 'swapsafe.db'}")
    assert isinstance(store, SqlStore)
    try:
        store.insert_traces(_rows(3000))
        with store._engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        with _statements(store) as seen:
            store.groups(since=SINCE, until=UNTIL, workload="support")
            store.error_counts(workload="support", model="new", since=SINCE, until=UNTIL)
            store.daily_cost(workload="support", role="served", since=SINCE, until=UNTIL)
            store.compatibility(since=SINCE, until=UNTIL, workload="support")
            store.column("latency_ms", workload="support", model="new", since=SINCE,
                         until=UNTIL, limit=100)  # fmt: skip
            store.shadow_pairs(workload="support", new_model="new", old_model="old",
                               since=SINCE, until=UNTIL, limit=100)  # fmt: skip
        with store._engine.connect() as conn:
            for sql, params in seen:
                if "FROM traces" not in sql or "RECURSIVE" in sql:
                    continue
                plan = " | ".join(r[3] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}",
                                                                      params))  # fmt: skip
                assert "ix_traces_report" in plan and "ANY(" not in plan, (sql, plan)
                # grouping by day or by prompt variant sorts the rows it groups (no index order)
                sorts_ok = "date(traces.ts)" in sql or "GROUP BY" in sql and "prompt_variant" in sql
                assert "TEMP B-TREE" not in plan or sorts_ok, (sql, plan)
    finally:
        store.close()


def test_report_0001_rebuilds_the_index_and_keeps_statistics(tmp_path: Any) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'swapsafe.db'}")
    assert isinstance(store, SqlStore)
    try:
        with store._engine.begin() as conn:
            command.downgrade(alembic_config(conn), "report_0001-1")
        store.insert_traces(_rows(200))
        with store._engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        store.upgrade()
        with store._engine.connect() as conn:
            info = conn.exec_driver_sql("PRAGMA index_info('ix_traces_report')").all()
            stat = conn.exec_driver_sql(
                "SELECT count(*) FROM sqlite_stat1 WHERE idx = 'ix_traces_report'"
            ).scalar_one()
        assert tuple(r[2] for r in sorted(info)) == REPORT_INDEX_COLUMNS
        assert stat == 1
    finally:
        store.close()
