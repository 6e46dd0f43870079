"""Hostile input: huge, deeply nested and malformed bodies get 4xx, never 500; the upstream URL
cannot be steered by any request field, header or path."""

from __future__ import annotations

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.gateway.harness import CLIENT_KEY, ENV, Harness, write_config

from swapsafe.config import load_config
from swapsafe.providers.build import build_providers
from swapsafe.serve import create_gateway_app
from swapsafe.store import open_store
from swapsafe.testing import FakeUpstream

AUTH = {"authorization": f"Bearer {CLIENT_KEY}"}


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nesting far past any parser's limit
        b'{"model": "chat", "messages": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b"\xff\xfe\x00garbage",
        b"",
        b"null",
        b'{"model": "chat", "messages": "not a list"}',
        b'{"model": "chat", "messages": [{"role": "user", "content": 5}]}',
        b'{"model": 12}',
    ],
    ids=[
        "deep",
        "deep-messages",
        "binary",
        "empty",
        "null",
        "messages-str",
        "content-int",
        "model-int",
    ],
)
async def test_malformed_bodies_are_4xx(harness: Harness, body: bytes) -> None:
    for path in ("/v1/chat/completions", "/v1/messages"):
        r = await harness.http.post(path, headers=AUTH, content=body)
        # Same-vendor requests are forwarded untouched (the real upstream answers 400 for a bad
        # shape; the fake is lenient), so the rule is: never a 5xx from the gateway itself.
        assert r.status_code < 500, (path, r.status_code, r.text[:200])
        assert r.json()
        if not body.startswith(b"{") or b"[[[" in body:
            assert r.status_code == 400


async def test_cross_vendor_garbage_fields_are_4xx(harness: Harness) -> None:
    bodies = [
        {"model": "xchat", "messages": [{"role": "user", "content": [{"type": "video"}]}]},
        {"model": "xchat", "messages": [{"role": "wizard", "content": "x"}]},
        {"model": "xchat", "messages": [{"role": "user", "content": "x"}], "tools": "all"},
        {"model": "xchat", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"},
    ]
    for body in bodies:
        r = await harness.http.post("/v1/chat/completions", headers=AUTH, json=body)
        assert 400 <= r.status_code < 500, (body, r.text)
    r = await harness.http.post(
        "/v1/messages", headers=AUTH, json={"model": "chat", "max_tokens": "lots", "messages": 1}
    )
    assert 400 <= r.status_code < 500


async def test_huge_body_refused_without_reading_it_all(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = await make_harness(max_body=10_000)

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(1000):
            yield b"x" * 1000

    r = await h.http.post("/v1/chat/completions", headers=AUTH, content=chunks())
    assert r.status_code == 413


class RecordingTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: FakeUpstream) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.urls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return await self.inner.handle_async_request(request)


STEERING_HEADERS = st.dictionaries(
    st.sampled_from(
        [
            "host",
            "x-forwarded-host",
            "x-forwarded-proto",
            "forwarded",
            "x-original-url",
            "x-rewrite-url",
            "x-swapsafe-upstream",
            "base-url",
            "x-swapsafe-workload",
        ]
    ),
    st.sampled_from(["evil.example", "http://169.254.169.254/latest", "127.0.0.1:1", "chat"]),
    max_size=4,
)
STEERING_FIELDS = st.dictionaries(
    st.sampled_from(
        ["base_url", "api_base", "url", "endpoint", "host", "provider", "extra_headers"]
    ),
    st.sampled_from(["http://169.254.169.254/", "https://evil.example/v1", "file:///etc/passwd"]),
    max_size=3,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    headers=STEERING_HEADERS,
    fields=STEERING_FIELDS,
    path=st.sampled_from(["/v1/chat/completions", "/chat/completions", "/v1/messages"]),
    model=st.sampled_from(["chat", "xchat", "http://evil.example/v1", "../../admin"]),
)
def test_no_request_can_steer_the_upstream_url(
    tmp_path_factory, headers, fields, path, model
) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    tmp = tmp_path_factory.mktemp("ssrf")
    cfg = load_config(write_config(tmp), env=ENV)
    transports = {
        "gpt": RecordingTransport(FakeUpstream("openai")),
        "claude": RecordingTransport(FakeUpstream("anthropic")),
    }
    providers = build_providers(
        cfg, client=lambda name: httpx.AsyncClient(transport=transports[name])
    )
    store = open_store(f"sqlite:///{tmp}/s.db")
    app = create_gateway_app(cfg, store=store, providers=providers, spill_path=tmp / "spill.jsonl")

    async def go() -> None:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gw"
        ) as c:
            body = {
                "model": model,
                "max_tokens": 5,
                **fields,
                "messages": [{"role": "user", "content": "hi"}],
            }
            await c.post(path, headers={**AUTH, **headers}, content=orjson.dumps(body))
        await app.state.runtime.aclose()

    asyncio.run(go())
    store.close()
    allowed = {
        "http://openai.upstream/v1/chat/completions",
        "http://anthropic.upstream/v1/messages",
    }
    for t in transports.values():
        assert set(t.urls) <= allowed, t.urls
