"""OpenAI wires: chat completions (OpenAI and every OpenAI-compatible server) and Responses.

``type = "openai"`` defaults to https://api.openai.com/v1; ``type = "openai-compatible"`` (vLLM,
llama.cpp, Ollama, Azure-style gateways) needs ``base_url``. Requests go to
``{base_url}/chat/completions`` with ``Authorization: Bearer <key>`` (omitted without a key).
:func:`responses_twin` gives the same upstream's ``{base_url}/responses`` endpoint (wire
``responses``): a stream ends with ``response.completed`` or ``response.incomplete``; an
in-stream ``error`` or ``response.failed`` event raises :class:`ProviderError`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson

from swapsafe.exceptions import ConfigError, ProviderError
from swapsafe.providers.base import Provider, SSEEvent, Wire
from swapsafe.providers.http import HTTPProvider
from swapsafe.providers.registry import ProviderSpec, register_provider

OPENAI_BASE_URL = "https://api.openai.com/v1"
_DONE = b"[DONE]"


class OpenAIProvider(HTTPProvider):
    """An upstream that speaks OpenAI chat completions."""

    wire: Wire = "openai"
    stream_end: ClassVar[str] = "data: [DONE]"
    type = "openai"

    def _endpoint(self) -> str:
        return f"{self.base_url}/chat/completions"

    def _auth_headers(self, api_key: str | None) -> dict[str, str]:
        return {"authorization": f"Bearer {api_key}"} if api_key else {}

    def _stream_event(self, event: SSEEvent) -> bool:
        data = event.data
        if data == _DONE:
            return True
        if data[:12].lstrip().startswith(b'{"error"'):
            self._raise_stream_error(data)
        return False

    def _raise_stream_error(self, data: bytes) -> None:
        """Raise the in-stream error ``data`` as a 500 :class:`ProviderError`; a body that is
        not a JSON object is kept as (at most 2000 characters of) text."""
        try:
            body = orjson.loads(data)
            message = self._stream_error_message(body)
        except (orjson.JSONDecodeError, AttributeError):
            body, message = data[:2000].decode("utf-8", "replace"), "error"
        raise ProviderError(
            f"upstream {self.name!r} sent an error in the stream: {message}",
            status=500,
            provider=self.name,
            body=body,
        )

    def _stream_error_message(self, body: Any) -> str:
        """The message of a chat completions ``{"error": {...}}`` chunk."""
        error = body.get("error") or {}
        return str(error.get("message") or "error")


_RESPONSES_END = frozenset({"response.completed", "response.incomplete", "response.failed"})


class OpenAIResponsesProvider(OpenAIProvider):
    """The same upstream's Responses API (``POST {base_url}/responses``)."""

    wire: Wire = "responses"
    stream_end: ClassVar[str] = "event: response.completed"

    def _endpoint(self) -> str:
        return f"{self.base_url}/responses"

    def _prepare_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return body

    def _stream_event(self, event: SSEEvent) -> bool:
        name = event.event
        if name is None:  # a server that sends only data lines: the type is in the data
            try:
                name = str(orjson.loads(event.data).get("type"))
            except (orjson.JSONDecodeError, AttributeError):
                return False
        if name in ("error", "response.failed"):  # a failed answer is an error, as in chat
            self._raise_stream_error(event.data)
        return name in _RESPONSES_END

    def _stream_error_message(self, body: Any) -> str:
        """``code: message`` of an ``error`` or ``response.failed`` event."""
        error = (body.get("response") or {}).get("error") or body  # response.failed / error
        return f"{error.get('code') or 'error'}: {error.get('message') or ''}".rstrip(": ")


def responses_twin(provider: Provider) -> Provider | None:
    """``provider``'s upstream through its Responses API (itself if it already speaks it);
    None when the provider is not an OpenAI HTTP one (scripted, a test double)."""
    if provider.wire == "responses":
        return provider
    if not isinstance(provider, OpenAIProvider):
        return None
    twin: OpenAIResponsesProvider = provider.sibling(OpenAIResponsesProvider)
    twin.type = provider.type
    return twin


class OpenAICompatibleProvider(OpenAIProvider):
    type = "openai-compatible"

    def _prepare_body(self, body: dict[str, Any]) -> dict[str, Any]:
        """Assistant turns with only tool calls carry ``content: null`` in OpenAI's format;
        llama.cpp's server (and some others) answer 422 to that, so send ``""`` instead."""
        messages = body.get("messages")
        if not isinstance(messages, list) or not any(
            isinstance(m, dict) and m.get("role") == "assistant" and m.get("content") is None
            for m in messages
        ):
            return body
        fixed = [
            {**m, "content": ""}
            if isinstance(m, dict) and m.get("role") == "assistant" and m.get("content") is None
            else m
            for m in messages
        ]
        return {**body, "messages": fixed}


@register_provider("openai")
def _create_openai(spec: ProviderSpec) -> OpenAIProvider:
    return OpenAIProvider.from_spec(spec, base_url=spec.base_url or OPENAI_BASE_URL)


@register_provider("openai-compatible")
def _create_compatible(spec: ProviderSpec) -> OpenAICompatibleProvider:
    if not spec.base_url:
        raise ConfigError(
            f"model {spec.name!r}: type 'openai-compatible' needs base_url, "
            'e.g. base_url = "http://localhost:8000/v1"'
        )
    return OpenAICompatibleProvider.from_spec(spec, base_url=spec.base_url)
