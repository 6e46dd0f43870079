"""Real-socket helpers for the h1 client tests: a loop runner, raw servers, TLS certificates."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import uvloop

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
Run = Callable[[Awaitable[None]], None]
JSON = {"content-type": "application/json"}


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Run:
    """Runs a scenario to completion on a fresh event loop of the parametrized kind."""

    def runner(coro: Awaitable[None]) -> None:
        async def main() -> None:
            await coro

        if request.param == "uvloop":
            uvloop.run(main())
        else:
            asyncio.run(main())

    return runner


@contextlib.asynccontextmanager
async def raw_server(
    handler: Handler, ssl_ctx: ssl.SSLContext | None = None, *, host: str = "127.0.0.1"
) -> AsyncIterator[tuple[str, list[int]]]:
    """Serve ``handler`` on a free port; yields the base URL and a list counting connections."""
    connections: list[int] = []

    async def counted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(counted, "127.0.0.1", 0, ssl=ssl_ctx)
    port = server.sockets[0].getsockname()[1]
    scheme = "https" if ssl_ctx else "http"
    try:
        yield f"{scheme}://{host}:{port}/v1/chat", connections
    finally:
        server.close()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head + await reader.readexactly(length)


def ok(body: bytes = b'{"ok":true}', *, close: bool = False) -> bytes:
    extra = b"connection: close\r\n" if close else b""
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        + extra
        + b"content-length: %d\r\n\r\n" % len(body)
        + body
    )


def make_cert(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``localhost`` and 127.0.0.1 (it is its own CA)."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_cert(tmp_path_factory.mktemp("tls"), "cert")


def server_context(cert: Path, key: Path, sni: list[str | None] | None = None) -> ssl.SSLContext:
    """A server-side TLS context; the SNI name of each handshake is appended to ``sni``."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    if sni is not None:

        def record(_sock: object, name: str | None, _ctx: object) -> None:
            sni.append(name)

        ctx.sni_callback = record  # type: ignore[assignment]
    return ctx
