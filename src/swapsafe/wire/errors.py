"""Error bodies in each vendor's wire format, and passing upstream errors across formats.

The HTTP status is passed through unchanged; only the body is rewritten. Types by status:

======  ======================  =====================
status  OpenAI ``error.type``   Anthropic ``error.type``
======  ======================  =====================
400     invalid_request_error   invalid_request_error
401     authentication_error    authentication_error
402     invalid_request_error   billing_error
403     permission_error        permission_error
404     not_found_error         not_found_error
408     timeout_error           timeout_error
409     conflict_error          conflict_error
413     invalid_request_error   request_too_large
422     invalid_request_error   invalid_request_error
429     rate_limit_error        rate_limit_error
504     timeout_error           timeout_error
529     server_error            overloaded_error
5xx     server_error            api_error
======  ======================  =====================
"""

from __future__ import annotations

from typing import Any

_OPENAI_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    409: "conflict_error",
    429: "rate_limit_error",
    504: "timeout_error",
}
_ANTHROPIC_TYPES = {
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    409: "conflict_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}
#: Anthropic error type -> OpenAI error type (for in-stream errors, which carry no status)
ANTHROPIC_TO_OPENAI_TYPE = {
    "invalid_request_error": "invalid_request_error",
    "authentication_error": "authentication_error",
    "billing_error": "invalid_request_error",
    "permission_error": "permission_error",
    "not_found_error": "not_found_error",
    "request_too_large": "invalid_request_error",
    "rate_limit_error": "rate_limit_error",
    "timeout_error": "timeout_error",
    "api_error": "server_error",
    "overloaded_error": "server_error",
}
#: OpenAI error type -> Anthropic error type (for in-stream errors)
OPENAI_TO_ANTHROPIC_TYPE = {
    "invalid_request_error": "invalid_request_error",
    "authentication_error": "authentication_error",
    "permission_error": "permission_error",
    "not_found_error": "not_found_error",
    "rate_limit_error": "rate_limit_error",
    "insufficient_quota": "rate_limit_error",
    "timeout_error": "timeout_error",
    "server_error": "api_error",
}


def openai_error_type(status: int) -> str:
    if status >= 500 and status != 504:
        return "server_error"
    return _OPENAI_TYPES.get(status, "invalid_request_error")


def anthropic_error_type(status: int) -> str:
    if status >= 500 and status not in _ANTHROPIC_TYPES:
        return "api_error"
    return _ANTHROPIC_TYPES.get(status, "invalid_request_error")


def openai_error_body(
    status: int,
    message: str,
    type_: str | None = None,
    param: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """``{"error": {"message", "type", "param", "code"}}`` as OpenAI answers."""
    return {
        "error": {
            "message": message,
            "type": type_ or openai_error_type(status),
            "param": param,
            "code": code,
        }
    }


def anthropic_error_body(status: int, message: str, type_: str | None = None) -> dict[str, Any]:
    """``{"type": "error", "error": {"type", "message"}}`` as Anthropic answers."""
    return {
        "type": "error",
        "error": {"type": type_ or anthropic_error_type(status), "message": message},
    }


def _message_of(body: Any, status: int) -> tuple[str, str | None]:
    """(message, vendor error type) from an error body of either vendor, or a plain string."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return str(err.get("message") or f"upstream error {status}"), err.get("type")
        if isinstance(err, str):
            return err, None
        if isinstance(body.get("message"), str):
            return body["message"], None
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body.strip():
        return body.strip()[:2000], None
    return f"upstream error {status}", None


def map_openai_error_to_anthropic(status: int, body: Any) -> dict[str, Any]:
    """An upstream OpenAI(-compatible) error body -> the Anthropic error body for the client."""
    message, _ = _message_of(body, status)
    return anthropic_error_body(status, message)


def map_anthropic_error_to_openai(status: int, body: Any) -> dict[str, Any]:
    """An upstream Anthropic error body -> the OpenAI error body for the client.

    The Anthropic error type is kept as ``code`` (e.g. ``overloaded_error``).
    """
    message, vendor_type = _message_of(body, status)
    return openai_error_body(status, message, code=vendor_type)
