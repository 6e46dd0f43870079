"""OpenAI-format chat requests to any provider: what the eval runner and red-team send.

The body is built in OpenAI chat format and made into the upstream request by
:func:`swapsafe.providers.outbound.prepare`, like the gateway's (prompt variant, translation to
the provider's wire: Anthropic messages or the OpenAI Responses API, request rules); the answer
is translated back, so callers read one response shape.
"""

from __future__ import annotations

import time
from typing import Any

from swapsafe.config.models import ModelConfig
from swapsafe.providers.base import Provider
from swapsafe.providers.outbound import Target, prepare
from swapsafe.wire import translate
from swapsafe.wire.canonical import ChatResponse
from swapsafe.wire.openai import parse_response
from swapsafe.wire.prompt_variant import PromptVariant


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
        variant: PromptVariant | None = None,
    ) -> None:
        self.provider = provider
        self.config = model_config
        self.variant = variant
        self._target = Target.of(provider, model_config)
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
            **variant_settings(self.variant),
            **({"request_rules": self._target.rules.describe()} if self._target.rules else {}),
        }

    async def send(self, body: dict[str, Any]) -> ChatResponse:
        """Send ``body`` (its ``model`` is replaced by the upstream model)."""
        provider = self.provider
        out = prepare(body, "openai", self._target, stream=False, variant=self.variant)
        answer = await provider.complete(
            out.body, deadline=time.monotonic() + self.timeout, retries=self.retries
        )
        if provider.wire == "openai":
            return parse_response(answer.body)
        self._ids += 1
        resp = translate.parse_response(provider.wire, answer.body, json_mode_tool=out.json_tool)
        resp.id = f"{self._id_prefix}-{self._ids}"
        resp.model = provider.upstream_model
        return resp


def variant_settings(variant: PromptVariant | None) -> dict[str, Any]:
    """What a run records about the prompt variant a model was called with (nothing: none)."""
    if variant is None:
        return {}
    return {"prompt_variant": {"label": variant.label, "digest": variant.digest}}
