"""Error responses in the caller's wire format (OpenAI or Anthropic error JSON).

Chat Completions and Responses clients both read OpenAI's error format; only ``/v1/messages``
clients read Anthropic's (:func:`inbound_for_path` is that rule for paths no route serves).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from swapsafe.exceptions import ProviderError, ProviderTimeout
from swapsafe.wire import errors as wire_errors

#: the message of a 500 the gateway answers for its own failure (details go to its log)
INTERNAL_ERROR = "internal gateway error; see the gateway log"


def error_response(
    inbound: str,
    status: int,
    message: str,
    *,
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if inbound == "anthropic":
        body: dict[str, Any] = wire_errors.anthropic_error_body(status, message)
    else:
        body = wire_errors.openai_error_body(status, message, param=param, code=code)
    return Response(
        orjson.dumps(body), status_code=status, headers=headers, media_type="application/json"
    )


def inbound_for_path(path: str) -> str:
    """The error format of a path: Anthropic's under ``/v1/messages``, else OpenAI's."""
    return "anthropic" if path.startswith("/v1/messages") else "openai"


def _same_format(inbound: str, upstream_wire: str) -> bool:
    return inbound == upstream_wire or "anthropic" not in (inbound, upstream_wire)


def provider_error_status(exc: ProviderError) -> int:
    """Status the client sees for an upstream failure after the gateway's own retries."""
    if isinstance(exc, ProviderTimeout):
        return 504
    if 400 <= exc.status < 500:
        return exc.status  # client-side problems pass through (mapped to the caller's format)
    return 502


def provider_error_response(inbound: str, upstream_wire: str, exc: ProviderError) -> Response:
    """Map a ProviderError to the caller's format (the gateway already retried; SDKs must not)."""
    status = provider_error_status(exc)
    headers = {"x-should-retry": "false"}
    if status == 429 and exc.retry_after is not None:
        headers["retry-after"] = str(int(exc.retry_after + 0.999))
    body = exc.body
    if 400 <= exc.status < 500 and isinstance(body, dict):
        if _same_format(inbound, upstream_wire):
            mapped: dict[str, Any] = body
        elif inbound == "anthropic":
            mapped = wire_errors.map_openai_error_to_anthropic(exc.status, body)
        else:
            mapped = wire_errors.map_anthropic_error_to_openai(exc.status, body)
        return Response(
            orjson.dumps(mapped), status_code=status, headers=headers, media_type="application/json"
        )
    return error_response(inbound, status, str(exc), headers=headers)
