"""Log imports a team can re-run: calls keyed by their own identity, failures that say so."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.report.report_helpers import cli_app, make_config, write_config
from tests.report.test_report_cli import ENV
from typer.testing import CliRunner

from swapsafe.config import Config
from swapsafe.exceptions import ConfigError
from swapsafe.store import TraceQuery, open_store
from swapsafe.store.protocol import Store
from swapsafe.store.tables import imported_logs
from swapsafe.traffic.importers import import_file, openai_jsonl, otel
from swapsafe.traffic.importers.rows import ParsedCall, Skipped

DATA = Path(__file__).parent / "data"


@pytest.fixture
def setup(tmp_path: Path, store_url: str) -> Iterator[tuple[Config, Store]]:
    cfg = make_config(tmp_path, store_url)
    store = open_store(store_url)
    try:
        yield cfg, store
    finally:
        store.close()


def _records(store: Store) -> list[Any]:
    with store._read() as conn:  # type: ignore[attr-defined]
        return list(conn.execute(imported_logs.select()))


def _ids(store: Store) -> set[str]:
    return {r.request_id for r in store.query_traces(TraceQuery(limit=1000))}


def test_appending_and_fixing_lines_adds_only_the_new_calls(
    tmp_path: Path, setup: tuple[Config, Store]
) -> None:
    cfg, store = setup
    path = tmp_path / "calls.jsonl"
    shutil.copy(DATA / "calls.jsonl", path)
    assert import_file(cfg, store, path, "openai-jsonl").imported == 5
    lines = path.read_bytes().splitlines()
    appended = b'{"timestamp": "2025-12-01T10:00:00Z", "request": {"model": "gpt-4o"}}'
    path.write_bytes(b"\n".join([*lines, appended]) + b"\n")
    again = import_file(cfg, store, path, "openai-jsonl")
    assert (again.calls, again.imported, again.already_stored) == (6, 1, 5)
    # line 7 had "timestamp": "yesterday"; fixing it imports that call and nothing else
    lines = path.read_bytes().splitlines()
    lines[6] = lines[6].replace(b'"yesterday"', b'"2025-11-30T09:23:00Z"')
    path.write_bytes(b"\n".join(lines) + b"\n")
    fixed = import_file(cfg, store, path, "openai-jsonl")
    assert (fixed.calls, fixed.imported) == (7, 1)
    assert store.count_traces(TraceQuery()) == 7
    assert [r.rows for r in _records(store)] == [5, 1, 1]


def test_identical_rows_without_ids_are_separate_calls(
    tmp_path: Path, setup: tuple[Config, Store]
) -> None:
    cfg, store = setup
    row = "2025-11-30T09:00:00Z,gpt-4o,10,5,300"
    path = tmp_path / "usage.csv"
    path.write_text(f"timestamp,model,input_tokens,output_tokens,latency_ms\n{row}\n{row}\n")
    assert import_file(cfg, store, path, "csv").imported == 2
    path.write_text(path.read_text() + f"{row}\n")
    assert import_file(cfg, store, path, "csv").imported == 1
    assert store.count_traces(TraceQuery()) == 3


def test_a_file_that_gives_no_call_is_an_error_and_not_recorded(
    tmp_path: Path, setup: tuple[Config, Store]
) -> None:
    cfg, store = setup
    with pytest.raises(ConfigError) as err:
        import_file(cfg, store, DATA / "usage.csv", "openai-jsonl")
    message = str(err.value)
    assert "no calls read as openai-jsonl: line 1: invalid JSON" in message
    assert "it looks like csv: use --format csv" in message and "\n" not in message
    assert _records(store) == [] and store.count_traces(TraceQuery()) == 0
    assert import_file(cfg, store, DATA / "usage.csv", "csv").imported == 4


def _pretty_spans() -> bytes:
    doc = orjson.loads((DATA / "spans.json").read_bytes())
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2)


def test_truncated_pretty_printed_otlp_document_is_one_error(tmp_path: Path) -> None:
    pretty = orjson.dumps(
        orjson.loads((DATA / "spans.json").read_bytes()), option=orjson.OPT_INDENT_2
    )
    cut = pretty[: len(pretty) * 2 // 3]
    items = list(otel.parse(cut))
    assert len(items) == 1 and isinstance(items[0], Skipped)
    assert items[0].reason.startswith("the OTLP JSON document ends early at line ")
    assert "truncated" in items[0].reason
    assert list(otel.parse(b"  \n")) == [Skipped(1, "empty file")]


def _span(span_id: str, operation: str | None, **extra: Any) -> dict[str, Any]:
    attrs = {"gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 10, **extra}
    if operation is not None:
        attrs["gen_ai.operation.name"] = operation
    return {
        "traceId": "5B8EFFF798038103D269B633813FC60C",
        "spanId": span_id,
        "name": f"{operation} gpt-4o",
        "startTimeUnixNano": "1764494102000000000",
        "endTimeUnixNano": "1764494102500000000",
        "attributes": [
            {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
            for k, v in attrs.items()
        ],
    }


def _doc(*spans: dict[str, Any], service: str = "support") -> dict[str, Any]:
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": list(spans)}]}]}


def test_only_model_call_operations_count() -> None:
    doc = _doc(
        _span("a1", "invoke_agent"),
        _span("a2", "chat"),
        _span("a3", "execute_tool"),
        _span("a4", "embeddings"),
        _span("a5", "text_completion"),
        _span("a6", "generate_content"),
        _span("a7", "create_agent"),
        _span("a8", None),  # an instrumentation older than gen_ai.operation.name
    )
    calls = [c for c in otel.parse(orjson.dumps(doc)) if isinstance(c, ParsedCall)]
    assert [c.key.rsplit(":", 1)[1] for c in calls] == ["a2", "a4", "a5", "a6", "a8"]
    assert calls[0].key == "span:5b8efff798038103d269b633813fc60c:a2"


def test_one_otlp_document_and_collector_lines_give_the_same_rows(
    tmp_path: Path, setup: tuple[Config, Store]
) -> None:
    cfg, store = setup
    support = [_span(f"b{i}", "chat") for i in range(8)]
    search = [_span(f"c{i}", "chat") for i in range(8)]
    whole = _doc(*support, service="support")
    whole["resourceSpans"] += _doc(*search, service="search")["resourceSpans"]
    doc_path = tmp_path / "spans.json"
    doc_path.write_bytes(orjson.dumps(whole, option=orjson.OPT_INDENT_2))
    lines = [orjson.dumps(_doc(s, service="support")) for s in support]
    lines += [orjson.dumps(_doc(s, service="search")) for s in search]
    jsonl_path = tmp_path / "spans.jsonl"
    jsonl_path.write_bytes(b"\n".join(lines) + b"\n")
    first = import_file(cfg, store, doc_path, "otel-genai", workload_from="service.name")
    ids = _ids(store)
    second = import_file(cfg, store, jsonl_path, "otel-genai", workload_from="service.name")
    assert (first.imported, second.calls, second.imported) == (16, 16, 0)
    assert _ids(store) == ids and store.count_traces(TraceQuery()) == 16


_BATCH = [
    {
        "id": "batch_req_1",
        "custom_id": "r1",
        "response": {
            "status_code": 200,
            "request_id": "req_1",
            "body": {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1764494500,
                "model": "gpt-4o-2024-08-06",
                "choices": [{"index": 0, "finish_reason": "stop", "message": {}}],
                "usage": {"prompt_tokens": 30, "completion_tokens": 4},
            },
        },
        "error": None,
    },
    {
        "id": "batch_req_2",
        "custom_id": "r2",
        "response": {
            "status_code": 400,
            "request_id": "req_2",
            "body": {"error": {"message": "bad", "type": "invalid_request_error"}},
        },
        "error": None,
    },
    {
        "id": "batch_req_3",
        "custom_id": "r3",
        "response": None,
        "error": {"code": "batch_expired", "message": "not executed before the window expired"},
    },
]


def test_failed_batch_lines_are_failed_calls(tmp_path: Path, setup: tuple[Config, Store]) -> None:
    cfg, store = setup
    path = tmp_path / "batch_output.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(line) for line in _BATCH) + b"\n")
    summary = import_file(cfg, store, path, "openai-jsonl", workload="support")
    assert (summary.calls, summary.skipped) == (3, [])
    rows = sorted(store.query_traces(TraceQuery(limit=10)), key=lambda r: r.error_class or "")
    assert [(r.status, r.http_status, r.error_class) for r in rows] == [
        ("ok", 200, None),
        ("error", None, "batch_expired"),
        ("error", 400, "invalid_request_error"),
    ]
    assert {r.model for r in rows} == {"old"} and len({r.ts for r in rows}) == 1


def test_an_all_failed_batch_takes_the_given_model() -> None:
    lines = [(1, orjson.dumps(_BATCH[2]))]
    items = list(openai_jsonl.parse(iter(lines)))
    assert items == [Skipped(1, "failed Batch line and no line of this file names the model")]
    no_time = next(openai_jsonl.parse(iter(lines), default_model="gpt-4o"))
    assert isinstance(no_time, Skipped) and no_time.reason == "missing timestamp"
    when = datetime(2025, 12, 1, tzinfo=UTC)
    call = next(openai_jsonl.parse(iter(lines), default_model="gpt-4o", default_time=when))
    assert isinstance(call, ParsedCall)
    assert (call.model, call.ts, call.status, call.key) == (
        "gpt-4o",
        when,
        "error",
        "id:batch_req_3",
    )


def test_mistyped_workload_from_is_an_error_before_anything_is_stored(
    setup: tuple[Config, Store],
) -> None:
    cfg, store = setup
    with pytest.raises(
        ConfigError,
        match=r'no call in calls.jsonl has this field; did you mean "metadata.feature"\?',
    ):
        import_file(
            cfg, store, DATA / "calls.jsonl", "openai-jsonl", workload_from="metdata.feature"
        )
    assert store.count_traces(TraceQuery()) == 0 and _records(store) == []


def test_cli_exit_codes_and_one_line_errors(tmp_path: Path, store_url: str) -> None:
    cfg = write_config(tmp_path, store_url)

    def run(*args: str | Path) -> Any:
        return CliRunner().invoke(cli_app(), [str(a) for a in args], env=ENV)

    pretty = orjson.dumps(
        orjson.loads((DATA / "spans.json").read_bytes()), option=orjson.OPT_INDENT_2
    )
    cut = tmp_path / "cut.json"
    cut.write_bytes(pretty[: len(pretty) // 2])
    result = run("import-logs", cut, "--format", "otel-genai", "-c", cfg)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and "looks truncated" in result.output
    typo = run(
        "import-logs", DATA / "usage.csv", "--format", "csv", "--workload-from", "teem", "-c", cfg
    )
    assert typo.exit_code == 2 and 'did you mean "team"?' in typo.output
    fmt = run("import-logs", DATA / "usage.csv", "--format", "otel", "-c", cfg)
    assert fmt.exit_code == 2 and 'did you mean "otel-genai"?' in fmt.output


def test_an_import_from_before_per_call_keys_is_replaced_not_doubled(
    setup: tuple[Config, Store],
) -> None:
    cfg, store = setup
    summary = import_file(cfg, store, DATA / "calls.jsonl", "openai-jsonl")
    legacy = f"imp-{summary.file_hash[:24]}-"
    # make the store look as an older version left it: file-and-line keys, no calls recorded
    with store._write() as conn:  # type: ignore[attr-defined]
        from swapsafe.store.tables import traces

        for n, row in enumerate(store.query_traces(TraceQuery(limit=100)), start=1):
            conn.execute(
                traces.update()
                .where(traces.c.request_id == row.request_id)
                .values(request_id=f"{legacy}{n}")
            )
        conn.execute(imported_logs.update().values(calls=None, skipped=None))
    again = import_file(cfg, store, DATA / "calls.jsonl", "openai-jsonl")
    assert (again.rekeyed, again.imported) == (5, 5)
    assert store.count_traces(TraceQuery()) == 5
    assert not any(i.startswith(legacy) for i in _ids(store))
    assert import_file(cfg, store, DATA / "calls.jsonl", "openai-jsonl").rekeyed == 0
