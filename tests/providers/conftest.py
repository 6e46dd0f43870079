"""Fixtures for provider tests: every flavor, in-process (ASGI) and on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from h1_sockets import run, tls_files  # noqa: F401  (fixtures)
from providers_harness import Harness

from swapsafe.testing import FakeUpstream


@pytest.fixture(params=["openai", "anthropic"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["asgi", "loopback-httpx", "loopback-native"])
async def harness(request: pytest.FixtureRequest, flavor: str) -> AsyncIterator[Harness]:
    fake = FakeUpstream(flavor)  # type: ignore[arg-type]
    if request.param == "asgi":
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=fake))
        url = "http://fake.test/v1" if flavor == "openai" else "http://fake.test"
        h = Harness(flavor, "asgi", fake, url, client)
        yield h
        await client.aclose()
    else:
        backend = request.param.split("-")[1]  # native: no injected client, the h1 hot path
        async with fake.serve() as url:
            h = Harness(flavor, "loopback", fake, url, None, backend)
            yield h
            for client in h.clients:
                await client.aclose()
            for provider in h.providers:
                await provider.aclose()
