"""The inbound format x upstream wire matrix: which body, answer and stream relay a call takes.

Three inbound formats (``openai`` = Chat Completions, ``anthropic`` = Messages, ``responses`` =
the OpenAI Responses API) meet three upstream wires. The same format in and out is forwarded
with ``model`` replaced (unknown fields pass through); any other pair is translated through the
canonical model (:mod:`swapsafe.wire.translate`), refusing what cannot be carried faithfully.
"""

from __future__ import annotations

from typing import Any

from swapsafe.config import ModelConfig
from swapsafe.gateway import streaming, streaming_responses
from swapsafe.providers.base import Provider
from swapsafe.providers.outbound import upstream_body
from swapsafe.wire import translate


def upstream_request(
    body: dict[str, Any], inbound: str, wire: str, model: ModelConfig, *, stream: bool
) -> tuple[dict[str, Any], str | None]:
    """The upstream body for ``model`` (and the JSON-mode tool name, when one is forced):
    :func:`swapsafe.providers.outbound.upstream_body`, the one place every caller builds it."""
    return upstream_body(
        body,
        inbound,
        wire,
        upstream_model=model.model,
        default_max_tokens=model.default_max_tokens,
        stream=stream,
    )


def client_answer(
    inbound: str,
    provider: Provider,
    body: dict[str, Any],
    request_id: str,
    json_tool: str | None,
    client_request: dict[str, Any],
) -> dict[str, Any]:
    """The client's answer from a non-streaming upstream answer ``body``.

    Chat and Messages answers get the gateway's id; a native Responses answer keeps OpenAI's
    (``previous_response_id`` and retrieval must find it there).
    """
    if provider.wire == inbound:
        if inbound == "responses":
            return body
        out = dict(body)
        out["id"] = request_id
        return out
    return translate.response(
        body,
        provider.wire,
        inbound,
        request_id=request_id,
        model=provider.upstream_model,
        client_request=client_request,
        json_mode_tool=json_tool,
    )


def relay_for(
    inbound: str,
    provider: Provider,
    request_id: str,
    *,
    json_tool: str | None,
    body: dict[str, Any],
    collect: bool,
) -> streaming.Relay:
    """The stream relay from ``provider``'s events to the client's format."""
    wire, model = provider.wire, provider.upstream_model
    if inbound == "responses" or wire == "responses":
        return streaming_responses.relay(
            inbound, wire, request_id, model=model, json_tool=json_tool, body=body, collect=collect
        )
    opts = body.get("stream_options") if inbound == "openai" else None  # type-checked
    wants_usage = bool((opts or {}).get("include_usage"))
    if wire == inbound == "openai":
        return streaming.OpenAIPassthrough(
            request_id, collect=collect, client_wants_usage=wants_usage
        )
    if wire == inbound == "anthropic":
        return streaming.AnthropicPassthrough(request_id, collect=collect)
    if inbound == "openai":
        return streaming.AnthropicToOpenAI(
            request_id,
            model=model,
            collect=collect,
            include_usage=wants_usage,
            json_mode_tool=json_tool,
        )
    return streaming.OpenAIToAnthropic(request_id, model=model, collect=collect)
