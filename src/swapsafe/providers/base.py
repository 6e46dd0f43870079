"""The provider seam: what the gateway may ask of an upstream model.

A provider speaks one wire format (``wire``) to one upstream model. ``body`` is already in that
wire format with ``model`` set to the upstream model name; the provider only sends it, retries
what may be retried, and maps failures onto :class:`swapsafe.exceptions.ProviderError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

#: "openai" is Chat Completions, "responses" the OpenAI Responses API
Wire = Literal["openai", "anthropic", "responses"]


@dataclass(slots=True)
class UpstreamResponse:
    """A successful (2xx) non-streaming upstream answer."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    attempts: int


@dataclass(slots=True)
class SSEEvent:
    """One server-sent event as received: ``event`` is None for OpenAI, ``data`` is raw bytes."""

    event: str | None
    data: bytes


@runtime_checkable
class Provider(Protocol):
    """One upstream model.

    ``deadline`` is an absolute :func:`time.monotonic` value covering every attempt (and, for
    :meth:`stream`, reading the whole stream). ``api_key`` overrides the configured key.
    ``retries`` is the number of extra attempts after the first one.
    """

    name: str
    type: str
    wire: Wire
    upstream_model: str

    async def complete(
        self,
        body: dict[str, Any],
        *,
        deadline: float,
        api_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retries: int = 2,
    ) -> UpstreamResponse: ...

    def stream(
        self,
        body: dict[str, Any],
        *,
        deadline: float,
        api_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retries: int = 2,
    ) -> AsyncIterator[SSEEvent]: ...

    async def aclose(self) -> None: ...
