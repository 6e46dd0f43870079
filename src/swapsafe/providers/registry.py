"""Provider registry: ``type`` name -> factory. Built-ins register through the same path.

A new provider is one module with a factory decorated by :func:`register_provider`; it gets
the ``[models.NAME]`` entry as a :class:`ProviderSpec`::

    @register_provider("my-vendor")
    def _create(spec: ProviderSpec) -> MyVendorProvider:
        return MyVendorProvider(...)

``spec.egress`` (:class:`~swapsafe.providers.egress.Egress`) holds the proxy and CA bundle to reach
the upstream with; None means the environment's (``HTTPS_PROXY``, ``NO_PROXY``, ...).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from swapsafe.exceptions import ConfigError
from swapsafe.providers.base import Provider
from swapsafe.providers.egress import Egress

BUILTIN_MODULES = (
    "swapsafe.providers.openai",
    "swapsafe.providers.anthropic",
    "swapsafe.providers.scripted",
)


@dataclass(frozen=True)
class ProviderSpec:
    """What a factory builds a provider from: one ``[models.NAME]`` entry, key resolved."""

    name: str
    type: str
    upstream_model: str
    base_url: str | None
    api_key: str | None
    timeout: float
    client: httpx.AsyncClient | None = None
    egress: Egress | None = None


ProviderFactory = Callable[[ProviderSpec], Provider]


_FACTORIES: dict[str, ProviderFactory] = {}
_builtins_loaded = False


def register_provider(type_name: str) -> Callable[[ProviderFactory], ProviderFactory]:
    """Register a factory for ``type = "<type_name>"`` in ``[models.NAME]``."""

    def decorate(factory: ProviderFactory) -> ProviderFactory:
        _FACTORIES[type_name] = factory
        return factory

    return decorate


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        for module in BUILTIN_MODULES:
            importlib.import_module(module)
        _builtins_loaded = True


def known_provider_types() -> list[str]:
    """Sorted names of every registered provider type."""
    _load_builtins()
    return sorted(_FACTORIES)


def create_provider(spec: ProviderSpec) -> Provider:
    """Build the provider for one ``[models.NAME]`` entry. Unknown type -> ConfigError."""
    _load_builtins()
    factory = _FACTORIES.get(spec.type)
    if factory is None:
        known = ", ".join(repr(t) for t in sorted(_FACTORIES))
        raise ConfigError(
            f"model {spec.name!r}: unknown provider type {spec.type!r}; use one of {known}"
        )
    return factory(spec)
