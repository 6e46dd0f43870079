"""The demo's direct calls to the local models (evals, red team): bounded and llama.cpp-safe.

* ``max_tokens`` is capped on requests that set none: small local models may ramble until their
  context is full, and the demo has a time budget.
* An assistant turn that only calls tools gets ``content: ""`` instead of ``null``:
  llama-cpp-python's server rejects a null content (HTTP 422) where OpenAI accepts it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from swapsafe.providers.base import Provider, SSEEvent, UpstreamResponse


def llama_safe_messages(messages: list[Any]) -> list[Any]:
    """The messages with ``content: ""`` for assistant turns whose content is null."""
    return [
        {**m, "content": ""}
        if isinstance(m, dict) and m.get("role") == "assistant" and m.get("content") is None
        else m
        for m in messages
    ]


class LocalModelProvider:
    """Delegates to ``inner`` (OpenAI wire): caps ``max_tokens`` and fixes null contents."""

    def __init__(self, inner: Provider, max_tokens: int) -> None:
        self.inner = inner
        self.max_tokens = max_tokens
        self.name = inner.name
        self.type = inner.type
        self.wire = inner.wire
        self.upstream_model = inner.upstream_model

    def _bounded(self, body: dict[str, Any]) -> dict[str, Any]:
        out = dict(body)
        if isinstance(out.get("messages"), list):
            out["messages"] = llama_safe_messages(out["messages"])
        if not any(k in out for k in ("max_tokens", "max_completion_tokens")):
            out["max_tokens"] = self.max_tokens
        return out

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
