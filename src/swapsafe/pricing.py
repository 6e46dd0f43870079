"""Cost in USD from token usage.

Prices come from the maintained ``genai-prices`` table; a ``[models.NAME.price]`` override in
swapsafe.toml wins. An unknown price gives ``None`` (never a guess) and one warning per model.

Token convention across swapsafe: ``input_tokens`` counts *all* prompt tokens, cached ones
included; ``cached_tokens`` is the cached (cache-read) part of them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("swapsafe.pricing")

_PROBE = 1000
_SCALE = 1_000_000 / _PROBE
_PROVIDER_IDS = {"openai": "openai", "anthropic": "anthropic"}


class PriceOverrideLike(Protocol):
    input: float
    output: float
    cached_input: float | None


@dataclass(frozen=True, slots=True)
class UnitPrice:
    """USD per million tokens."""

    input: float
    output: float
    cached_input: float | None = None

    def cost(self, input_tokens: int, output_tokens: int, cached_tokens: int = 0) -> float:
        cached = min(max(cached_tokens, 0), input_tokens)
        cached_rate = self.input if self.cached_input is None else self.cached_input
        return (
            (input_tokens - cached) * self.input
            + cached * cached_rate
            + output_tokens * self.output
        ) / 1_000_000


class PriceBook:
    """Looks up and caches a unit price per configured model."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, str], UnitPrice | None] = {}
        self._warned: set[str] = set()

    def unit_price(
        self,
        *,
        name: str,
        provider: str,
        upstream_model: str,
        override: PriceOverrideLike | None = None,
    ) -> UnitPrice | None:
        if override is not None:
            return UnitPrice(override.input, override.output, override.cached_input)
        key = (name, provider, upstream_model)
        if key not in self._cache:
            self._cache[key] = _lookup(provider, upstream_model)
            if self._cache[key] is None and name not in self._warned:
                self._warned.add(name)
                log.warning(
                    "no price known for model %s (%s); cost will be empty. "
                    "Set [models.%s.price] input/output (USD per million tokens) to track cost.",
                    name,
                    upstream_model,
                    name,
                )
        return self._cache[key]

    def cost(
        self,
        *,
        name: str,
        provider: str,
        upstream_model: str,
        input_tokens: int | None,
        output_tokens: int | None,
        cached_tokens: int | None = None,
        override: PriceOverrideLike | None = None,
    ) -> float | None:
        if input_tokens is None and output_tokens is None:
            return None
        price = self.unit_price(
            name=name, provider=provider, upstream_model=upstream_model, override=override
        )
        if price is None:
            return None
        return price.cost(input_tokens or 0, output_tokens or 0, cached_tokens or 0)


def _lookup(provider: str, upstream_model: str) -> UnitPrice | None:
    """Unit price from genai-prices, or None when the model is unknown."""
    from genai_prices import Usage, calc_price  # heavy: its price data loads on first use

    try:
        # Probe with a small request (long-context tiers start far above it) and scale to
        # USD per million tokens.
        provider_id = _PROVIDER_IDS.get(provider)
        full = calc_price(
            Usage(input_tokens=_PROBE, output_tokens=0),
            model_ref=upstream_model,
            provider_id=provider_id,
        )
        out = calc_price(
            Usage(input_tokens=0, output_tokens=_PROBE),
            model_ref=upstream_model,
            provider_id=provider_id,
        )
        cached = calc_price(
            Usage(input_tokens=_PROBE, cache_read_tokens=_PROBE, output_tokens=0),
            model_ref=upstream_model,
            provider_id=provider_id,
        )
    except (LookupError, ValueError):
        return None
    return UnitPrice(
        input=float(full.total_price) * _SCALE,
        output=float(out.total_price) * _SCALE,
        cached_input=float(cached.total_price) * _SCALE,
    )


DEFAULT_PRICEBOOK = PriceBook()
