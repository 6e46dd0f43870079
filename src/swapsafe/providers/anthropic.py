"""Anthropic messages wire: POST ``{base_url}/v1/messages`` with ``x-api-key``.

``anthropic-version`` defaults to 2023-06-01 unless ``extra_headers`` carries one (the gateway
passes the caller's ``anthropic-version`` and ``anthropic-beta`` through). A stream must end
with ``message_stop``; an in-stream ``event: error`` raises :class:`ProviderError`.
:meth:`AnthropicProvider.count_tokens` posts to ``/v1/messages/count_tokens`` with the same
client settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import orjson

from swapsafe.exceptions import ProviderError
from swapsafe.providers.base import SSEEvent, UpstreamResponse, Wire
from swapsafe.providers.http import HTTPProvider
from swapsafe.providers.registry import ProviderSpec, register_provider

ANTHROPIC_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"

# Anthropic error types -> the HTTP status the same error has outside a stream.
ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}


class AnthropicProvider(HTTPProvider):
    """An upstream that speaks the Anthropic messages API."""

    wire: Wire = "anthropic"
    stream_end: ClassVar[str] = "event: message_stop"
    type = "anthropic"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._settings = kwargs  # for the token counter, built on first use
        self._counter: HTTPProvider | None = None

    def _endpoint(self) -> str:
        return f"{self.base_url}/v1/messages"

    async def count_tokens(
        self,
        body: dict[str, Any],
        *,
        deadline: float,
        api_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> UpstreamResponse:
        """POST ``body`` to ``/v1/messages/count_tokens`` (``{"input_tokens": N}`` back)."""
        if self._counter is None:
            self._counter = _TokenCounter(**{**self._settings, "client": self._client})
        return await self._counter.complete(
            body, deadline=deadline, api_key=api_key, extra_headers=extra_headers, retries=1
        )

    async def aclose(self) -> None:
        await super().aclose()
        if self._counter is not None:
            await self._counter.aclose()

    def _auth_headers(self, api_key: str | None) -> dict[str, str]:
        headers = {"anthropic-version": ANTHROPIC_VERSION}
        if api_key:
            headers["x-api-key"] = api_key
        return headers

    def _stream_event(self, event: SSEEvent) -> bool:
        name = event.event
        if name == "message_stop":
            return True
        if name == "error":
            self._raise_stream_error(event.data)
        return False

    def _raise_stream_error(self, data: bytes) -> None:
        try:
            body = orjson.loads(data)
            error = body.get("error") or {}
            kind = str(error.get("type") or "api_error")
            message = str(error.get("message") or kind)
        except (orjson.JSONDecodeError, AttributeError):
            body = data[:2000].decode("utf-8", "replace")
            kind, message = "api_error", "error"
        raise ProviderError(
            f"upstream {self.name!r} sent an error in the stream: {kind}: {message}",
            status=ERROR_STATUS.get(kind, 500),
            provider=self.name,
            body=body,
        )


class _TokenCounter(AnthropicProvider):
    def _endpoint(self) -> str:
        return f"{self.base_url}/v1/messages/count_tokens"


@register_provider("anthropic")
def _create_anthropic(spec: ProviderSpec) -> AnthropicProvider:
    return AnthropicProvider.from_spec(spec, base_url=spec.base_url or ANTHROPIC_BASE_URL)
