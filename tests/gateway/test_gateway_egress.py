"""End to end behind a corporate egress proxy: openai SDK -> gateway -> HTTP proxy (CONNECT)
-> a TLS upstream with its own CA. The gateway is built from swapsafe.toml and the process
environment (HTTPS_PROXY, SSL_CERT_FILE), exactly as ``swapsafe gateway`` builds it.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
import openai
import pytest
import uvicorn
from tests.gateway.harness import CLIENT_KEY, ENV, free_port
from tests.providers.h1_sockets import make_cert
from tests.providers.proxy_server import RecordingProxy
from typer.testing import CliRunner

from swapsafe.cli.app import app as cli
from swapsafe.config import load_config
from swapsafe.serve import create_gateway_app
from swapsafe.store import open_store
from swapsafe.store.records import TraceQuery
from swapsafe.testing import FakeUpstream

USER, PASSWORD = "alice", "corp-Pa55:w/rd"
TOKEN = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
LEAKS = (PASSWORD, quote(PASSWORD, safe=""), TOKEN)
PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy")

CONFIG = """
[models.gpt]
provider = "openai"
model = "gpt-4o"
base_url = "https://localhost:{port}/v1"
api_key = "env::UP_OPENAI_KEY"
timeout = "5s"
{ca_line}

[workloads.chat]
baseline = "gpt"

[gateway]
client_keys = ["env::GW_CLIENT_KEY"]
retries = 0
"""


@asynccontextmanager
async def tls_upstream(cert: Path, key: Path) -> AsyncIterator[tuple[FakeUpstream, int]]:
    """The fake OpenAI upstream behind TLS on localhost (uvicorn)."""
    fake, port = FakeUpstream("openai"), free_port()
    config = uvicorn.Config(
        fake,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield fake, port
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def gateway(
    config_path: Path, tmp_path: Path
) -> AsyncIterator[tuple[Any, openai.AsyncOpenAI]]:
    cfg = load_config(config_path, env=ENV)
    store = open_store(f"sqlite:///{tmp_path}/gw.db")
    app = create_gateway_app(
        cfg, store=store, spill_path=tmp_path / "spill.jsonl"
    )  # providers from cfg
    app.state.runtime.start()
    http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app))
    sdk = openai.AsyncOpenAI(
        base_url="http://gw/v1", api_key=CLIENT_KEY, http_client=http, max_retries=0
    )
    try:
        app.state.http = http  # for the tests' own requests (/metrics)
        yield app, sdk
    finally:
        await http.aclose()
        await app.state.runtime.aclose()
        store.close()


@pytest.fixture
def certs(tmp_path: Path) -> tuple[Path, Path]:
    return make_cert(tmp_path, "upstream")


def proxy_env(monkeypatch: pytest.MonkeyPatch, proxy: RecordingProxy, password: str) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    creds = f"{USER}:{quote(password, safe='')}"
    monkeypatch.setenv("HTTPS_PROXY", f"http://{creds}@{proxy.address}")


@pytest.mark.parametrize("trust", ["ca_file", "SSL_CERT_FILE"])
async def test_sdk_through_gateway_and_connect_proxy(
    tmp_path: Path, certs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, trust: str
) -> None:
    cert, key = certs
    async with (
        tls_upstream(cert, key) as (fake, port),
        RecordingProxy(auth=(USER, PASSWORD)).running() as proxy,
    ):
        proxy_env(monkeypatch, proxy, PASSWORD)
        if trust == "SSL_CERT_FILE":
            monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        ca_line = f'ca_file = "{cert}"' if trust == "ca_file" else ""
        path = tmp_path / "swapsafe.toml"
        path.write_text(CONFIG.format(port=port, ca_line=ca_line))
        async with gateway(path, tmp_path) as (app, sdk):
            messages: Any = [{"role": "user", "content": "hi"}]
            answer = await sdk.chat.completions.create(model="chat", messages=messages)
            assert answer.choices[0].message.content == "[gpt-4o] hi"
            chunks = await sdk.chat.completions.create(model="chat", messages=messages, stream=True)
            text = "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])
            assert text == "[gpt-4o] hi"
    assert [r.target for r in proxy.requests] == [f"localhost:{port}"]  # one reused tunnel
    assert proxy.requests[0].headers["proxy-authorization"] == f"Basic {TOKEN}"
    assert len(fake.requests) == 2
    assert all("proxy-authorization" not in r.headers for r in fake.requests)


async def test_a_refused_proxy_login_is_a_clear_error_that_never_shows_the_password(
    tmp_path: Path,
    certs: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    cert, key = certs
    wrong = "wr0ng-Pa55"
    async with (
        tls_upstream(cert, key) as (fake, port),
        RecordingProxy(auth=(USER, PASSWORD)).running() as proxy,
    ):
        proxy_env(monkeypatch, proxy, wrong)
        proxy_url = f"http://{USER}:{PASSWORD}@{proxy.address}"
        path = tmp_path / "swapsafe.toml"
        path.write_text(CONFIG.format(port=port, ca_line=f'ca_file = "{cert}"'))
        async with gateway(path, tmp_path) as (app, sdk):
            with pytest.raises(openai.APIStatusError) as caught:
                await sdk.chat.completions.create(
                    model="chat", messages=[{"role": "user", "content": "hi"}]
                )
            assert app.state.runtime.recorder.flush(10)
            traces = app.state.runtime.store.query_traces(TraceQuery())
            metrics = await app.state.http.get("http://gw/metrics")
        shown = CliRunner().invoke(
            cli, ["config", "show", "-c", str(path)], env={**ENV, "HTTPS_PROXY": proxy_url}
        )
    err = caught.value
    assert err.status_code == 502
    assert "407" in err.message and f"proxy http://{proxy.address}" in err.message
    assert len(proxy.requests) == 1 and fake.requests == []
    assert [t.error_class for t in traces] == ["connection"]
    wrong_token = base64.b64encode(f"{USER}:{wrong}".encode()).decode()
    assert metrics.status_code == 200 and shown.exit_code == 0, shown.output
    seen = caplog.text + repr(err.body) + err.response.text + repr(traces)
    seen += metrics.text + shown.output
    for secret in (*LEAKS, wrong, wrong_token):
        assert secret not in seen
