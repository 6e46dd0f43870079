"""Upstream providers behind one seam: :class:`Provider` (complete, stream, aclose).

Build one with :func:`create_provider` from a ``[models.NAME]`` entry; add a type with
:func:`register_provider`. Built-in types: ``openai``, ``openai-compatible``, ``anthropic``,
``scripted``. How upstream calls leave the machine (HTTP proxy, ``NO_PROXY``, CA bundle) is an
:class:`Egress`, read from the environment by default.
"""

from swapsafe.providers.base import Provider, SSEEvent, UpstreamResponse, Wire
from swapsafe.providers.egress import Egress
from swapsafe.providers.registry import (
    ProviderSpec,
    create_provider,
    known_provider_types,
    register_provider,
)
from swapsafe.providers.retry import RetryPolicy

__all__ = [
    "Egress",
    "Provider",
    "ProviderSpec",
    "RetryPolicy",
    "SSEEvent",
    "UpstreamResponse",
    "Wire",
    "create_provider",
    "known_provider_types",
    "register_provider",
]
