"""A provider wrapper that caps ``max_tokens`` on requests that set none.

Small local models may ramble until their context is full; the demo's eval and red-team calls
go through this wrapper so every call stays within the run's time budget.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from swapsafe.providers.base import Provider, SSEEvent, UpstreamResponse


class BoundedProvider:
    """Delegates to ``inner``; adds ``max_tokens`` (OpenAI wire) when the body has no limit."""

    def __init__(self, inner: Provider, max_tokens: int) -> None:
        self.inner = inner
        self.max_tokens = max_tokens
        self.name = inner.name
        self.type = inner.type
        self.wire = inner.wire
        self.upstream_model = inner.upstream_model

    def _bounded(self, body: dict[str, Any]) -> dict[str, Any]:
        if any(k in body for k in ("max_tokens", "max_completion_tokens")):
            return body
        return {**body, "max_tokens": self.max_tokens}

    async def complete(
        self,
        body: dict[str, Any],
        *,
        deadline: float,
        api_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retries: int = 2,
    ) -> UpstreamResponse:
        return await self.inner.complete(
            self._bounded(body),
            deadline=deadline,
            api_key=api_key,
            extra_headers=extra_headers,
            retries=retries,
        )

    def stream(
        self,
        body: dict[str, Any],
        *,
        deadline: float,
        api_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retries: int = 2,
    ) -> AsyncIterator[SSEEvent]:
        return self.inner.stream(
            self._bounded(body),
            deadline=deadline,
            api_key=api_key,
            extra_headers=extra_headers,
            retries=retries,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()
