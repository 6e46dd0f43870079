"""Cross-vendor translation of whole request and response bodies (pure functions).

Finish reasons (canonical = OpenAI):

==================  ==========================================================
OpenAI              Anthropic
==================  ==========================================================
``stop``            ``end_turn``, ``stop_sequence``, ``pause_turn`` (-> stop;
                    a paused server-tool turn has no OpenAI twin) ; stop -> end_turn
``length``          ``max_tokens``, ``model_context_window_exceeded`` ; -> max_tokens
``tool_calls``      ``tool_use`` (``function_call`` legacy -> tool_use) ; -> tool_use
``content_filter``  ``refusal`` ; -> refusal
==================  ==========================================================

With JSON mode on Anthropic, the ``json_output`` tool call is returned as text and its
``tool_use`` stop reason as ``stop`` (see ``wire/anthropic.py``).

Anything that cannot be translated faithfully raises ``TranslationError(message, param)``; the
gateway answers it with a 400 in the caller's format (``wire.errors``).
"""

from __future__ import annotations

from typing import Any, Literal

from swapsafe.wire import anthropic, anthropic_answer, openai, responses, responses_answer
from swapsafe.wire.canonical import JSON_MODE_TOOL, ChatRequest, ChatResponse


def json_mode_tool_for(
    openai_body: dict[str, Any], *, structured_output: str = "tool"
) -> str | None:
    """The forced-tool name to pass to the response/stream translators for this OpenAI request."""
    rf = openai_body.get("response_format")
    kind = rf.get("type") if isinstance(rf, dict) else None
    if kind == "json_object" or (kind == "json_schema" and structured_output == "tool"):
        return JSON_MODE_TOOL
    return None


def openai_to_anthropic_request(
    body: dict[str, Any],
    *,
    model: str,
    default_max_tokens: int = 4096,
    structured_output: Literal["tool", "native"] = "tool",
) -> dict[str, Any]:
    """OpenAI chat request -> Anthropic Messages request for ``model``."""
    req = openai.parse_request(body)
    req.model = model
    return anthropic.encode_request(
        req, default_max_tokens=default_max_tokens, structured_output=structured_output
    )


def anthropic_to_openai_request(
    body: dict[str, Any], *, model: str, max_tokens_param: str = "max_tokens"
) -> dict[str, Any]:
    """Anthropic Messages request -> OpenAI chat request for ``model`` (usage always requested
    when streaming)."""
    req = anthropic.parse_request(body)
    req.model = model
    return openai.encode_request(req, max_tokens_param=max_tokens_param)


def anthropic_to_openai_response(
    body: dict[str, Any],
    *,
    request_id: str,
    model: str,
    json_mode_tool: str | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    """Anthropic Message -> OpenAI ``chat.completion`` (id and model as the client should see)."""
    resp = anthropic_answer.parse_response(body, json_mode_tool=json_mode_tool)
    resp.id = request_id
    resp.model = model
    return openai.encode_response(resp, created=created)


def openai_to_anthropic_response(
    body: dict[str, Any], *, request_id: str, model: str
) -> dict[str, Any]:
    """OpenAI ``chat.completion`` -> Anthropic Message."""
    resp = openai.parse_response(body)
    resp.id = request_id
    resp.model = model
    return anthropic_answer.encode_response(resp)


# ---------------------------------------------------------------- any wire to any wire
# The gateway's three inbound formats and three upstream wires: "openai" (Chat Completions),
# "anthropic" (Messages) and "responses" (the OpenAI Responses API).


def parse_request(wire: str, body: dict[str, Any], *, strict: bool = True) -> ChatRequest:
    """A request body in ``wire`` -> canonical request."""
    if wire == "anthropic":
        return anthropic.parse_request(body, strict=strict)
    if wire == "responses":
        return responses.parse_request(body, strict=strict)
    return openai.parse_request(body, strict=strict)


def encode_request(
    wire: str, req: ChatRequest, *, default_max_tokens: int = 4096
) -> dict[str, Any]:
    """Canonical request -> a request body in ``wire``."""
    if wire == "anthropic":
        return anthropic.encode_request(req, default_max_tokens=default_max_tokens)
    if wire == "responses":
        return responses.encode_request(req)
    return openai.encode_request(req)


def request(
    body: dict[str, Any], inbound: str, upstream: str, *, model: str, default_max_tokens: int
) -> tuple[dict[str, Any], str | None]:
    """A client request in ``inbound`` -> the ``upstream`` request for ``model``, and the
    JSON-mode tool name the answer must be read with (Anthropic upstreams only)."""
    req = parse_request(inbound, body)
    req.model = model
    out = encode_request(upstream, req, default_max_tokens=default_max_tokens)
    json_tool = JSON_MODE_TOOL if upstream == "anthropic" and req.response_format else None
    return out, json_tool


def parse_response(
    wire: str, body: dict[str, Any], *, json_mode_tool: str | None = None
) -> ChatResponse:
    """A response body in ``wire`` -> canonical response."""
    if wire == "anthropic":
        return anthropic_answer.parse_response(body, json_mode_tool=json_mode_tool)
    if wire == "responses":
        return responses_answer.parse_response(body)
    return openai.parse_response(body)


def response(
    body: dict[str, Any],
    upstream: str,
    inbound: str,
    *,
    request_id: str,
    model: str,
    client_request: dict[str, Any],
    json_mode_tool: str | None = None,
) -> dict[str, Any]:
    """An ``upstream`` answer -> the ``inbound`` client's answer (its id and model as the client
    should see them; ``client_request`` is echoed in a Responses answer)."""
    resp = parse_response(upstream, body, json_mode_tool=json_mode_tool)
    resp.id = request_id
    resp.model = model
    if inbound == "anthropic":
        return anthropic_answer.encode_response(resp)
    if inbound == "responses":
        return responses_answer.encode_response(resp, request=client_request)
    return openai.encode_response(resp)
