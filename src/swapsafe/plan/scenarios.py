"""Common migration scenarios and the projected cost change of a model swap.

Pure apart from the price lookup (``swapsafe.pricing``, a local table). A model may be a
configured model name (``[models.NAME]``, whose price override wins) or a raw upstream model
id such as ``gpt-4o`` or ``claude-sonnet-4-5``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from swapsafe.config import Config, ModelConfig
from swapsafe.exceptions import ConfigError
from swapsafe.pricing import PriceBook, UnitPrice


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    example: str
    risk: str
    matters: str  # what matters most when testing it


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "upgrade",
        "Same-family upgrade",
        "GPT-4o -> GPT-5, Sonnet 4 -> Sonnet 4.5",
        "low to medium: same API and habits, but formatting, verbosity and refusals drift",
        "nightly golden eval on the exact prompts; diff real requests for format changes",
    ),
    Scenario(
        "downsize",
        "Bigger -> smaller model for cost",
        "Opus -> Sonnet, Sonnet -> Haiku, GPT-4o -> GPT-4o-mini",
        "medium to high: quality drops on the hard tail of requests, not on the average",
        "non-inferiority gate on pass rate; disagreement-first human review of 200 pairs",
    ),
    Scenario(
        "cross_vendor",
        "Cross-vendor swap",
        "GPT-5 -> Claude Sonnet, Claude -> Gemini, Llama -> Qwen on vLLM",
        "high: different tool-use behaviour, JSON mode, stop reasons and safety training",
        "tool-call diffing in shadow mode and a red-team run with the real system prompt",
    ),
    Scenario(
        "partial_routing",
        "Route part of the traffic to a small model behind a confidence gate",
        "easy requests to Haiku / GPT-4o-mini, the rest stays on the big model",
        "medium: the gate's misroutes are the risk; the big model stays the fallback",
        "per-slice pass rates and a sticky canary; watch the share the gate sends down",
    ),
)
SCENARIO_BY_KEY = {s.key: s for s in SCENARIOS}

_VENDOR_PREFIXES = (
    (("gpt-", "o1", "o3", "o4", "chatgpt", "davinci", "babbage"), "openai"),
    (("claude",), "anthropic"),
    (("gemini", "gemma"), "google"),
    (("llama", "meta-llama"), "meta"),
    (("qwen",), "qwen"),
    (("mistral", "mixtral", "ministral", "codestral", "magistral"), "mistral"),
    (("deepseek",), "deepseek"),
    (("grok",), "xai"),
    (("smollm",), "huggingface"),
)
_SMALL_MARKERS = ("mini", "nano", "haiku", "flash", "small", "lite", "tiny", "270m", "135m")


@dataclass(frozen=True)
class ModelInfo:
    """A model as the user named it, resolved against the config when it is configured."""

    ref: str
    name: str
    provider: str
    upstream: str
    vendor: str
    config: ModelConfig | None = None


def vendor_of(upstream_model: str, provider: str = "") -> str:
    model = upstream_model.lower().rsplit("/", 1)[-1]
    for prefixes, vendor in _VENDOR_PREFIXES:
        if model.startswith(prefixes):
            return vendor
    return provider if provider in ("openai", "anthropic") else "self-hosted"


def resolve_model(ref: str, config: Config | None) -> ModelInfo:
    """A configured model name, or a raw upstream id (provider guessed from its name)."""
    if config is not None and ref in config.models:
        m = config.models[ref]
        return ModelInfo(ref, m.name, m.provider, m.model, vendor_of(m.model, m.provider), m)
    vendor = vendor_of(ref)
    provider = vendor if vendor in ("openai", "anthropic") else ""
    return ModelInfo(ref, ref, provider, ref, vendor)


def config_names(ref: str, config: Config | None) -> frozenset[str]:
    """``ref`` plus every configured model name that is ``ref`` or calls upstream model ``ref``."""
    names = {ref}
    if config is not None:
        names.update(n for n, m in config.models.items() if ref in (n, m.model))
    return frozenset(names)


@contextmanager
def _quiet_pricing() -> Iterator[None]:
    """The price book warns once per unknown model; here the caller reports it instead."""
    logger = logging.getLogger("swapsafe.pricing")
    previous = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = previous


def price_of(model: ModelInfo, book: PriceBook | None = None) -> UnitPrice | None:
    book = book or PriceBook()
    override = model.config.price if model.config is not None else None
    with _quiet_pricing():
        return book.unit_price(
            name=model.name,
            provider=model.provider,
            upstream_model=model.upstream,
            override=override,
        )


def unknown_price_message(model: ModelInfo) -> str:
    key = model.name if model.config is not None else model.ref
    return (
        f"no price known for model {model.ref!r} (upstream {model.upstream!r}); add "
        f"[models.{key}.price] input = ..., output = ... (USD per million tokens) to swapsafe.toml"
    )


def classify(
    old: ModelInfo, new: ModelInfo, old_price: UnitPrice | None, new_price: UnitPrice | None
) -> list[Scenario]:
    """The scenarios that fit this pair, most relevant first."""
    if old.vendor != new.vendor:
        found = [SCENARIO_BY_KEY["cross_vendor"]]
    else:
        found = [SCENARIO_BY_KEY["upgrade"]]
    smaller = _is_smaller(old, new, old_price, new_price)
    if smaller:
        if found[0].key == "upgrade":
            found = [SCENARIO_BY_KEY["downsize"]]
        else:
            found.append(SCENARIO_BY_KEY["downsize"])
        found.append(SCENARIO_BY_KEY["partial_routing"])
    return found


def _blended(price: UnitPrice) -> float:
    return 3 * price.input + price.output  # a typical 3:1 input:output token mix


def _is_smaller(
    old: ModelInfo, new: ModelInfo, old_price: UnitPrice | None, new_price: UnitPrice | None
) -> bool:
    if old_price is not None and new_price is not None and _blended(old_price) > 0:
        return _blended(new_price) < 0.6 * _blended(old_price)
    old_small = any(m in old.upstream.lower() for m in _SMALL_MARKERS)
    new_small = any(m in new.upstream.lower() for m in _SMALL_MARKERS)
    return new_small and not old_small


@dataclass(frozen=True)
class Volume:
    """Traffic to price: requests per day and average tokens per request."""

    requests_per_day: float
    input_tokens: float
    output_tokens: float
    cached_tokens: float = 0.0
    source: str = "given"


@dataclass(frozen=True)
class Projection:
    old: ModelInfo
    new: ModelInfo
    volume: Volume
    old_per_day: float
    new_per_day: float

    @property
    def delta_per_day(self) -> float:
        return self.new_per_day - self.old_per_day

    @property
    def delta_percent(self) -> float | None:
        return None if self.old_per_day == 0 else 100 * self.delta_per_day / self.old_per_day

    def line(self) -> str:
        pct = self.delta_percent
        change = f" ({pct:+.0f}%)" if pct is not None else ""
        return (
            f"${self.old_per_day:,.2f}/day on {self.old.ref} -> ${self.new_per_day:,.2f}/day on "
            f"{self.new.ref}: {self.delta_per_day:+,.2f} USD/day, "
            f"{30 * self.delta_per_day:+,.0f} USD/30 days{change}"
        )


def project(
    old: ModelInfo, new: ModelInfo, volume: Volume, book: PriceBook | None = None
) -> Projection:
    """Daily cost on both models at ``volume``; ConfigError naming the override when unpriced."""
    book = book or PriceBook()
    prices = []
    for model in (old, new):
        price = price_of(model, book)
        if price is None:
            raise ConfigError(unknown_price_message(model))
        prices.append(price)

    def per_day(price: UnitPrice) -> float:
        one = price.cost(
            round(volume.input_tokens), round(volume.output_tokens), round(volume.cached_tokens)
        )
        return one * volume.requests_per_day

    return Projection(old, new, volume, per_day(prices[0]), per_day(prices[1]))


def volume_text(volume: Volume) -> str:
    return (
        f"{volume.requests_per_day:,.0f} requests/day x {volume.input_tokens:,.0f} input + "
        f"{volume.output_tokens:,.0f} output tokens ({volume.source})"
    )
