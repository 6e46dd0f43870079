"""The gateway on a real uvicorn socket: client disconnect mid-stream, redacted bodies."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest
from tests.gateway.harness import CLIENT_KEY, serve

from swapsafe.gateway.http_protocol import GatewayHttpProtocol
from swapsafe.testing import Fault


@pytest.mark.parametrize("protocol", [GatewayHttpProtocol, "httptools"], ids=["gateway", "asgi"])
async def test_client_disconnect_mid_stream_records_one_row_and_cancels_upstream(
    make_harness,  # type: ignore[no-untyped-def]
    protocol: object,
) -> None:
    h = await make_harness(loopback=True)
    h.fakes["claude"].fault = Fault(drip=0.2)
    async with serve(h.app, protocol) as url, httpx.AsyncClient(base_url=url) as client:
        async with client.stream(
            "POST",
            "/v1/chat/completions",
            headers={"authorization": f"Bearer {CLIENT_KEY}"},
            json={
                "model": "xchat",
                "stream": True,
                "messages": [{"role": "user", "content": "a long story please " * 5}],
            },
        ) as resp:
            assert resp.status_code == 200
            request_id = resp.headers["x-request-id"]
            async for line in resp.aiter_lines():
                if line.startswith("data: ") and '"content"' in line:
                    break  # got some text: hang up
        # the gateway notices, cancels the upstream call and records the row
        for _ in range(100):
            if h.app.state.runtime.recorder.flush(1) and h.traces(request_id=request_id):
                break
            await asyncio.sleep(0.05)
    rows = h.traces(request_id=request_id)
    assert len(rows) == 1
    row = rows[0]
    assert row.status == "client_disconnect" and row.stream
    assert row.input_tokens  # usage known so far (from message_start)
    assert h.app.state.runtime.gateway.shadow.in_flight == 0


async def test_redacted_bodies(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = await make_harness(bodies="redacted")
    secret_text = (
        "mail jane.doe@example.com, call +1 415-555-0134, card 4111 1111 1111 1111, "
        "key sk-live-abcdefghijklmnopqrstuv"
    )
    completion = await h.oai.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": secret_text}]
    )
    row = h.trace(completion.id)
    stored = (row.request_body or "") + (row.response_body or "")
    for leaked in ("jane.doe@example.com", "415-555-0134", "4111 1111 1111 1111", "sk-live-abc"):
        assert leaked not in stored
    for mark in ("[EMAIL]", "[PHONE]", "[CARD]", "[SECRET]"):
        assert mark in stored
    assert orjson.loads(row.request_body or "")["model"] == "chat"  # still valid JSON


async def test_bodies_none_stores_no_bodies(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = await make_harness(bodies="none")
    completion = await h.oai.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "private"}]
    )
    row = h.trace(completion.id)
    assert row.request_body is None and row.response_body is None and row.output_tokens
