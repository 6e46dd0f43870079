"""What the request path carries around: the body reader, one call's record, finish reasons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request

from swapsafe.config import ModelConfig

ID_PREFIX = {"openai": "chatcmpl-", "anthropic": "msg_"}
MALFORMED = (AttributeError, TypeError, KeyError, ValueError, IndexError)


class BodyTooLarge(Exception):
    pass


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
    request_text: str | None
    started: float
    ts: datetime
    source: str = "gateway"  # a SYNTHETIC_SOURCES value for swapsafe's own requests
    shadow_outcome: str | None = None  # served calls in shadow mode: swapsafe.store.coverage


def finish_reason(wire: str, body: dict[str, Any]) -> str | None:
    if wire == "anthropic":
        reason = body.get("stop_reason")
        return reason if isinstance(reason, str) else None
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        reason = choices[0].get("finish_reason")
        return reason if isinstance(reason, str) else None
    return None
