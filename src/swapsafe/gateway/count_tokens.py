"""``POST /v1/messages/count_tokens``: Anthropic's token counting, through the gateway.

The request is routed like a ``/v1/messages`` request of the same workload and caller (sticky
canary included), so the count is for the model that would serve it, with that model's prompt
variant applied. When that model is an Anthropic one, the request is forwarded to its
``/v1/messages/count_tokens`` with the caller's ``anthropic-version`` / ``anthropic-beta``
headers; for a model of another vendor there is no counting endpoint and no faithful count, so
the answer is a 400 (Anthropic format) saying so — never an estimate passed off as a count.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import orjson
from starlette.requests import Request
from starlette.responses import Response

from swapsafe.exceptions import ProviderError, TranslationError
from swapsafe.gateway.anthropic_headers import passthrough_headers
from swapsafe.gateway.auth import client_key
from swapsafe.gateway.calls import BodyTooLarge, Refusal, header_map, parse_request, read_body
from swapsafe.gateway.errors import error_response, provider_error_response
from swapsafe.gateway.router import route_request
from swapsafe.wire.prompt_variant import apply_variant

if TYPE_CHECKING:
    from swapsafe.gateway.proxy import Gateway

_WIRE = "anthropic"


async def count_tokens(gw: Gateway, request: Request) -> Response:
    """Answer one count_tokens request (errors in Anthropic's format)."""
    headers = header_map(request.scope["headers"])
    key = client_key(headers)
    if not gw.auth.check(key):
        return error_response(_WIRE, 401, "missing or invalid API key")
    limit = gw.config.gateway.max_body_bytes
    try:
        raw = await read_body(request, limit, headers.get("content-length"))
    except BodyTooLarge:
        return error_response(_WIRE, 413, f"request body exceeds {limit} bytes")
    body = parse_request(raw, _WIRE)
    if isinstance(body, Refusal):
        return error_response(_WIRE, 400, body.message)
    alias = headers.get("x-swapsafe-workload") or body.get("model")
    workload = gw.aliases.get(alias) if isinstance(alias, str) else None
    if workload is None:
        known = ", ".join(sorted(gw.aliases))
        return error_response(_WIRE, 404, f"unknown model {alias!r}; workload aliases: {known}")
    route = route_request(workload, gw.routing.get(workload.name), body, headers)
    model = gw.config.models[route.serving]
    provider = gw.providers[model.name]
    counter = getattr(provider, "count_tokens", None)
    if provider.wire != _WIRE or counter is None:
        return error_response(
            _WIRE,
            400,
            f"count_tokens: workload {workload.name!r} is served by model {model.name!r} "
            f"(provider {model.provider}), which has no token-counting endpoint; count against "
            "an Anthropic model, or read the token counts from the usage of each response",
        )
    variant = workload.prompt_variant(model.name)
    out = apply_variant(variant, body, _WIRE) if variant is not None else dict(body)
    out["model"] = model.model
    try:
        extra = passthrough_headers(_WIRE, headers, _WIRE, model.name)
        answer = await counter(
            out,
            deadline=time.monotonic() + gw.config.gateway.deadline,
            api_key=gw.upstream_key(model, _WIRE, key),
            extra_headers=extra,
        )
    except TranslationError as exc:
        return error_response(_WIRE, 400, str(exc))
    except ProviderError as exc:
        return provider_error_response(_WIRE, _WIRE, exc)
    return Response(orjson.dumps(answer.body), media_type="application/json")
