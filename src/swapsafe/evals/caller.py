"""One model as the eval runner sees it: OpenAI-format request in, :class:`ModelOutput` out.

Requests are built in OpenAI chat format and sent by
:class:`~swapsafe.providers.openai_format.OpenAIFormatCaller`. Failures become
``ModelOutput.error`` (after the provider's own retries on 429/5xx), so one bad call never
stops a run.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from typing import Any, ClassVar, Self, TypedDict, Unpack

from swapsafe.config import Config
from swapsafe.config.models import ModelConfig
from swapsafe.evals.scorers.base import ModelOutput
from swapsafe.evals.scorers.tools import normalize_arguments
from swapsafe.exceptions import ProviderError, TranslationError
from swapsafe.pricing import DEFAULT_PRICEBOOK, PriceBook
from swapsafe.providers.base import Provider
from swapsafe.providers.openai_format import OpenAIFormatCaller
from swapsafe.wire.prompt_variant import PromptVariant


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, ProviderError):
        status = f"HTTP {exc.status}: " if exc.status else ""
        return f"{type(exc).__name__}: {status}{str(exc)[:500]}"
    return f"{type(exc).__name__}: {str(exc)[:500]}"


class CallerOptions(TypedDict, total=False):
    """The keyword arguments of :class:`WorkloadCaller` (defaults there)."""

    timeout: float
    retries: int
    temperature: float
    params: dict[str, Any] | None
    variant: PromptVariant | None


class WorkloadCaller:
    """One configured model called in OpenAI chat format at a fixed ``temperature``, sending the
    workload's ``params`` (what the application sends) with every request. The eval and the
    red-team callers are these."""

    id_prefix: ClassVar[str]  # the request ids' prefix
    records_temperature: ClassVar[bool] = True  # whether :meth:`settings` names the temperature

    def __init__(
        self,
        name: str,
        provider: Provider,
        model_config: ModelConfig | None = None,
        *,
        timeout: float = 60.0,
        retries: int = 2,
        temperature: float = 0.0,
        params: dict[str, Any] | None = None,
        variant: PromptVariant | None = None,
    ) -> None:
        self.name = name
        self.params = dict(params or {})  # the workload's [params]: what the application sends
        self.provider = provider
        self.config = model_config
        self.temperature = temperature
        self._caller = OpenAIFormatCaller(
            provider,
            model_config,
            timeout=timeout,
            retries=retries,
            id_prefix=self.id_prefix,
            variant=variant,
        )

    @classmethod
    def for_run(
        cls,
        config: Config,
        workload: str,
        available: Mapping[str, Provider],
        chosen: Collection[str],
        *,
        timeout: float,
        retries: int,
        variants: Mapping[str, PromptVariant] | None = None,
    ) -> dict[str, Self]:
        """A caller per model in ``available``; only the ``chosen`` ones (not a judge) send
        the workload's params."""
        params = config.workloads[workload].params
        return {
            name: cls(
                name,
                provider,
                config.models.get(name),
                timeout=timeout,
                retries=retries,
                params=params if name in chosen else None,
                variant=(variants or {}).get(name),
            )
            for name, provider in available.items()
        }

    def settings(self) -> dict[str, Any]:
        """What a run records of this caller."""
        temperature = {"temperature": self.temperature} if self.records_temperature else {}
        extra = {"params": self.params} if self.params else {}
        return {**self._caller.settings(), **temperature, **extra}

    def _body(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> dict[str, Any]:
        """An OpenAI chat request: the params, the messages, the temperature, any tools."""
        body: dict[str, Any] = {
            **self.params,
            "messages": messages,
            "temperature": self.temperature,
        }
        if tools:
            body["tools"] = tools
        return body


class ModelCaller(WorkloadCaller):
    """Calls one configured model with deterministic settings and prices each call."""

    id_prefix = "eval"

    def __init__(
        self,
        name: str,
        provider: Provider,
        model_config: ModelConfig | None = None,
        *,
        pricebook: PriceBook = DEFAULT_PRICEBOOK,
        **options: Unpack[CallerOptions],
    ) -> None:
        super().__init__(name, provider, model_config, **options)
        self.pricebook = pricebook

    def plain(self) -> ModelCaller:
        """This model without its prompt variant and the workload's params: a judge's own
        requests are never rewritten, also when the judge is one of the models evaluated."""
        if self._caller.variant is None and not self.params:
            return self
        return ModelCaller(
            self.name,
            self.provider,
            self.config,
            timeout=self._caller.timeout,
            retries=self._caller.retries,
            temperature=self.temperature,
            pricebook=self.pricebook,
        )

    def _cost(
        self, input_tokens: int | None, output_tokens: int | None, cached: int | None
    ) -> float | None:
        cfg = self.config
        return self.pricebook.cost(
            name=self.name,
            provider=cfg.provider if cfg else self.provider.type,
            upstream_model=cfg.model if cfg else self.provider.upstream_model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_tokens=cached,
            override=cfg.price if cfg else None,
        )

    async def chat(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
    ) -> ModelOutput:
        return await self.complete(self._body(messages, tools))

    async def complete(self, body: dict[str, Any]) -> ModelOutput:
        """Send an OpenAI-format ``body`` (its ``model`` is replaced by the upstream model)."""
        started = time.perf_counter()
        try:
            resp = await self._caller.send(body)
        except (ProviderError, TranslationError, TimeoutError, ValueError, KeyError) as exc:
            latency = (time.perf_counter() - started) * 1000
            return ModelOutput(latency_ms=latency, error=_error_text(exc))
        latency = (time.perf_counter() - started) * 1000
        usage = resp.usage
        inp = usage.input_tokens if usage else None
        out = usage.output_tokens if usage else None
        return ModelOutput(
            text=resp.text,
            tool_calls=[
                {"name": c.name, "arguments": normalize_arguments(c.arguments)}
                for c in resp.tool_calls
            ],
            latency_ms=latency,
            input_tokens=inp,
            output_tokens=out,
            cost_usd=self._cost(inp, out, usage.cached_tokens if usage else None),
        )
