"""OpenAI request/response logs as JSON Lines: one object per call.

Accepted shapes (keys may be mixed; the first one present wins)::

    {"timestamp": "2025-05-01T12:00:00Z", "latency_ms": 812,
     "request": {"model": "gpt-4o", "messages": [...]},
     "response": {"model": "gpt-4o-2024-08-06", "usage": {...}, "choices": [...]}}

    # OpenAI Batch API output: the response sits in response.body
    {"custom_id": "r1", "response": {"status_code": 200, "body": {...}}, "error": null}

``timestamp`` / ``ts`` / ``created_at`` (ISO 8601 or epoch seconds; else ``response.created``),
``latency_ms`` / ``duration_ms`` in milliseconds or ``latency`` / ``latency_s`` in seconds.
A call failed when ``error`` is set, ``status_code``/``status`` >= 400, or the response holds
an ``error`` object.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from swapsafe.traffic.importers.rows import (
    ParsedCall,
    RowError,
    Skipped,
    as_float,
    as_int,
    as_time,
    first,
)

FORMAT = "openai-jsonl"


def parse_line(obj: Any, line: int) -> ParsedCall:
    if not isinstance(obj, dict):
        raise RowError("not a JSON object")
    request: dict[str, Any] = obj["request"] if isinstance(obj.get("request"), dict) else {}
    response: Any = obj.get("response")
    http_status = as_int(first(obj, "status_code", "response.status_code", "http_status"), "status")
    if isinstance(response, dict) and isinstance(response.get("body"), dict):
        response = response["body"]  # Batch API
    if not isinstance(response, dict):
        response = {}
    model = first(response, "model") or first(request, "model") or first(obj, "model")
    if not isinstance(model, str) or not model:
        raise RowError("no model in request or response")
    ts_value = first(obj, "timestamp", "ts", "created_at", "time")
    if ts_value is None:
        ts_value = response.get("created")
    ts = as_time(ts_value)
    latency = as_float(first(obj, "latency_ms", "duration_ms"), "latency_ms")
    if latency is None:
        seconds = as_float(first(obj, "latency", "latency_s", "duration"), "latency")
        latency = None if seconds is None else seconds * 1000
    usage = response.get("usage") if isinstance(response.get("usage"), dict) else {}
    error = obj.get("error") or response.get("error")
    status_field = obj.get("status")
    failed = bool(error) or (http_status is not None and http_status >= 400)
    if isinstance(status_field, str) and status_field.lower() in ("error", "failed", "timeout"):
        failed = True
    choices = response.get("choices")
    finish = None
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        finish = choices[0].get("finish_reason")
    error_class = None
    if failed:
        error_class = str(first(error, "type", "code") or "upstream_error")[:64]
    return ParsedCall(
        line=line,
        ts=ts,
        model=model,
        latency_ms=latency,
        input_tokens=as_int(first(usage, "prompt_tokens", "input_tokens"), "prompt_tokens"),
        output_tokens=as_int(
            first(usage, "completion_tokens", "output_tokens"), "completion_tokens"
        ),
        cached_tokens=as_int(
            first(
                usage, "prompt_tokens_details.cached_tokens", "input_tokens_details.cached_tokens"
            ),
            "cached_tokens",
        ),
        status="error" if failed else "ok",
        http_status=http_status,
        error_class=error_class,
        finish_reason=finish if isinstance(finish, str) else None,
        stream=bool(request.get("stream", False)),
        provider="openai",
        request_body=request or None,
        response_body=response or (error if failed else None),
        fields=obj,
    )


def parse(lines: Iterator[tuple[int, bytes]]) -> Iterator[ParsedCall | Skipped]:
    """Parse numbered lines of a JSONL file; blank lines are ignored."""
    for number, raw in lines:
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            yield Skipped(number, f"invalid JSON: {str(exc).split(':')[0]}")
            continue
        try:
            yield parse_line(obj, number)
        except RowError as exc:
            yield Skipped(number, str(exc))
