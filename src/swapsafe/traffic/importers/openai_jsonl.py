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

A failed Batch line (``{"custom_id": ..., "response": {"status_code": 400, "body": {"error":
...}}}`` or ``{"custom_id": ..., "response": null, "error": {"code": "batch_expired"}}``) is a
failed call. It names no model or time: it takes the model of the file's successful lines
(a batch runs one model) and the latest ``created`` among them; with no successful line, the
``default_model`` given and the ``default_time`` (the file's modification time).

Each call is keyed by its own id: the Batch line's ``id``, else the response ``id``, else
``request_id``; a line with none is keyed by a hash of its content.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from swapsafe.traffic.importers.rows import (
    ParsedCall,
    RowError,
    Skipped,
    as_float,
    as_int,
    as_time,
    content_key,
    first,
    id_key,
)

FORMAT = "openai-jsonl"


@dataclass(frozen=True)
class BatchDefaults:
    """What a failed Batch line borrows from the rest of its file."""

    model: str | None = None
    ts: datetime | None = None


def _response(obj: dict[str, Any]) -> dict[str, Any]:
    response: Any = obj.get("response")
    if isinstance(response, dict) and isinstance(response.get("body"), dict):
        response = response["body"]  # Batch API
    if response is None and obj.get("object") in ("chat.completion", "text_completion"):
        response = obj  # a stored completion listed on its own
    return response if isinstance(response, dict) else {}


def _is_batch(obj: dict[str, Any]) -> bool:
    return "custom_id" in obj


def call_key(obj: dict[str, Any], response: dict[str, Any]) -> str:
    """The line's identity: Batch line id, response id, request id, or a content hash."""
    batch_id = obj.get("id") if _is_batch(obj) else None
    raw = obj.get("response")
    request_id = raw.get("request_id") if isinstance(raw, dict) else None
    for value in (batch_id, response.get("id"), obj.get("id"), request_id, obj.get("request_id")):
        key = id_key(value)
        if key is not None:
            return key
    return content_key(obj)


def _time(obj: dict[str, Any], response: dict[str, Any], defaults: BatchDefaults) -> datetime:
    value = first(obj, "timestamp", "ts", "created_at", "time")
    if value is None:
        value = response.get("created")
    if value is None and _is_batch(obj) and defaults.ts is not None:
        return defaults.ts
    return as_time(value)


def _model(obj: dict[str, Any], response: dict[str, Any], defaults: BatchDefaults) -> str:
    request = obj.get("request")
    model = first(response, "model") or first(request, "model") or first(obj, "model")
    if model is None and _is_batch(obj):
        model = defaults.model
        if model is None:
            raise RowError("failed Batch line and no line of this file names the model")
    if not isinstance(model, str) or not model:
        raise RowError("no model in request or response")
    return model


def _latency(obj: dict[str, Any]) -> float | None:
    latency = as_float(first(obj, "latency_ms", "duration_ms"), "latency_ms")
    if latency is None:
        seconds = as_float(first(obj, "latency", "latency_s", "duration"), "latency")
        latency = None if seconds is None else seconds * 1000
    return latency


def _failure(obj: dict[str, Any], response: dict[str, Any]) -> tuple[bool, int | None, Any]:
    """(failed, HTTP status, error object) of one line."""
    http_status = as_int(first(obj, "status_code", "response.status_code", "http_status"), "status")
    error = obj.get("error") or response.get("error")
    failed = bool(error) or (http_status is not None and http_status >= 400)
    status_field = obj.get("status")
    if isinstance(status_field, str) and status_field.lower() in ("error", "failed", "timeout"):
        failed = True
    return failed, http_status, error


def _usage(response: dict[str, Any]) -> tuple[int | None, int | None, int | None]:
    """(input, output, cached) tokens."""
    usage = response.get("usage") if isinstance(response.get("usage"), dict) else {}
    cached = first(
        usage, "prompt_tokens_details.cached_tokens", "input_tokens_details.cached_tokens"
    )
    return (
        as_int(first(usage, "prompt_tokens", "input_tokens"), "prompt_tokens"),
        as_int(first(usage, "completion_tokens", "output_tokens"), "completion_tokens"),
        as_int(cached, "cached_tokens"),
    )


def parse_line(obj: Any, line: int, defaults: BatchDefaults = BatchDefaults()) -> ParsedCall:
    if not isinstance(obj, dict):
        raise RowError("not a JSON object")
    request: dict[str, Any] = obj["request"] if isinstance(obj.get("request"), dict) else {}
    response = _response(obj)
    model = _model(obj, response, defaults)
    ts = _time(obj, response, defaults)
    failed, http_status, error = _failure(obj, response)
    choices = response.get("choices")
    finish = None
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        finish = choices[0].get("finish_reason")
    error_class = None
    if failed:
        error_class = str(first(error, "type", "code") or "upstream_error")[:64]
    body = None if failed and set(response) <= {"error"} else response
    input_tokens, output_tokens, cached_tokens = _usage(response)
    return ParsedCall(
        line=line,
        ts=ts,
        model=model,
        latency_ms=_latency(obj),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_tokens=cached_tokens,
        status="error" if failed else "ok",
        http_status=http_status,
        error_class=error_class,
        finish_reason=finish if isinstance(finish, str) else None,
        stream=bool(request.get("stream", False)),
        provider="openai",
        request_body=request or None,
        response_body=body or (error if failed else None),
        fields=obj,
        key=call_key(obj, response),
    )


def batch_defaults(objs: list[Any], model: str | None, ts: datetime | None) -> BatchDefaults:
    """The model and latest time of the file's successful Batch lines (else the fallbacks)."""
    models: list[str] = []
    times: list[datetime] = []
    for obj in objs:
        if not isinstance(obj, dict) or not _is_batch(obj):
            continue
        body = _response(obj)
        if isinstance(body.get("model"), str) and body["model"]:
            models.append(body["model"])
        try:
            if body.get("created") is not None:
                times.append(as_time(body["created"]))
        except RowError:
            continue
    return BatchDefaults(model=models[0] if models else model, ts=max(times, default=ts))


def parse(
    lines: Iterator[tuple[int, bytes]],
    *,
    default_model: str | None = None,
    default_time: datetime | None = None,
) -> Iterator[ParsedCall | Skipped]:
    """Parse numbered lines of a JSONL file; blank lines are ignored."""
    numbered: list[tuple[int, Any]] = []
    for number, raw in lines:
        if not raw.strip():
            continue
        try:
            numbered.append((number, orjson.loads(raw)))
        except orjson.JSONDecodeError as exc:
            numbered.append((number, Skipped(number, f"invalid JSON: {str(exc).split(':')[0]}")))
    defaults = batch_defaults([obj for _, obj in numbered], default_model, default_time)
    for number, obj in numbered:
        if isinstance(obj, Skipped):
            yield obj
            continue
        try:
            yield parse_line(obj, number, defaults)
        except RowError as exc:
            yield Skipped(number, str(exc))
