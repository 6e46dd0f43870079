"""Serving leaves no reference cycles behind (issue 22, the shadow p99).

An object in a reference cycle is not freed when its request ends; it waits for the garbage
collector, whose pauses stop the event loop. Each exchange referring to itself, each failed
upstream call's error holding the frame that held it, and each upstream connection holding its
parser's callbacks made every request leave such garbage, and a worker shadowing 500 req/s
paused 50-230 ms for full collections every few seconds. These tests run requests through the
gateway's own HTTP protocol and real upstream sockets with the collector saving what it finds
unreachable (``gc.DEBUG_SAVEALL``) and assert that none of it is the gateway's.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Iterator

import openai
import pytest
from tests.gateway.harness import Harness, free_port
from tests.gateway.test_gateway_shadow import set_mode, wait_shadows

from swapsafe.exceptions import ProviderError
from swapsafe.gateway.calls import Call, Exchange
from swapsafe.gateway.http_protocol import ProxyExchange
from swapsafe.providers.h1_conn import H1Connection, H1Response
from swapsafe.providers.registry import ProviderSpec, create_provider
from swapsafe.testing import Fault

GATEWAY_TYPES = (ProxyExchange, Call, Exchange, H1Connection, H1Response, ProviderError)


@pytest.fixture
def harness_transport() -> str:
    return "socket"  # the gateway's own HTTP protocol, where a ProxyExchange lives


@pytest.fixture
def saved_garbage() -> Iterator[list[object]]:
    """What the collector finds unreachable from here on (it is kept, not freed)."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def gateway_garbage(garbage: list[object]) -> Counter[str]:
    gc.collect()
    return Counter(type(o).__name__ for o in garbage if isinstance(o, GATEWAY_TYPES))


async def chat(h: Harness, text: str) -> None:
    await h.oai.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": text}], max_tokens=5
    )


async def test_served_and_shadow_calls_leave_no_cyclic_garbage(
    make_harness: object, saved_garbage: list[object]
) -> None:
    h: Harness = await make_harness(loopback=True)  # type: ignore[operator]
    set_mode(h, "chat", "shadow")
    # the candidate healthy, then answering 500, then cutting the connection before answering
    for fault in (None, Fault(status=500), Fault(reset_before=True)):
        h.fakes["claude"].fault = fault
        for i in range(5):
            await chat(h, f"shadowed {i}")
        await wait_shadows(h)
    h.fakes["gpt"].fault = Fault(status=500)  # the served call fails: the client gets a 500
    with pytest.raises(openai.InternalServerError):
        await chat(h, "served error")
    await wait_shadows(h)
    assert h.fakes["claude"].requests, "the shadow calls were made"
    assert not gateway_garbage(saved_garbage)


async def test_a_refused_connection_leaves_no_cyclic_garbage(
    saved_garbage: list[object],
) -> None:
    provider = create_provider(
        ProviderSpec(
            name="dead",
            type="openai-compatible",
            upstream_model="m",
            base_url=f"http://127.0.0.1:{free_port()}/v1",  # nothing listens there
            api_key=None,
            timeout=2.0,
        )
    )
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    try:
        for _ in range(3):
            with pytest.raises(ProviderError):
                await provider.complete(body, deadline=time.monotonic() + 2, retries=1)
    finally:
        await provider.aclose()
    assert not gateway_garbage(saved_garbage)
