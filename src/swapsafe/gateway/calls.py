"""What the request path carries around: the body reader, one call's record, finish reasons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from starlette.requests import Request

from swapsafe.config import ModelConfig
from swapsafe.providers.outbound import Outbound
from swapsafe.wire.fields import MAX_JSON_DEPTH, field_problem, too_deep

ID_PREFIX = {"openai": "chatcmpl-", "anthropic": "msg_"}
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
    outbound: Outbound | None = None  # what was sent: variant, adapter rules, extra headers

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

    @property
    def extra_headers(self) -> dict[str, str] | None:
        """Caller headers forwarded upstream (anthropic-version / anthropic-beta)."""
        return self.outbound.headers if self.outbound is not None else None


def finish_reason(wire: str, body: dict[str, Any]) -> str | None:
    if wire == "anthropic":
        reason = body.get("stop_reason")
        return reason if isinstance(reason, str) else None
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        reason = choices[0].get("finish_reason")
        return reason if isinstance(reason, str) else None
    return None
