"""Gateway harness: the real app, real SDK clients, fake upstreams, a real SQLite store."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import textwrap
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import httpx
import httpx2
import openai
import pytest
import uvicorn

from swapsafe.config import Config, ModelConfig, load_config
from swapsafe.gateway.http_protocol import GatewayHttpProtocol
from swapsafe.gateway.tracing import TraceWriter
from swapsafe.providers.registry import ProviderSpec, create_provider
from swapsafe.serve import create_gateway_app
from swapsafe.store import open_store
from swapsafe.store.protocol import Store
from swapsafe.store.records import TraceQuery, TraceRecord
from swapsafe.testing import FakeUpstream

CLIENT_KEY = "client-key-0123456789"
ADMIN_TOKEN = "admin-token-0123456789abcdef"
UPSTREAM_OPENAI_KEY = "sk-upstream-openai-CANARY-1111"
UPSTREAM_ANTHROPIC_KEY = "sk-ant-upstream-CANARY-2222"

ENV = {
    "UP_OPENAI_KEY": UPSTREAM_OPENAI_KEY,
    "UP_ANTHROPIC_KEY": UPSTREAM_ANTHROPIC_KEY,
    "GW_CLIENT_KEY": CLIENT_KEY,
    "GW_ADMIN_TOKEN": ADMIN_TOKEN,
}

BASE_CONFIG = """
[store]
bodies = "{bodies}"

[models.gpt]
provider = "openai"
model = "gpt-4o"
base_url = "http://openai.upstream/v1"
api_key = "env::UP_OPENAI_KEY"
timeout = "5s"

[models.claude]
provider = "anthropic"
model = "claude-sonnet-4-5"
base_url = "http://anthropic.upstream"
api_key = "env::UP_ANTHROPIC_KEY"
timeout = "5s"

[workloads.chat]
aliases = ["chat"]
baseline = "gpt"
candidate = "claude"

[workloads.xchat]
aliases = ["xchat"]
baseline = "claude"
candidate = "gpt"

[gateway]
client_keys = ["env::GW_CLIENT_KEY"]
admin_token = "env::GW_ADMIN_TOKEN"
deadline = "{deadline}"
retries = 2
max_body_bytes = {max_body}

[shadow]
timeout = "2s"
max_concurrency = 8
"""


@dataclass
class Harness:
    base: str  # the gateway's base URL (no /v1)
    config: Config
    store: Store
    app: Any
    fakes: dict[str, FakeUpstream]
    oai: openai.AsyncOpenAI
    ant: anthropic.AsyncAnthropic
    http: httpx.AsyncClient
    sdk_http: httpx2.AsyncClient

    def traces(self, **kw: Any) -> list[TraceRecord]:
        assert self.app.state.runtime.gateway.traces.redaction.flush(10)
        assert self.app.state.runtime.recorder.flush(10)
        return self.store.query_traces(TraceQuery(**kw))

    def trace(self, request_id: str) -> TraceRecord:
        rows = self.traces(request_id=request_id)
        assert len(rows) == 1, rows
        return rows[0]


async def wait_traced(writer: TraceWriter, request_id: str, timeout: float = 10.0) -> None:
    """Until the gateway has recorded the trace row of ``request_id`` (or ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while writer.untraced and request_id in writer.untraced and loop.time() < deadline:
        await asyncio.sleep(0.001)


def settling_transport(lib: Any, writer: TraceWriter) -> Any:
    """An httpx (or httpx2) transport whose responses, when closed, wait until the gateway
    has recorded their trace row: over a socket a stream's row is recorded after its last
    bytes are sent, so a client that stops reading at the last event could look too early."""

    class Stream(lib.AsyncByteStream):  # type: ignore[misc]
        def __init__(self, inner: Any, request_id: str) -> None:
            self.inner, self.request_id = inner, request_id

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for chunk in self.inner:
                yield chunk

        async def aclose(self) -> None:
            await self.inner.aclose()
            await wait_traced(writer, self.request_id)

    class Transport(lib.AsyncBaseTransport):  # type: ignore[misc]
        def __init__(self) -> None:
            self.inner = lib.AsyncHTTPTransport()

        async def handle_async_request(self, request: Any) -> Any:
            response = await self.inner.handle_async_request(request)
            request_id = response.headers.get("x-request-id")
            if request_id:
                response.stream = Stream(response.stream, request_id)
            return response

        async def aclose(self) -> None:
            await self.inner.aclose()

    return Transport()


def fake_for(fake: type[FakeUpstream], model: ModelConfig) -> FakeUpstream:
    """The fake upstream of one configured model: Anthropic, OpenAI (both APIs), an
    OpenAI-compatible server (chat only) or a Responses-only model."""
    if model.provider == "anthropic":
        return fake("anthropic")
    apis = {"both": ("chat", "responses"), "chat": ("chat",), "responses": ("responses",)}
    return fake("openai", apis=apis[model.api or "both"])


def write_config(tmp_path: Path, extra: str = "", **fmt: Any) -> Path:
    params = {"bodies": "full", "deadline": "10s", "max_body": 1_000_000} | fmt
    path = tmp_path / "swapsafe.toml"
    path.write_text(textwrap.dedent(BASE_CONFIG.format(**params)) + extra)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def serve(app: Any, http: Any = GatewayHttpProtocol) -> AsyncIterator[str]:
    """Serve ``app`` on a loopback uvicorn server (the gateway's own protocol by default)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", http=http
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def harness_transport() -> str:
    """How clients reach the gateway: ``asgi`` (in process) or ``socket`` (a real server with
    the gateway's HTTP protocol). Test folders override this to run both."""
    return "asgi"


@pytest.fixture
async def make_harness(tmp_path: Path, harness_transport: str) -> AsyncIterator[Callable[..., Any]]:
    opened: list[Harness] = []
    stack = contextlib.AsyncExitStack()

    async def make(
        extra: str = "",
        *,
        loopback: bool = False,
        fake: type[FakeUpstream] = FakeUpstream,
        **fmt: Any,
    ) -> Harness:
        """``loopback=True`` serves the fake upstreams on real sockets (true streaming, resets);
        ``fake`` is the fake upstream class."""
        cfg = load_config(write_config(tmp_path, extra, **fmt), env=ENV)
        fakes = {name: fake_for(fake, m) for name, m in cfg.models.items()}
        providers = {}
        for name, m in cfg.models.items():
            if loopback:
                base_url = await stack.enter_async_context(fakes[name].serve())
                client = None
            else:
                base_url = m.base_url
                client = httpx.AsyncClient(transport=httpx.ASGITransport(app=fakes[name]))
            providers[name] = create_provider(
                ProviderSpec(
                    name=name,
                    type=m.provider,
                    upstream_model=m.model,
                    base_url=base_url,
                    api_key=m.api_key.reveal() if m.api_key else None,
                    timeout=m.timeout,
                    client=client,
                )
            )
        store = open_store(f"sqlite:///{tmp_path}/gw.db")
        app = create_gateway_app(
            cfg, store=store, providers=providers, spill_path=tmp_path / "spill.jsonl"
        )
        app.state.runtime.start()
        writer = app.state.runtime.gateway.traces
        writer.untraced = set()
        if harness_transport == "socket":
            base = await stack.enter_async_context(serve(app))
            http = httpx.AsyncClient(base_url=base, transport=settling_transport(httpx, writer))
            sdk_http = httpx2.AsyncClient(transport=settling_transport(httpx2, writer))
        else:
            base = "http://gw"
            http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)
            sdk_http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app))
        h = Harness(
            base=base,
            config=cfg,
            store=store,
            app=app,
            fakes=fakes,
            oai=openai.AsyncOpenAI(
                base_url=f"{base}/v1", api_key=CLIENT_KEY, http_client=sdk_http, max_retries=0
            ),
            ant=anthropic.AsyncAnthropic(
                base_url=base, api_key=CLIENT_KEY, http_client=sdk_http, max_retries=0
            ),
            http=http,
            sdk_http=sdk_http,
        )
        opened.append(h)
        return h

    yield make
    for h in opened:
        await h.http.aclose()
        await h.sdk_http.aclose()
    await stack.aclose()  # servers stop before the runtime closes
    for h in opened:
        await h.app.state.runtime.aclose()
        h.store.close()


@pytest.fixture
async def harness(make_harness: Callable[..., Any]) -> Harness:
    return await make_harness()
