"""OpenAI-format chat requests to any provider: what the eval runner and red-team send.

The body is built in OpenAI chat format. For a provider speaking another wire (Anthropic
messages, the OpenAI Responses API) it is translated there and the answer translated back, so
callers read one response shape.
"""

from __future__ import annotations

import time
from typing import Any

from swapsafe.config.models import ModelConfig
from swapsafe.providers.base import Provider
from swapsafe.wire import translate
from swapsafe.wire.canonical import ChatResponse
from swapsafe.wire.openai import parse_response


class OpenAIFormatCaller:
    """Sends OpenAI-format bodies to one provider with a fixed timeout and retry count.

    Raises what the provider and translators raise (``ProviderError``, ``TranslationError``,
    ``TimeoutError``, ``ValueError`` / ``KeyError`` for unreadable answers).
    """

    def __init__(
        self,
        provider: Provider,
        model_config: ModelConfig | None,
        *,
        timeout: float,
        retries: int,
        id_prefix: str,
    ) -> None:
        self.provider = provider
        self.config = model_config
        self.timeout = timeout
        self.retries = retries
        self._id_prefix = id_prefix
        self._ids = 0

    def settings(self) -> dict[str, Any]:
        """What a run records about how this model was called."""
        return {
            "provider": self.provider.type,
            "upstream_model": self.provider.upstream_model,
            "wire": self.provider.wire,
            "timeout": self.timeout,
            "retries": self.retries,
        }

    async def send(self, body: dict[str, Any]) -> ChatResponse:
        """Send ``body`` (its ``model`` is replaced by the upstream model)."""
        provider = self.provider
        body = {**body, "model": provider.upstream_model}
        wire_body, json_tool = body, None
        if provider.wire != "openai":
            max_tokens = self.config.default_max_tokens if self.config else 4096
            wire_body, json_tool = translate.request(
                body,
                "openai",
                provider.wire,
                model=provider.upstream_model,
                default_max_tokens=max_tokens,
            )
        answer = await provider.complete(
            wire_body, deadline=time.monotonic() + self.timeout, retries=self.retries
        )
        if provider.wire == "openai":
            return parse_response(answer.body)
        self._ids += 1
        resp = translate.parse_response(provider.wire, answer.body, json_mode_tool=json_tool)
        resp.id = f"{self._id_prefix}-{self._ids}"
        resp.model = provider.upstream_model
        return resp
