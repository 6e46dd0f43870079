"""Log importers: realistic files, malformed rows with line numbers, idempotent re-import."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from tests.report.report_helpers import make_config

from swapsafe.store import TraceQuery, open_store
from swapsafe.traffic.importers import csv_logs, import_file, openai_jsonl, otel
from swapsafe.traffic.importers.rows import ParsedCall, RowError, Skipped, as_time, dig, map_model

DATA = Path(__file__).parent / "data"


def _split(items: list[ParsedCall | Skipped]) -> tuple[list[ParsedCall], list[Skipped]]:
    calls = [i for i in items if isinstance(i, ParsedCall)]
    return calls, [i for i in items if isinstance(i, Skipped)]


# -- pure parsers ---------------------------------------------------------------------------


def test_openai_jsonl_parses_calls_and_reports_bad_lines() -> None:
    data = (DATA / "calls.jsonl").read_bytes()
    calls, skipped = _split(list(openai_jsonl.parse(enumerate(data.splitlines(), start=1))))
    assert [c.line for c in calls] == [1, 2, 4, 9, 10]
    first = calls[0]
    assert first.model == "gpt-4o-2024-08-06"
    assert first.ts == datetime(2025, 11, 30, 9, 15, 2, 120000, tzinfo=UTC)
    assert (first.latency_ms, first.input_tokens, first.output_tokens) == (812.4, 42, 11)
    assert first.finish_reason == "stop" and first.status == "ok"
    assert calls[1].latency_ms == 650.0  # "latency" is in seconds
    assert calls[1].finish_reason == "tool_calls"
    assert (calls[2].status, calls[2].http_status, calls[2].error_class) == (
        "error",
        504,
        "timeout",
    )
    assert calls[2].model == "gpt-4o"  # no response: the requested model
    assert calls[3].model == "claude-sonnet-4-5"  # Batch API body, time from body.created
    assert calls[3].ts == datetime.fromtimestamp(1764494500, UTC)
    reasons = {s.line: s.reason for s in skipped}
    assert set(reasons) == {5, 6, 7, 8}
    assert reasons[5].startswith("invalid JSON")
    assert reasons[6] == "no model in request or response"
    assert "timestamp is not ISO 8601" in reasons[7]
    assert "prompt_tokens must be a whole number >= 0" in reasons[8]


def test_otel_reads_genai_spans_only() -> None:
    calls, skipped = _split(list(otel.parse((DATA / "spans.json").read_bytes())))
    assert len(calls) == 2  # the HTTP span is not a model call
    ok, failed = calls
    assert ok.model == "gpt-4o-2024-08-06" and ok.latency_ms == 812.5
    assert (ok.input_tokens, ok.output_tokens, ok.finish_reason) == (42, 11, "stop")
    assert ok.fields["service.name"] == "support"
    assert failed.status == "error" and failed.error_class == "overloaded_error"
    assert failed.output_tokens is None and failed.latency_ms == 1500.0
    assert skipped == [Skipped(1, "span 3 (ccc19b7ec3c1b177): missing endTimeUnixNano")]


def test_otel_accepts_one_document_per_line() -> None:
    doc = orjson.loads((DATA / "spans.json").read_bytes())
    text = orjson.dumps(doc) + b"\nnot json\n" + orjson.dumps({"resourceSpans": "x"}) + b"\n"
    calls, skipped = _split(list(otel.parse(text)))
    assert len(calls) == 2 and all(c.line == 1 for c in calls)
    assert [s.line for s in skipped] == [1, 2, 3]
    assert skipped[2].reason.startswith("no resourceSpans")


def test_csv_rows_and_reasons() -> None:
    calls, skipped = _split(list(csv_logs.parse((DATA / "usage.csv").read_text())))
    assert [c.line for c in calls] == [2, 3, 4, 9]
    assert calls[0].latency_ms == 950.5 and calls[0].fields["team"] == "support"
    assert calls[2].status == "error" and calls[2].input_tokens is None
    assert calls[3].ts == datetime.fromtimestamp(1764497220, UTC)
    reasons = {s.line: s.reason for s in skipped}
    assert reasons == {
        5: "input_tokens is not a number: 'lots'",
        6: "empty model",
        7: "8 fields, header has 7",
        8: "input_tokens is not a number: '1,000'",
    }


def test_csv_without_required_columns_is_one_clear_skip() -> None:
    assert list(csv_logs.parse("when,tokens\n1,2\n")) == [
        Skipped(1, "header has no model column (expected model, input_tokens, ...)")
    ]
    assert list(csv_logs.parse("")) == [Skipped(1, "empty file: expected a header row")]


def test_field_helpers() -> None:
    assert dig({"a": {"b.c": {"d": 1}}}, "a.b.c.d") == 1
    assert dig({"gen_ai.request.model": "x"}, "gen_ai.request.model") == "x"
    assert dig({"a": 1}, "a.b") is None
    assert map_model("gpt-4o-2024-08-06", {"gpt-4o": "old"}) == "old"
    assert map_model("claude-3-5-sonnet-20241022", {"claude-3-5-sonnet": "s"}) == "s"
    assert map_model("mistral", {"gpt-4o": "old"}) == "mistral"
    assert as_time("1764494102000") == datetime.fromtimestamp(1764494102, UTC)  # milliseconds
    assert as_time("2025-11-30T09:00:00+02:00") == datetime(2025, 11, 30, 7, tzinfo=UTC)
    with pytest.raises(RowError, match="missing timestamp"):
        as_time(None)


# -- through the store ----------------------------------------------------------------------


def test_openai_import_maps_models_and_workloads_and_is_idempotent(
    tmp_path: Path, store_url: str
) -> None:
    cfg = make_config(tmp_path, store_url)
    store = open_store(store_url)
    try:
        path = tmp_path / "calls.jsonl"
        shutil.copy(DATA / "calls.jsonl", path)
        ticks: list[int] = []
        summary = import_file(
            cfg, store, path, "openai-jsonl", workload_from="metadata.feature",
            on_progress=ticks.append,
        )  # fmt: skip
        assert summary.imported == 5 and len(summary.skipped) == 4
        assert summary.workloads == {"support": 3, "search": 1, "unassigned": 1}
        assert summary.models == {"old": 3, "new": 1, "gpt-4o-mini-2024-07-18": 1}
        assert sum(ticks) == 9
        rows = store.query_traces(TraceQuery(limit=100))
        assert len(rows) == 5
        assert {r.role for r in rows} == {"served"}
        assert {r.source for r in rows} == {"import:openai-jsonl"}
        first = next(r for r in rows if r.ts == datetime(2025, 11, 30, 9, 15, 2, 120000, UTC))
        assert (first.model, first.workload, first.provider) == ("old", "support", "openai")
        assert first.cost_usd == pytest.approx((42 * 2.5 + 11 * 10.0) / 1e6)
        assert first.request_body is not None and "ann@example.com" in first.request_body
        alias_row = next(r for r in rows if r.model.startswith("gpt-4o-mini"))
        assert alias_row.workload == "support"  # the app sent the alias "support-bot"

        again = import_file(cfg, store, path, "openai-jsonl", workload_from="metadata.feature")
        assert (again.calls, again.imported, again.already_stored) == (5, 0, 5)
        assert store.count_traces(TraceQuery()) == 5
    finally:
        store.close()


def test_reimport_after_an_interrupted_import_adds_no_duplicates(
    tmp_path: Path, store_url: str
) -> None:
    cfg = make_config(tmp_path, store_url)
    store = open_store(store_url)
    try:
        path = DATA / "usage.csv"
        first = import_file(cfg, store, path, "csv", workload_from="team")
        # simulate a crash before mark_imported: forget the hash, keep the rows
        with store._write() as conn:
            from swapsafe.store.tables import imported_logs

            conn.execute(imported_logs.delete())
        again = import_file(cfg, store, path, "csv", workload_from="team")
        assert first.imported == 4 and (again.calls, again.imported) == (4, 0)
        assert store.count_traces(TraceQuery()) == 4
    finally:
        store.close()


def test_redacted_bodies_and_otel_workload_from_resource(tmp_path: Path, store_url: str) -> None:
    cfg = make_config(tmp_path, store_url)
    cfg.store.bodies = "redacted"
    store = open_store(store_url)
    try:
        import_file(cfg, store, DATA / "calls.jsonl", "openai-jsonl", workload="support")
        bodies = [r.request_body or "" for r in store.query_traces(TraceQuery(limit=100))]
        assert not any("ann@example.com" in b for b in bodies)
        assert any("[EMAIL]" in b for b in bodies)

        summary = import_file(cfg, store, DATA / "spans.json", "otel-genai",
                              workload_from="service.name")  # fmt: skip
        assert summary.imported == 2 and summary.workloads == {"support": 2}
        rows = store.query_traces(TraceQuery(extra={"order": "desc"}, limit=100))
        otel_rows = [r for r in rows if r.source == "import:otel-genai"]
        assert sorted(r.model for r in otel_rows) == ["new", "old"]
        assert {r.status for r in otel_rows} == {"ok", "error"}
    finally:
        store.close()
