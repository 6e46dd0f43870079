"""CSV logs with a header row: one call per row.

Columns (case-insensitive; the first name present wins):

=============  ==========================================================
model          ``model``, ``model_name``
timestamp      ``timestamp``, ``ts``, ``time``, ``created_at`` (ISO 8601 or epoch seconds)
input tokens   ``input_tokens``, ``prompt_tokens``
output tokens  ``output_tokens``, ``completion_tokens``
latency        ``latency_ms``, ``duration_ms`` (milliseconds) or ``latency_s``, ``latency``
               (seconds)
optional       ``cached_tokens``, ``status`` (ok / error), ``http_status``, ``error``,
               ``cost_usd``, ``workload``, any other column for ``--workload-from``
identity       ``request_id``, ``response_id``, ``id``, or ``trace_id`` + ``span_id``;
               a row with none is keyed by a hash of its cells
=============  ==========================================================
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from swapsafe.traffic.importers.rows import (
    ParsedCall,
    RowError,
    Skipped,
    as_float,
    as_int,
    as_time,
    content_key,
    id_key,
)

FORMAT = "csv"
REQUIRED = ("model", "timestamp")


def _pick(row: dict[str, str], *names: str) -> str | None:
    for name in names:
        value = row.get(name)
        if value is not None and value.strip() != "":
            return value.strip()
    return None


def row_key(row: dict[str, str]) -> str:
    """The row's identity: its request/response id, its span, or a hash of its cells."""
    trace_id, span_id = _pick(row, "trace_id", "traceid"), _pick(row, "span_id", "spanid")
    if trace_id and span_id:
        return f"span:{trace_id.lower()}:{span_id.lower()}"
    return id_key(_pick(row, "request_id", "response_id", "id")) or content_key(row)


def parse_row(row: dict[str, str], line: int) -> ParsedCall:
    model = _pick(row, "model", "model_name")
    if model is None:
        raise RowError("empty model")
    ts = as_time(_pick(row, "timestamp", "ts", "time", "created_at"))
    latency = as_float(_pick(row, "latency_ms", "duration_ms"), "latency_ms")
    if latency is None:
        seconds = as_float(_pick(row, "latency_s", "latency"), "latency")
        latency = None if seconds is None else seconds * 1000
    http_status = as_int(_pick(row, "http_status", "status_code"), "http_status")
    status_text = (_pick(row, "status") or "ok").lower()
    error = _pick(row, "error", "error_type")
    failed = (
        status_text not in ("ok", "success", "200")
        or error is not None
        or (http_status is not None and http_status >= 400)
    )
    return ParsedCall(
        line=line,
        ts=ts,
        model=model,
        latency_ms=latency,
        input_tokens=as_int(_pick(row, "input_tokens", "prompt_tokens"), "input_tokens"),
        output_tokens=as_int(_pick(row, "output_tokens", "completion_tokens"), "output_tokens"),
        cached_tokens=as_int(_pick(row, "cached_tokens"), "cached_tokens"),
        status="error" if failed else "ok",
        http_status=http_status,
        error_class=(error or "upstream_error")[:64] if failed else None,
        cost_usd=as_float(_pick(row, "cost_usd", "cost"), "cost_usd"),
        provider=_pick(row, "provider"),
        fields=row,
        key=row_key(row),
    )


def parse(text: str) -> Iterator[ParsedCall | Skipped]:
    """Parse CSV text (header first); line numbers count physical lines."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        yield Skipped(1, "empty file: expected a header row")
        return
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
    columns = set(reader.fieldnames)
    if not columns & {"model", "model_name"}:
        yield Skipped(1, "header has no model column (expected model, input_tokens, ...)")
        return
    if not columns & {"timestamp", "ts", "time", "created_at"}:
        yield Skipped(1, "header has no timestamp column (timestamp, ts, time, created_at)")
        return
    start = 2
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            if None in row:
                extra = len(row[None]) + len(columns)  # type: ignore[index,unused-ignore]
                yield Skipped(line, f"{extra} fields, header has {len(columns)}")
                continue
            if all((v or "").strip() == "" for v in row.values()):
                continue
            try:
                yield parse_row({k: v or "" for k, v in row.items()}, line)
            except RowError as exc:
                yield Skipped(line, str(exc))
    except csv.Error as exc:
        yield Skipped(reader.line_num, f"unreadable CSV: {exc}")
