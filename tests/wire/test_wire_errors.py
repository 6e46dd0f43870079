"""Error bodies in each vendor's format, validated with the SDK error types."""

from __future__ import annotations

import pytest
from anthropic.types.shared.error_response import ErrorResponse

from swapsafe.wire.errors import (
    anthropic_error_body,
    map_anthropic_error_to_openai,
    map_openai_error_to_anthropic,
    openai_error_body,
)


@pytest.mark.parametrize(
    ("status", "openai_type", "anthropic_type"),
    [
        (400, "invalid_request_error", "invalid_request_error"),
        (401, "authentication_error", "authentication_error"),
        (403, "permission_error", "permission_error"),
        (404, "not_found_error", "not_found_error"),
        (413, "invalid_request_error", "request_too_large"),
        (429, "rate_limit_error", "rate_limit_error"),
        (500, "server_error", "api_error"),
        (502, "server_error", "api_error"),
        (504, "timeout_error", "timeout_error"),
        (529, "server_error", "overloaded_error"),
    ],
)
def test_types_by_status(status: int, openai_type: str, anthropic_type: str) -> None:
    assert openai_error_body(status, "m")["error"]["type"] == openai_type
    assert anthropic_error_body(status, "m")["error"]["type"] == anthropic_type


def test_openai_body_shape() -> None:
    assert openai_error_body(
        400, "`n` = 2 cannot be translated", param="n", code="unsupported"
    ) == {
        "error": {
            "message": "`n` = 2 cannot be translated",
            "type": "invalid_request_error",
            "param": "n",
            "code": "unsupported",
        }
    }


def test_anthropic_body_validates_with_sdk_type() -> None:
    body = anthropic_error_body(429, "slow down")
    parsed = ErrorResponse.model_validate(body)
    assert parsed.error.type == "rate_limit_error" and parsed.error.message == "slow down"


def test_upstream_errors_cross_formats() -> None:
    openai_upstream = {
        "error": {
            "message": "Incorrect API key provided",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    assert map_openai_error_to_anthropic(401, openai_upstream) == {
        "type": "error",
        "error": {"type": "authentication_error", "message": "Incorrect API key provided"},
    }
    anthropic_upstream = {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
        "request_id": "req_1",
    }
    assert map_anthropic_error_to_openai(529, anthropic_upstream) == {
        "error": {
            "message": "Overloaded",
            "type": "server_error",
            "param": None,
            "code": "overloaded_error",
        }
    }


@pytest.mark.parametrize(
    "body",
    [b"<html>Bad Gateway</html>", "plain text", None, {"detail": "x"}, {"message": "vllm says no"}],
)
def test_upstream_garbage_still_gives_a_message(body: object) -> None:
    out = map_openai_error_to_anthropic(502, body)
    assert out["error"]["type"] == "api_error"
    assert out["error"]["message"]
    ErrorResponse.model_validate(out)
