"""Fault injection for :class:`~swapsafe.testing.FakeUpstream`, and vendor-shaped error bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx

Flavor = Literal["openai", "anthropic"]


class ConnectionReset(httpx.RemoteProtocolError):
    """Raised by the fake app to drop the connection without a (complete) response.

    On the loopback server it becomes a real TCP reset; over ``httpx.ASGITransport`` it reaches
    the client as this exception (an ``httpx.TransportError``), which is what a reset looks like.
    """

    def __init__(self, message: str = "connection reset by fake upstream") -> None:
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Fault:
    """What goes wrong with one response (or with every response, set as ``FakeUpstream.fault``).

    - ``latency``: seconds to wait before answering.
    - ``status``: answer this HTTP status with a vendor-shaped error body (429, 500, 502, 503,
      529...); ``retry_after`` adds a ``retry-after`` header (seconds).
    - ``reset_before``: drop the connection without any response.
    - ``reset_mid_stream``: send N stream events (or part of a JSON body), then drop.
    - ``hang``: never answer.
    - ``garbage``: 200 with an HTML body instead of JSON / SSE.
    - ``invalid_json``: 200 ``application/json`` with a cut-off JSON body (in a stream: one event
      with broken JSON data).
    - ``truncated_sse``: end the stream cleanly but without its terminal event.
    - ``stream_error_after``: after N events, send the vendor's in-stream error and end.
    - ``drip``: seconds between stream events.
    - ``response_failed``: a non-streamed Responses API answer that is HTTP 200 with
      ``status: "failed"`` and an ``error`` object (as OpenAI sends when generation fails).
    """

    latency: float = 0.0
    status: int | None = None
    retry_after: float | None = None
    reset_before: bool = False
    reset_mid_stream: int | None = None
    hang: bool = False
    garbage: bool = False
    invalid_json: bool = False
    truncated_sse: bool = False
    stream_error_after: int | None = None
    drip: float = 0.0
    response_failed: bool = False


NO_FAULT = Fault()

GARBAGE_BODY = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"

_OPENAI_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    408: ("server_error", None, "Request timed out."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached. Please try again later."),
    500: ("server_error", None, "The server had an error while processing your request."),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}

_ANTHROPIC_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Permission denied."),
    404: ("not_found_error", "Not found."),
    408: ("timeout_error", "Request timed out."),
    413: ("request_too_large", "Request exceeds the maximum allowed size."),
    429: ("rate_limit_error", "Number of requests has exceeded your rate limit."),
    500: ("api_error", "Internal server error"),
    502: ("api_error", "Bad gateway"),
    503: ("api_error", "Service unavailable"),
    529: ("overloaded_error", "Overloaded"),
}


def error_body(flavor: Flavor, status: int, message: str | None = None) -> dict[str, Any]:
    """The error JSON a vendor answers with for ``status``."""
    if flavor == "anthropic":
        kind, default = _ANTHROPIC_ERRORS.get(status, ("api_error", "Internal server error"))
        return {
            "type": "error",
            "error": {"type": kind, "message": message or default},
            "request_id": "req_fake",
        }
    etype, code, default = _OPENAI_ERRORS.get(status, ("server_error", None, "Server error."))
    return {"error": {"message": message or default, "type": etype, "param": None, "code": code}}


def stream_error_frame(flavor: Flavor) -> bytes:
    """The vendor's in-stream error event, as SSE bytes."""
    if flavor == "anthropic":
        return (
            b"event: error\ndata: "
            b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
        )
    return (
        b'data: {"error":{"message":"The server had an error while processing your request.",'
        b'"type":"server_error","param":null,"code":null}}\n\n'
    )
