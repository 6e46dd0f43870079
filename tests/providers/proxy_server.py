"""A real HTTP proxy on 127.0.0.1 for the egress tests: CONNECT tunnels and absolute-form
forwarding, like squid or a corporate egress proxy, recording every request head it sees.

``auth=("user", "password")`` demands ``Proxy-Authorization: Basic`` (407 otherwise, with a
body that echoes what the client sent, so a client that leaks the reply into its error would
be caught); ``refuse=403`` answers every request with that status; ``mode="hangup"`` closes
the connection without answering, ``mode="silent"`` never answers.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class SeenRequest:
    method: str
    target: str
    headers: dict[str, str]  # lower-case names


@dataclass
class RecordingProxy:
    auth: tuple[str, str] | None = None
    refuse: int | None = None
    mode: str = "normal"
    requests: list[SeenRequest] = field(default_factory=list)
    connections: int = 0
    port: int = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def connects(self) -> list[SeenRequest]:
        return [r for r in self.requests if r.method == "CONNECT"]

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[RecordingProxy]:
        tasks: set[asyncio.Task[None]] = set()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)
            self.connections += 1
            try:
                await self._serve(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                pass
            finally:
                writer.close()
                tasks.discard(task)

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            server.close()
            for task in list(tasks):
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _read_head(self, reader: asyncio.StreamReader) -> SeenRequest | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        seen = SeenRequest(method, target, headers)
        self.requests.append(seen)
        return seen

    def _refusal(self, seen: SeenRequest) -> bytes | None:
        sent = seen.headers.get("proxy-authorization", "")
        body = f"denied: you sent {sent!r}".encode()  # an error page that echoes the request
        if self.refuse is not None:
            return b"HTTP/1.1 %d Forbidden\r\ncontent-length: %d\r\n\r\n%s" % (
                self.refuse,
                len(body),
                body,
            )
        if self.auth is None:
            return None
        token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
        if sent == f"Basic {token}":
            return None
        return (
            b"HTTP/1.1 407 Proxy Authentication Required\r\n"
            b'proxy-authenticate: Basic realm="corp"\r\n'
            b"content-length: %d\r\n\r\n%s" % (len(body), body)
        )

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "silent":
            await reader.read()  # until the client gives up
            return
        seen = await self._read_head(reader)
        if seen is None or self.mode == "hangup":
            return
        refusal = self._refusal(seen)
        if refusal is not None:
            writer.write(refusal)
            await writer.drain()
            return
        if seen.method == "CONNECT":
            host, _, port = seen.target.rpartition(":")
            up_reader, up_writer = await asyncio.open_connection(host.strip("[]"), int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await _pipe_both(reader, writer, up_reader, up_writer)
        else:
            await self._forward(seen, reader, writer)

    async def _forward(
        self, first: SeenRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Absolute-form requests: each is rewritten to origin-form (without the proxy's own
        headers) and sent on one connection to the origin; responses are piped back."""
        url = urlsplit(first.target)
        up_reader, up_writer = await asyncio.open_connection(url.hostname, url.port or 80)
        back = asyncio.create_task(_pipe(up_reader, writer))
        seen: SeenRequest | None = first
        try:
            while seen is not None:
                target = urlsplit(seen.target)
                path = (target.path or "/") + (f"?{target.query}" if target.query else "")
                lines = [f"{seen.method} {path} HTTP/1.1"]
                lines += [
                    f"{k}: {v}" for k, v in seen.headers.items() if not k.startswith("proxy-")
                ]
                length = int(seen.headers.get("content-length", "0"))
                body = await reader.readexactly(length)
                up_writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
                await up_writer.drain()
                seen = await self._read_head(reader)
                if seen is not None and self._refusal(seen) is not None:
                    break
        finally:
            up_writer.close()
            back.cancel()
            await asyncio.gather(back, return_exceptions=True)


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while data := await src.read(65536):
            dst.write(data)
            await dst.drain()
    finally:
        with contextlib.suppress(Exception):
            dst.close()


async def _pipe_both(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
) -> None:
    tasks = [
        asyncio.create_task(_pipe(reader, up_writer)),
        asyncio.create_task(_pipe(up_reader, writer)),
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
