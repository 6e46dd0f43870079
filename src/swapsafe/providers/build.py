"""Providers built from config: one :class:`Provider` (one pooled HTTP client) per model.

Nobody else builds providers from config: the gateway, the eval and red-team runners, the
retention health check and the demo all call :func:`build_providers`.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from swapsafe.config import Config
from swapsafe.providers.base import Provider
from swapsafe.providers.egress import Egress
from swapsafe.providers.openai import responses_twin
from swapsafe.providers.registry import ProviderSpec, create_provider


def build_providers(
    config: Config, *, client: Callable[[str], httpx.AsyncClient] | None = None
) -> dict[str, Provider]:
    """One provider per model; an ``api = "responses"`` model's speaks the Responses API.
    ``client(model name)``, given, is the HTTP client each provider uses (tests pass one whose
    transport is a fake upstream)."""
    egress = Egress.from_env()  # HTTPS_PROXY, NO_PROXY, SSL_CERT_FILE: read once for all
    out: dict[str, Provider] = {}
    for name, m in config.models.items():
        spec = ProviderSpec(
            name=name,
            type=m.provider,
            upstream_model=m.model,
            base_url=m.base_url,
            api_key=m.api_key.reveal() if m.api_key is not None else None,
            timeout=m.timeout,
            egress=egress.for_model(m.ca_file),
            client=client(name) if client is not None else None,
        )
        provider = create_provider(spec)
        twin = responses_twin(provider) if m.api == "responses" else None
        out[name] = twin or provider
    return out
