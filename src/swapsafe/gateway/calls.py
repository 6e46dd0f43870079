"""What the request path carries around: the body reader, one call's record, finish reasons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from swapsafe.config import ModelConfig
from swapsafe.providers.outbound import Outbound
from swapsafe.wire import responses_answer
from swapsafe.wire.fields import MAX_JSON_DEPTH, field_problem, too_deep

ID_PREFIX = {"openai": "chatcmpl-", "anthropic": "msg_", "responses": "resp_"}
MALFORMED = (AttributeError, TypeError, KeyError, ValueError, IndexError)


class BodyTooLarge(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request body is refused (a 400): a metrics label, the message, the parameter."""

    reason: str
    message: str
    param: str | None = None


_DEEP = f"request body nests JSON deeper than {MAX_JSON_DEPTH} levels; flatten it"


def parse_request(raw: bytes, inbound: str) -> dict[str, Any] | Refusal:
    """The request body as a JSON object whose fields have the types the gateway reads, or why
    not (see :mod:`swapsafe.wire.fields`)."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc) or "ecursion" in str(exc):
            return Refusal("too_deep", _DEEP)
        return Refusal("bad_json", "request body is not valid JSON")
    if not isinstance(body, dict):
        return Refusal("bad_json", "request body must be a JSON object")
    if too_deep(raw, body):
        return Refusal("too_deep", _DEEP)
    problem = field_problem(body, inbound)
    if problem is not None:
        return Refusal("bad_field", problem[1], param=problem[0])
    return body


#: reads a request body: ``(limit, declared content-length) -> body``, raising BodyTooLarge
BodyReader = Callable[[int, str | None], Awaitable[bytes]]


def header_map(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """ASGI-style request headers as a plain dict (names are lower-case; a repeated header keeps
    its first value, as Starlette's ``Headers.get`` does). One pass instead of a scan per get."""
    out: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1")
        if key not in out:
            out[key] = value.decode("latin-1")
    return out


def refuse_declared(limit: int, declared: str | None) -> None:
    """Raise BodyTooLarge when the declared content-length is over ``limit`` (nothing read)."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge


async def read_body(request: Request, limit: int, declared: str | None) -> bytes:
    """Read the body, refusing past ``limit`` bytes before parsing anything.

    ``declared`` is the request's content-length header, if any.
    """
    refuse_declared(limit, declared)
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        parts.append(chunk)
    return b"".join(parts)


@dataclass(slots=True)
class Call:
    """One upstream call being made (served or shadow): what to record when it ends."""

    request_id: str
    pair_id: str
    workload: str
    role: str
    model: ModelConfig
    inbound: str
    stream: bool
    bucket: int
    request_text: str | None  # the body as text to store, before redaction (TraceWriter)
    started: float
    ts: datetime
    source: str = "gateway"  # a SYNTHETIC_SOURCES value for swapsafe's own requests
    shadow_outcome: str | None = None  # served calls in shadow mode: swapsafe.store.coverage
    outbound: Outbound | None = None  # what was sent: variant, adapter rules

    @property
    def prompt_variant(self) -> str | None:
        """The digest of the prompt variant applied, if any."""
        return self.outbound.variant_digest if self.outbound is not None else None

    @property
    def adapted(self) -> str | None:
        """The request rules that changed the body, comma-separated (None: none fired)."""
        return self.outbound.adapted_text if self.outbound is not None else None

    def sent_fields(self) -> dict[str, str | None]:
        """The trace-row fields saying how the request was changed on its way (variant, rules)."""
        return {"prompt_variant": self.prompt_variant, "adapted": self.adapted}


@dataclass(slots=True)
class Exchange:
    """One call about to be made: the call, the upstream body, the JSON-mode tool to read the
    answer with, the pass-through key, the headers to answer with, the client's body and the
    caller's headers forwarded upstream (anthropic-version / anthropic-beta)."""

    call: Call
    upstream_body: dict[str, Any]
    json_tool: str | None
    api_key: str | None
    headers: dict[str, str]
    body: dict[str, Any]
    extra_headers: dict[str, str] | None = None


def finish_reason(wire: str, body: dict[str, Any]) -> str | None:
    """The finish reason a trace records: the wire's own; a Responses answer has none, so its
    status is put in Chat Completions' words (stop, length, tool_calls, content_filter)."""
    if wire == "anthropic":
        reason = body.get("stop_reason")
        return reason if isinstance(reason, str) else None
    if wire == "responses":
        return responses_answer.finish_reason(body)
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        reason = choices[0].get("finish_reason")
        return reason if isinstance(reason, str) else None
    return None


class ThenResponse:
    """A 200 JSON response that runs ``then()`` once it is sent: the trace is off the latency
    path. Plain ASGI messages (no Starlette header machinery: this is every request)."""

    __slots__ = ("body", "raw_headers", "then")
    status_code = 200

    def __init__(
        self, content: bytes, *, headers: dict[str, str], then: Callable[[], None]
    ) -> None:
        self.body = content
        self.raw_headers = [
            (b"content-length", b"%d" % len(content)),
            (b"content-type", b"application/json"),
            *((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()),
        ]
        self.then = then

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": self.body})
        finally:
            self.then()
