"""Shadow coverage from stored traces (SQLite and PostgreSQL), as the report shows it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.report.report_helpers import NOW, make_config, seed_shadow, trace

from swapsafe.report import build_report, render_report
from swapsafe.store import open_store
from swapsafe.store.coverage import SHADOWED


def _served(i: int, outcome: str | None, **kw: object) -> object:
    return trace(f"s{i}", shadow_outcome=outcome, **kw)


def test_coverage_counts_served_rows_by_shadow_outcome(tmp_path: Path, store_url: str) -> None:
    store = open_store(store_url)
    try:
        rows = [_served(i, SHADOWED) for i in range(5)]
        rows += [_served(10 + i, "busy_lag") for i in range(3)]
        rows += [_served(20, "budget"), _served(21, None)]  # None: no shadow was due
        rows += [_served(30, "busy_lag", source="rehearsal")]  # synthetic: left out
        rows += [_served(40, "busy_lag", ts=NOW - timedelta(days=30))]  # outside the window
        rows += [_served(50, SHADOWED, workload="search")]
        rows += [trace("sh0", role="shadow", model="new", pair_id="s0")]  # shadow rows: no outcome
        store.insert_traces(rows)  # type: ignore[arg-type]
        since = NOW - timedelta(days=14)
        got = store.shadow_coverage(since=since, until=NOW)
        one = store.shadow_coverage(workload="support", since=since, until=NOW)
        every = store.shadow_coverage(workload="support")
    finally:
        store.close()
    assert set(got) == {"support", "search"} and set(one) == {"support"}
    support = got["support"]
    assert dict(support.outcomes) == {SHADOWED: 5, "busy_lag": 3, "budget": 1}
    assert (support.shadowed, support.served, support.ratio) == (5, 9, 5 / 9)
    assert one["support"] == support
    assert every["support"].outcomes["busy_lag"] == 4  # no window: the old row too
    assert got["search"].ratio == 1.0


def test_report_shows_coverage_next_to_agreement(tmp_path: Path, store_url: str) -> None:
    cfg = make_config(tmp_path, store_url)
    store = open_store(store_url)
    try:
        seed_shadow(store, 10)
        store.insert_traces(
            [_served(100 + i, "busy_in_flight", ts=NOW - timedelta(hours=2)) for i in range(3)]
            + [_served(200, None)]  # type: ignore[list-item]
        )
        data = build_report(cfg, store, ["support"], now=NOW)
        md = render_report(cfg, store, ["support"], fmt="md", now=NOW)
        html = render_report(cfg, store, ["support"], fmt="html", now=NOW)
        empty = render_report(cfg, store, ["search"], fmt="md", now=NOW)
    finally:
        store.close()
    cov = data.workloads[0].coverage
    assert cov is not None and (cov.shadowed, cov.served) == (10, 13)
    line = "Shadow coverage 77% (10 of 13 served requests; 3 skipped: busy_in_flight 3)."
    assert line in md and line in html
    assert "Shadow coverage: no served request in shadow mode recorded in the window." in empty


def test_sqlite_coverage_of_one_workload_reads_only_its_partial_index(tmp_path: Path) -> None:
    """The report asks per workload: that query must not visit every served row's table row."""
    from sqlalchemy import event

    store = open_store(f"sqlite:///{tmp_path / 'plan.db'}")
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    try:
        store.insert_traces([_served(1, SHADOWED), _served(2, None)])  # type: ignore[list-item]
        event.listen(store._engine, "before_cursor_execute", capture)  # type: ignore[attr-defined]
        store.shadow_coverage(workload="support", since=NOW - timedelta(days=14), until=NOW)
        event.remove(store._engine, "before_cursor_execute", capture)  # type: ignore[attr-defined]
        [(statement, params)] = [(s, p) for s, p in seen if "GROUP BY" in s]
        with store._engine.connect() as conn:  # type: ignore[attr-defined]
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
            plan = " | ".join(row[-1] for row in rows)
        assert "USING COVERING INDEX ix_traces_shadow_coverage" in plan, plan
    finally:
        store.close()
