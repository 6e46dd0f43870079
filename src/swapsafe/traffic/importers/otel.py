"""OpenTelemetry GenAI spans as OTLP JSON (one document, or one document per line).

A span is a model call when its ``gen_ai.operation.name`` is one of the model-call operations
of the GenAI semantic conventions (``chat``, ``text_completion``, ``generate_content``,
``embeddings``) and it names a model (``gen_ai.request.model`` / ``gen_ai.response.model``).
Agent and tool spans (``invoke_agent``, ``create_agent``, ``execute_tool``, ...) are not calls
even when they carry a model: the model call inside them is its own span. A span with a model
but no operation name (instrumentations older than the conventions) counts as a call.
Each call is keyed by ``traceId`` + ``spanId`` (a hash of the span when they are missing), so
the same spans exported as one document or as collector JSON Lines give the same rows.
Read attributes (semantic conventions for GenAI):
``gen_ai.usage.input_tokens`` / ``output_tokens`` (older ``prompt_tokens`` /
``completion_tokens``), ``gen_ai.system`` / ``gen_ai.provider.name``,
``gen_ai.response.finish_reasons``, ``error.type``; the latency is end - start time and a
span status code 2 (ERROR) marks a failed call. ``--workload-from`` looks in the span's
attributes first, then in its resource's attributes (e.g. ``service.name``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from swapsafe.traffic.importers.rows import ParsedCall, RowError, Skipped, as_int, content_key

FORMAT = "otel-genai"
_NANOS = 1_000_000_000
#: ``gen_ai.operation.name`` values that are one call to a model
MODEL_CALL_OPERATIONS = frozenset({"chat", "text_completion", "generate_content", "embeddings"})


def _value(v: Any) -> Any:
    """An OTLP AnyValue as a plain value (intValue arrives as text in OTLP JSON)."""
    if not isinstance(v, dict):
        return v
    for key in ("stringValue", "string_value", "boolValue", "bool_value", "doubleValue"):
        if key in v:
            return v[key]
    for key in ("intValue", "int_value"):
        if key in v:
            try:
                return int(v[key])
            except (TypeError, ValueError):
                return v[key]
    for key in ("arrayValue", "array_value"):
        if key in v:
            return [_value(x) for x in (v[key] or {}).get("values", [])]
    return None


def attributes(items: Any) -> dict[str, Any]:
    if not isinstance(items, list):
        return {}
    out: dict[str, Any] = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            out[item["key"]] = _value(item.get("value"))
    return out


def _get(obj: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in obj:
            return obj[key]
    return None


def _nanos(value: Any, what: str) -> int:
    if value is None or value == "":
        raise RowError(f"missing {what}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RowError(f"{what} is not a time in Unix nanoseconds: {value!r}") from None
    if number <= 0:
        raise RowError(f"missing {what}")
    return number


def parse_span(span: Any, resource: dict[str, Any], line: int, index: int) -> ParsedCall | None:
    """A model call from one span; None when the span is not a GenAI call."""
    if not isinstance(span, dict):
        raise RowError("span is not an object")
    attrs = attributes(span.get("attributes"))
    model = attrs.get("gen_ai.response.model") or attrs.get("gen_ai.request.model")
    operation = attrs.get("gen_ai.operation.name")
    if model is None or (operation is not None and operation not in MODEL_CALL_OPERATIONS):
        return None
    if not isinstance(model, str) or not model:
        raise RowError(f"gen_ai model is not text: {model!r}")
    start = _nanos(_get(span, "startTimeUnixNano", "start_time_unix_nano"), "startTimeUnixNano")
    end = _nanos(_get(span, "endTimeUnixNano", "end_time_unix_nano"), "endTimeUnixNano")
    if end < start:
        raise RowError("endTimeUnixNano is before startTimeUnixNano")
    status = span.get("status")
    code = status.get("code") if isinstance(status, dict) else None
    failed = code in (2, "STATUS_CODE_ERROR", "2") or "error.type" in attrs
    reasons = attrs.get("gen_ai.response.finish_reasons")
    finish = reasons[0] if isinstance(reasons, list) and reasons else reasons
    input_tokens = attrs.get("gen_ai.usage.input_tokens", attrs.get("gen_ai.usage.prompt_tokens"))
    output_tokens = attrs.get(
        "gen_ai.usage.output_tokens", attrs.get("gen_ai.usage.completion_tokens")
    )
    http = attrs.get("http.response.status_code")
    return ParsedCall(
        line=line,
        index=index,
        ts=datetime.fromtimestamp(start / _NANOS, UTC),
        model=model,
        latency_ms=(end - start) / 1_000_000,
        input_tokens=as_int(input_tokens, "gen_ai.usage.input_tokens"),
        output_tokens=as_int(output_tokens, "gen_ai.usage.output_tokens"),
        cached_tokens=as_int(attrs.get("gen_ai.usage.cache_read.input_tokens"), "cached tokens"),
        status="error" if failed else "ok",
        http_status=http if isinstance(http, int) else None,
        error_class=str(attrs.get("error.type") or "upstream_error")[:64] if failed else None,
        finish_reason=finish if isinstance(finish, str) else None,
        provider=attrs.get("gen_ai.provider.name") or attrs.get("gen_ai.system"),
        fields={**resource, **attrs, "span.name": span.get("name")},
        key=span_key(span, resource),
    )


def span_key(span: dict[str, Any], resource: dict[str, Any]) -> str:
    """``span:<traceId>:<spanId>`` (hex, lower case), or a hash of the span and its resource."""
    trace_id = _get(span, "traceId", "trace_id")
    span_id = _get(span, "spanId", "span_id")
    if isinstance(trace_id, str) and isinstance(span_id, str) and trace_id and span_id:
        return f"span:{trace_id.lower()}:{span_id.lower()}"
    return content_key({"resource": resource, "span": span})


def _spans(doc: Any) -> Iterator[tuple[dict[str, Any], Any]]:
    """(resource attributes, span) for every span in an OTLP traces document."""
    if not isinstance(doc, dict):
        raise RowError("not an OTLP JSON object")
    resource_spans = _get(doc, "resourceSpans", "resource_spans")
    if not isinstance(resource_spans, list):
        raise RowError("no resourceSpans: not an OTLP traces export")
    for rs in resource_spans:
        if not isinstance(rs, dict):
            continue
        resource = attributes((rs.get("resource") or {}).get("attributes"))
        for ss in _get(rs, "scopeSpans", "scope_spans", "instrumentationLibrarySpans") or []:
            for span in (ss or {}).get("spans") or []:
                yield resource, span


def parse_document(doc: Any, line: int) -> Iterator[ParsedCall | Skipped]:
    try:
        spans = list(_spans(doc))
    except RowError as exc:
        yield Skipped(line, str(exc))
        return
    for index, (resource, span) in enumerate(spans):
        try:
            call = parse_span(span, resource, line, index)
        except RowError as exc:
            span_id = span.get("spanId", "?") if isinstance(span, dict) else "?"
            yield Skipped(line, f"span {index} ({span_id}): {exc}")
            continue
        if call is not None:
            yield call


def parse(data: bytes) -> Iterator[ParsedCall | Skipped]:
    """One OTLP JSON document, or JSON Lines of documents (the collector's file exporter).

    A file whose first line is not a JSON document on its own is one (pretty-printed)
    document: when it does not parse, that is one error naming where it breaks, not one
    error per line.
    """
    if not data.strip():
        yield Skipped(1, "empty file")
        return
    try:
        whole = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if not _first_line_is_json(data):
            yield Skipped(exc.lineno, _broken_document(exc, data))
            return
    else:
        yield from parse_document(whole, 1)
        return
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            yield Skipped(number, f"invalid JSON: {str(exc).split(':')[0]}")
            continue
        yield from parse_document(doc, number)


def _first_line_is_json(data: bytes) -> bool:
    for raw in data.splitlines():
        if raw.strip():
            try:
                orjson.loads(raw)
            except orjson.JSONDecodeError:
                return False
            return True
    return False


def _broken_document(exc: orjson.JSONDecodeError, data: bytes) -> str:
    where = f"line {exc.lineno}, column {exc.colno}"
    if exc.pos >= len(data.rstrip()):
        return f"the OTLP JSON document ends early at {where}: the file looks truncated"
    return f"the OTLP JSON document is not valid JSON at {where}: {exc.msg}"
