"""Provider registry: built-ins, defaults, custom types, config errors."""

from __future__ import annotations

import httpx
import pytest

from swapsafe.exceptions import ConfigError
from swapsafe.providers import (
    Provider,
    ProviderSpec,
    create_provider,
    known_provider_types,
    register_provider,
    registry,
)
from swapsafe.providers.anthropic import AnthropicProvider
from swapsafe.providers.openai import OpenAICompatibleProvider, OpenAIProvider
from swapsafe.providers.scripted import ScriptedProvider


def make(type: str, base_url: str | None = None) -> Provider:
    return create_provider(
        ProviderSpec(
            name="m1", type=type, upstream_model="up", base_url=base_url, api_key="k", timeout=3
        )
    )


def test_builtin_types_are_registered() -> None:
    assert {"openai", "openai-compatible", "anthropic", "scripted"} <= set(known_provider_types())


async def test_defaults_and_wires() -> None:
    openai = make("openai")
    anthropic = make("anthropic")
    compatible = make("openai-compatible", "http://localhost:8000/v1/")
    scripted = make("scripted")
    try:
        assert isinstance(openai, OpenAIProvider)
        assert openai.base_url == "https://api.openai.com/v1"
        assert (openai.wire, openai.type, openai.name) == ("openai", "openai", "m1")
        assert isinstance(anthropic, AnthropicProvider)
        assert anthropic.base_url == "https://api.anthropic.com"
        assert anthropic.wire == "anthropic"
        assert isinstance(compatible, OpenAICompatibleProvider)
        assert compatible.base_url == "http://localhost:8000/v1"
        assert compatible.type == "openai-compatible"
        assert isinstance(scripted, ScriptedProvider)
        assert scripted.upstream_model == "up"
        for provider in (openai, anthropic, compatible, scripted):
            assert isinstance(provider, Provider)
    finally:
        for provider in (openai, anthropic, compatible, scripted):
            await provider.aclose()


def test_unknown_type_lists_known_types() -> None:
    with pytest.raises(ConfigError) as info:
        make("gemini")
    message = str(info.value)
    assert "'m1'" in message and "'gemini'" in message
    for known in ("'openai'", "'openai-compatible'", "'anthropic'", "'scripted'"):
        assert known in message


def test_openai_compatible_needs_base_url() -> None:
    with pytest.raises(ConfigError, match="needs base_url"):
        make("openai-compatible")


def test_register_custom_type() -> None:
    @register_provider("test-custom")
    def _factory(spec: ProviderSpec) -> Provider:
        return ScriptedProvider(spec.name, upstream_model=spec.upstream_model)

    try:
        provider = make("test-custom")
        assert isinstance(provider, ScriptedProvider)
        assert "test-custom" in known_provider_types()
    finally:
        registry._FACTORIES.pop("test-custom")


async def test_make_client_is_plain_httpx_that_never_follows_redirects() -> None:
    from swapsafe.providers.http import make_client

    client = make_client(5.0)
    try:
        assert isinstance(client._transport, httpx.AsyncHTTPTransport)
        assert client.follow_redirects is False
    finally:
        await client.aclose()
