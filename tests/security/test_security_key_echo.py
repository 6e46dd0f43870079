"""An upstream that echoes the key it received in an error, JSON-escaped (``\\/``, ``\\u002d``,
every character as a ``\\u`` escape), before or inside a stream: neither the upstream key nor (with
``pass_through``) the client's own key, nor any 9-character piece of them, reaches the client
(through the official SDKs), a trace row or a log line."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anthropic
import httpx
import httpx2
import openai
import orjson
import pytest

from swapsafe.config import load_config
from swapsafe.providers.build import build_providers
from swapsafe.providers.masking import MIN_FRAGMENT
from swapsafe.serve import create_gateway_app
from swapsafe.store import open_store
from swapsafe.store.records import TraceQuery

UPSTREAM_KEY = "sk-proj/Up-Stream+CANARY/0123456789"
CLIENT_KEY = "sk-client/Pass-Through-CANARY-98765"
GATEWAY_KEY = "gw-client-key-for-this-test-000"

ENCODINGS: dict[str, Callable[[str], str]] = {
    "slash": lambda k: k.replace("/", "\\/"),
    "u002d": lambda k: k.replace("-", "\\u002d").replace("/", "\\/"),
    "all-u": lambda k: "".join(f"\\u{ord(c):04x}" for c in k),
}
#: how the upstream fails: an HTTP error status, or an error event first / after some content
FAILURES = ("status", "stream-first", "stream-mid")


def _key_of(scope: dict[str, Any]) -> str:
    headers = dict(scope["headers"])
    auth = (headers.get(b"x-api-key") or headers.get(b"authorization") or b"").decode()
    return auth.removeprefix("Bearer ")


def echo_upstream(wire: str, encoding: str, failure: str) -> Any:
    """An upstream of ``wire`` that puts the received key, encoded, into its error."""

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        enc = ENCODINGS[encoding](_key_of(scope))
        stream = orjson.loads(body).get("stream") is True
        error = (
            '{"type": "error", "error": {"type": "invalid_request_error", '
            f'"message": "bad key {enc}", "{enc}": ["{enc}"]}}}}'
            if wire == "anthropic"
            else '{"error": {"message": "bad key ' + enc + '", "type": "invalid_request_error",'
            f' "param": "{enc}", "code": "invalid_api_key"}}}}'
        )
        if failure == "status" or not stream:
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 401, "headers": headers})
            await send({"type": "http.response.body", "body": error.encode()})
            return
        if wire == "anthropic":
            start = (
                'event: message_start\ndata: {"type": "message_start", "message": {"id": "m",'
                ' "type": "message", "role": "assistant", "model": "c", "content": [],'
                ' "usage": {"input_tokens": 1, "output_tokens": 0}}}\n\n'
            )
            events = [start, f"event: error\ndata: {error}\n\n"]
        else:
            chunk = (
                'data: {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "g",'
                ' "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}}]}\n\n'
            )
            events = [chunk, f"data: {error}\n\n"]
        if failure == "stream-first":
            events = events[1:]
        headers = [(b"content-type", b"text/event-stream")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": "".join(events).encode()})

    return app


CONFIG = """
[store]
bodies = "full"

[models.gpt]
provider = "openai"
model = "gpt-4o"
base_url = "http://openai.upstream/v1"
{key}

[models.claude]
provider = "anthropic"
model = "claude-sonnet-4-5"
base_url = "http://anthropic.upstream"
{key}

[workloads.chat]
aliases = ["chat"]
baseline = "gpt"

[workloads.xchat]
aliases = ["xchat"]
baseline = "claude"

[gateway]
{auth}
retries = 0
"""


@dataclasses.dataclass
class Setup:
    app: Any
    store: Any
    oai: openai.AsyncOpenAI
    ant: anthropic.AsyncAnthropic


async def _setup(
    tmp_path: Path, *, pass_through: bool, encoding: str, failure: str
) -> AsyncIterator[Setup]:
    text = CONFIG.format(
        key="" if pass_through else 'api_key = "env::UP_KEY"',
        auth="pass_through = true" if pass_through else 'client_keys = ["env::GW_KEY"]',
    )
    path = tmp_path / "swapsafe.toml"
    path.write_text(textwrap.dedent(text))
    cfg = load_config(path, env={"UP_KEY": UPSTREAM_KEY, "GW_KEY": GATEWAY_KEY})

    def client(name: str) -> httpx.AsyncClient:
        upstream = echo_upstream(cfg.models[name].provider, encoding, failure)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=upstream))

    providers = build_providers(cfg, client=client)
    store = open_store(f"sqlite:///{tmp_path}/gw.db")
    app = create_gateway_app(
        cfg, store=store, providers=providers, spill_path=tmp_path / "spill.jsonl"
    )
    app.state.runtime.start()
    key = CLIENT_KEY if pass_through else GATEWAY_KEY
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app)) as sdk_http:
        yield Setup(
            app=app,
            store=store,
            oai=openai.AsyncOpenAI(
                base_url="http://gw/v1", api_key=key, http_client=sdk_http, max_retries=0
            ),
            ant=anthropic.AsyncAnthropic(
                base_url="http://gw", api_key=key, http_client=sdk_http, max_retries=0
            ),
        )
    await app.state.runtime.aclose()
    store.close()


async def _call(s: Setup, inbound: str, model: str, stream: bool) -> str:
    """Everything the application sees: chunks, the error, its body and the raw response."""
    seen: list[str] = []
    messages: Any = [{"role": "user", "content": "hi"}]
    try:
        if inbound == "openai":
            if stream:
                async for chunk in await s.oai.chat.completions.create(
                    model=model, messages=messages, stream=True
                ):
                    seen.append(chunk.model_dump_json())
            else:
                seen.append(
                    (
                        await s.oai.chat.completions.create(model=model, messages=messages)
                    ).model_dump_json()
                )
        elif stream:
            async for event in await s.ant.messages.create(
                model=model, max_tokens=5, messages=messages, stream=True
            ):
                seen.append(event.model_dump_json())
        else:
            seen.append(
                (
                    await s.ant.messages.create(model=model, max_tokens=5, messages=messages)
                ).model_dump_json()
            )
    except (openai.APIError, anthropic.APIError) as exc:
        seen += [type(exc).__name__, str(exc), repr(getattr(exc, "body", None))]
        response = getattr(exc, "response", None)
        if response is not None:
            seen.append(str(dict(response.headers)))
            if not response.is_stream_consumed:  # a stream's events are in ``seen`` already
                seen.append((await response.aread()).decode())
    return "\n".join(seen)


def _leaks(text: str, secret: str) -> list[str]:
    """The pieces of ``secret`` (MIN_FRAGMENT characters or more) found in ``text``."""
    return [
        secret[i : i + MIN_FRAGMENT]
        for i in range(len(secret) - MIN_FRAGMENT + 1)
        if secret[i : i + MIN_FRAGMENT] in text
    ]


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("pass_through", [False, True], ids=["upstream-key", "client-key"])
async def test_echoed_key_never_reaches_the_client(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    pass_through: bool,
    encoding: str,
    failure: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = CLIENT_KEY if pass_through else UPSTREAM_KEY
    # pass-through sends the client's key only to a model of its own vendor
    routes = [("openai", "chat"), ("anthropic", "xchat")]
    if not pass_through:
        routes += [("openai", "xchat"), ("anthropic", "chat")]
    seen: dict[str, str] = {}
    async for s in _setup(tmp_path, pass_through=pass_through, encoding=encoding, failure=failure):
        for inbound, model in routes:
            for stream in (False, True):
                seen[f"{inbound}->{model} stream={stream}"] = await _call(s, inbound, model, stream)
        rows = []
        for _ in range(200):  # the writer may hold a batch it took off the queue
            assert s.app.state.runtime.recorder.flush(10)
            rows = s.store.query_traces(TraceQuery(limit=1000))
            if len(rows) == len(seen):
                break
            await asyncio.sleep(0.05)
        assert len(rows) == len(seen)
        seen["trace rows"] = "\n".join(str(dataclasses.asdict(r)) for r in rows)
    seen["logs"] = "\n".join(r.getMessage() for r in caplog.records)
    # the upstream did echo it: each client saw the error, with the key masked
    for what, text in seen.items():
        assert not _leaks(text, secret), (what, _leaks(text, secret), text[:2000])
    assert sum("***" in text for text in seen.values()) >= len(routes)
