"""Trace writes and reads, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

from swapsafe.store import SqlStore, TraceQuery, TraceRecord

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def full_trace(i: int = 0, **over: object) -> TraceRecord:
    rec = TraceRecord(
        request_id=f"req-{i}",
        pair_id=f"pair-{i // 2}",
        ts=T0 + timedelta(seconds=i),
        workload="support-triage",
        role="served" if i % 2 == 0 else "shadow",
        model="gpt-4o" if i % 2 == 0 else "claude-sonnet",
        provider="openai" if i % 2 == 0 else "anthropic",
        status="ok",
        http_status=200,
        error_class=None,
        latency_ms=812.5,
        ttft_ms=120.25,
        input_tokens=1200,
        output_tokens=340,
        cached_tokens=512,
        cost_usd=0.00123,
        bucket=42,
        stream=True,
        inbound_wire="openai",
        request_body='{"messages":[{"role":"user","content":"héllo ✓"}]}',
        response_body='{"choices":[]}',
        finish_reason="stop",
        source="gateway",
    )
    return dataclasses.replace(rec, **over)  # type: ignore[arg-type]


def test_round_trip_every_field(store: SqlStore) -> None:
    rec = full_trace(0)
    sparse = TraceRecord(
        request_id="req-sparse",
        pair_id="p",
        ts=T0,
        workload="w",
        role="shadow",
        model="m",
        provider="scripted",
        status="error",
        error_class="timeout",
        source="import:openai-jsonl",
    )
    store.insert_traces([rec, sparse])
    got = store.trace_by_request_id("req-0")
    assert got == rec
    assert got is not None and got.ts.tzinfo is not None and got.ts.utcoffset() == timedelta(0)
    assert store.trace_by_request_id("req-sparse") == sparse
    assert store.trace_by_request_id("missing") is None


def test_non_utc_input_is_stored_as_utc(store: SqlStore) -> None:
    plus2 = timezone(timedelta(hours=2))
    local = datetime(2025, 3, 1, 14, 0, 0, tzinfo=plus2)
    naive = datetime(2025, 3, 1, 13, 0, 0)  # naive is taken as UTC
    store.insert_traces([full_trace(0, ts=local), full_trace(1, ts=naive)])
    a, b = store.query_traces(TraceQuery())
    assert a.ts == datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC) and a.ts.tzinfo == UTC
    assert b.ts == datetime(2025, 3, 1, 13, 0, 0, tzinfo=UTC) and b.ts.tzinfo == UTC
    window = TraceQuery(since=datetime(2025, 3, 1, 14, 30, tzinfo=plus2))  # 12:30 UTC
    assert [t.request_id for t in store.query_traces(window)] == ["req-1"]


def test_duplicate_request_ids_are_ignored(store: SqlStore) -> None:
    store.insert_traces([full_trace(0), full_trace(1)])
    changed = full_trace(0, status="error", model="other")
    store.insert_traces([changed, full_trace(2), full_trace(2)])
    assert store.count_traces(TraceQuery()) == 3
    first = store.trace_by_request_id("req-0")
    assert first is not None and first.status == "ok" and first.model == "gpt-4o"
    store.insert_traces([])


def test_query_filters_order_and_limit(store: SqlStore) -> None:
    store.insert_traces([full_trace(i) for i in range(10)])
    store.insert_traces([full_trace(100, workload="other")])
    q = TraceQuery(workload="support-triage")
    assert store.count_traces(q) == 10
    assert [
        t.request_id for t in store.query_traces(TraceQuery(workload="support-triage", limit=3))
    ] == [
        "req-0",
        "req-1",
        "req-2",
    ]
    newest = store.query_traces(TraceQuery(limit=2, extra={"order": "desc"}))
    assert [t.request_id for t in newest] == ["req-100", "req-9"]
    assert store.count_traces(TraceQuery(role="shadow", workload="support-triage")) == 5
    assert store.count_traces(TraceQuery(model="gpt-4o")) == 6
    assert [t.request_id for t in store.query_traces(TraceQuery(pair_id="pair-3"))] == [
        "req-6",
        "req-7",
    ]
    window = TraceQuery(since=T0 + timedelta(seconds=2), until=T0 + timedelta(seconds=5))
    assert [t.request_id for t in store.query_traces(window)] == ["req-2", "req-3", "req-4"]
    assert store.count_traces(TraceQuery(request_id="req-4")) == 1
    # a capped count stops reading at the cap and says so by returning the cap
    assert store.count_traces(q, cap=4) == 4
    assert store.count_traces(q, cap=10) == 10
    assert store.count_traces(q, cap=11) == 10
    assert store.count_traces(TraceQuery(role="shadow", workload="support-triage"), cap=99) == 5


def test_recent_usage_sums_the_newest_rows(store: SqlStore) -> None:
    store.insert_traces([full_trace(i) for i in range(4)])
    store.insert_traces([full_trace(4, input_tokens=7, cached_tokens=None)])
    store.insert_traces([full_trace(6, input_tokens=None, output_tokens=None, cached_tokens=None)])
    q = TraceQuery(workload="support-triage", role="served", limit=2)
    newest = store.query_traces(dataclasses.replace(q, extra={"order": "desc"}))
    usage = store.recent_usage(q)
    assert usage.traces == 2 and usage.oldest == newest[-1].ts
    assert (usage.with_tokens, usage.input_tokens, usage.cached_tokens) == (1, 7, 0)
    assert usage.with_tokens == sum(
        t.input_tokens is not None or t.output_tokens is not None for t in newest
    )
    assert usage.input_tokens == sum(t.input_tokens or 0 for t in newest)
    assert usage.output_tokens == sum(t.output_tokens or 0 for t in newest)
    assert usage.cached_tokens == sum(t.cached_tokens or 0 for t in newest)
    assert store.recent_usage(TraceQuery(workload="nobody")) == (0, None, 0, 0, 0, 0)


def test_iter_traces_in_batches(store: SqlStore) -> None:
    store.insert_traces([full_trace(i) for i in range(25)])
    seen = [t.request_id for t in store.iter_traces(TraceQuery(role="served"), batch=4)]
    assert seen == [f"req-{i}" for i in range(0, 25, 2)]
    assert len(list(store.iter_traces(TraceQuery(), batch=5))) == 25


def test_ten_thousand_rows_in_one_batch(store: SqlStore) -> None:
    rows = [full_trace(i) for i in range(10_000)]
    store.insert_traces(rows)
    store.insert_traces(rows[:5000])
    assert store.count_traces(TraceQuery()) == 10_000
    assert store.table_counts()["traces"] == 10_000


def test_nul_in_bodies_does_not_lose_the_row(store: SqlStore) -> None:
    store.insert_traces([full_trace(0, response_body='{"x":"a\x00b"}')])
    got = store.trace_by_request_id("req-0")
    assert got is not None and got.response_body is not None
    assert got.response_body.startswith('{"x":"a') and got.response_body.endswith('b"}')


def test_every_value_is_fitted_to_its_column(store: SqlStore) -> None:
    """Over-long, NUL-bearing, unencodable and mistyped values are stored fitted, and the rows
    after them are written: one upstream value never fails a batch (issue #22, item 4)."""
    odd = full_trace(
        0,
        finish_reason="x" * 100,  # varchar(64)
        error_class="e\x00" * 40,  # varchar(64), NUL
        workload="w\x00" + "l" * 300,  # varchar(200)
        provider={"not": "a string"},
        response_body="bad \ud800 surrogate and NUL \x00",
        request_body="\x00",
        input_tokens=2**40,  # integer column (32 bit)
        output_tokens=12.0,
        cost_usd="free",
    )
    store.insert_traces([odd, *(full_trace(i) for i in range(1, 101))])
    got = store.trace_by_request_id("req-0")
    assert got is not None
    nul = "\x00" if store.dialect == "sqlite" else "\ufffd"
    assert got.finish_reason == "x" * 64
    assert got.error_class == ("e" + nul) * 32
    assert got.workload == "w" + nul + "l" * 198
    assert got.provider == '{"not":"a string"}'
    assert got.response_body == f"bad \ufffd surrogate and NUL {nul}"
    assert got.request_body == nul
    assert got.input_tokens is None and got.output_tokens == 12 and got.cost_usd is None
    assert store.count_traces(TraceQuery()) == 101


def test_fitter_limits_come_from_the_table() -> None:
    from swapsafe.store.sql_store import PG_TRACE_FIT
    from swapsafe.store.tables import traces

    assert PG_TRACE_FIT.limits["finish_reason"] == traces.c.finish_reason.type.length == 64  # type: ignore[attr-defined]
    assert "request_body" not in PG_TRACE_FIT.limits  # Text: no limit
