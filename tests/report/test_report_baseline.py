"""Baseline and inventory figures checked against values computed by hand, on both backends."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from tests.report.report_helpers import NOW, make_config, seed_eval, trace

from swapsafe.stats import wilson_interval as wilson
from swapsafe.store import open_store
from swapsafe.traffic.baseline import compare_latest, compute_baselines, store_baselines
from swapsafe.traffic.inventory import build_inventory, to_csv


def _seed(store) -> None:  # type: ignore[no-untyped-def]
    h = timedelta(hours=1)
    store.insert_traces(
        [
            # support on old: 4 ok + 1 error + 1 client disconnect (not counted)
            trace("a1", latency_ms=100, input_tokens=100, output_tokens=10,
                  cost_usd=0.001, ts=NOW - 2 * h),
            trace("a2", latency_ms=200, input_tokens=200, output_tokens=20,
                  cost_usd=0.002, ts=NOW - 3 * h),
            trace("a3", latency_ms=300, input_tokens=300, output_tokens=30,
                  cost_usd=0.003, ts=NOW - 4 * h),
            trace("a4", latency_ms=400, input_tokens=400, output_tokens=40,
                  cost_usd=0.004, ts=NOW - 5 * h),
            trace("a5", status="error", latency_ms=900, ts=NOW - 6 * h),
            trace("a6", status="client_disconnect", latency_ms=50, ts=NOW - 6 * h),
            # a shadow call of the candidate: never counted as served traffic
            trace("s1", model="new", role="shadow", latency_ms=150, input_tokens=100,
                  output_tokens=12, cost_usd=0.0005, ts=NOW - 2 * h, pair_id="a1"),
            # search on old, and one call older than a week
            trace("b1", workload="search", latency_ms=50, input_tokens=10, output_tokens=5,
                  cost_usd=0.0001, ts=NOW - 30 * h),
            trace("old1", latency_ms=5000, ts=NOW - timedelta(days=9)),
        ]
    )  # fmt: skip


def test_baseline_numbers_by_hand(tmp_path: Path, store_url: str) -> None:
    cfg = make_config(tmp_path, store_url)
    store = open_store(store_url)
    try:
        _seed(store)
        run_id = seed_eval(store, old_pass=8, new_pass=9, n=10)
        snaps = compute_baselines(cfg, store, workloads=["support"], now=NOW)
        by = {s.model: s.data for s in snaps}
        old = by["old"]
        assert old["role"] == "baseline" and old["traffic_role"] == "served"
        assert (old["requests"], old["errors"]) == (5, 1)
        assert old["error_rate"] == pytest.approx(0.2)
        w = wilson(1, 5, 0.95)
        assert (old["error_rate_low"], old["error_rate_high"]) == (
            pytest.approx(w.low),
            pytest.approx(w.high),
        )
        assert old["p50_ms"] == pytest.approx(250.0)  # ok calls only: 100, 200, 300, 400
        assert old["p95_ms"] == pytest.approx(385.0)  # 300 + 0.85 * 100
        assert old["p50_ms_low"] <= 250 <= old["p50_ms_high"]
        assert old["cost_per_request"] == pytest.approx(0.0025)
        assert old["output_tokens_per_request"] == pytest.approx(100 / 5)
        assert old["input_tokens_per_request"] == pytest.approx(1000 / 5)
        assert (old["eval_run_id"], old["golden_cases"], old["golden_passed"]) == (run_id, 10, 8)
        assert old["pass_rate"] == pytest.approx(0.8)
        assert old["pass_rate_low"] == pytest.approx(wilson(8, 10).low)
        new = by["new"]  # the candidate only has a shadow call: measured from it, marked so
        assert new["traffic_role"] == "shadow" and new["requests"] == 1
        assert new["pass_rate"] == pytest.approx(0.9)

        ids = store_baselines(store, snaps, now=NOW)
        assert len(ids) == 2
        later = NOW + timedelta(days=1)
        store.insert_traces(
            [trace("a7", latency_ms=1000, cost_usd=0.01, ts=later - timedelta(hours=1))]
        )
        store_baselines(
            store, compute_baselines(cfg, store, workloads=["support"], now=later), now=later
        )
        comparisons = {c.model: c for c in compare_latest(store, "support")}
        old_cmp = comparisons["old"]
        assert old_cmp.previous is not None and old_cmp.previous.id == ids[0]
        changes = {label: (a, b) for label, _, a, b in old_cmp.changes()}
        assert changes["requests"] == (5, 6)
    finally:
        store.close()


def test_inventory_by_hand(tmp_path: Path, store_url: str) -> None:
    cfg = make_config(tmp_path, store_url)
    store = open_store(store_url)
    try:
        _seed(store)
        inv = build_inventory(cfg, store, since=timedelta(days=2), model="gpt-4o", now=NOW)
    finally:
        store.close()
    assert inv.days == 2.0 and inv.old_model == "old"  # upstream name mapped to the config name
    rows = {(r.workload, r.model): r for r in inv.rows}
    assert set(rows) == {("support", "old"), ("search", "old")}
    support = rows[("support", "old")]
    assert support.requests == 5 and support.requests_per_day == 2.5
    assert support.cost_per_day == pytest.approx(0.010 / 2)
    assert support.input_tokens_per_request == 200 and support.output_tokens_per_request == 20
    assert support.error_rate == pytest.approx(0.2)
    assert support.p95_latency_ms == pytest.approx(385.0)
    assert support.on_old_model and inv.on_old_model == ["search", "support"]
    assert [(r.workload, r.model, r.role) for r in inv.shadow] == [("support", "new", "shadow")]
    text = to_csv(inv)
    assert text.splitlines()[0].startswith("workload,model,role,requests")
    assert "support,new,shadow,1," in text


def test_sql_percentile_matches_numpy(tmp_path: Path, store_url: str) -> None:
    rng = np.random.default_rng(5)
    store = open_store(store_url)
    try:
        values = {}
        rows = []
        for wl, n in (("a", 1), ("b", 2), ("c", 37), ("d", 1001)):
            values[wl] = rng.lognormal(5, 1, n)
            rows += [
                trace(f"{wl}{i}", workload=wl, latency_ms=float(v))
                for i, v in enumerate(values[wl])
            ]
        store.insert_traces(rows)
        q = store
        for quantile in (0.5, 0.95):
            got = q.p95_by_group(q=quantile)
            for wl, v in values.items():
                assert got[(wl, "old", "served")] == pytest.approx(float(np.quantile(v, quantile)))
    finally:
        store.close()


def test_latencies_come_back_bit_exact(tmp_path: Path, store_url: str) -> None:
    """The grouped text aggregation must round-trip every float, not 15 significant digits."""
    rng = np.random.default_rng(11)
    values = [0.1 + 0.2, 1 / 3, 123.45678901234567, 1e-9, 98765.4321, *rng.lognormal(5, 2, 300)]
    store = open_store(store_url)
    try:
        store.insert_traces(
            [trace(f"x{i}", latency_ms=float(v)) for i, v in enumerate(values)]
            + [trace("other", workload="search", latency_ms=7.0)]
            + [trace("bad", status="error", latency_ms=5.0)]
        )
        got = store.latencies([("support", "old", "served")])
        assert list(got) == [("support", "old", "served")]  # only the keys asked for
        assert got[("support", "old", "served")].tolist() == sorted(values)  # exact, ok only
    finally:
        store.close()


def test_sqlite_report_scans_read_only_the_covering_index(tmp_path: Path) -> None:
    """SQLite has no hash aggregate: the GROUP BY must stream off ix_traces_report, not sort."""
    from sqlalchemy import event

    store = open_store(f"sqlite:///{tmp_path / 'plan.db'}")
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    try:
        store.insert_traces([trace("a1", latency_ms=1.0)])
        event.listen(store._engine, "before_cursor_execute", capture)
        q = store
        q.groups(since=NOW - timedelta(days=7), until=NOW)  # the grouped scan and latencies
        event.remove(store._engine, "before_cursor_execute", capture)
        grouped = [(s, p) for s, p in seen if "GROUP BY" in s]
        assert len(grouped) == 2
        with store._engine.connect() as conn:
            for statement, params in grouped:
                rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
                plan = " | ".join(row[-1] for row in rows)
                assert "USING COVERING INDEX ix_traces_report" in plan, plan
                assert "TEMP B-TREE" not in plan, plan  # no sort for the GROUP BY
    finally:
        store.close()
