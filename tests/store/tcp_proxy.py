"""A TCP proxy on 127.0.0.1 in front of PostgreSQL that can go silent or cut connections.

``silent()``: connections stay open and accepted, but nothing is forwarded either way (a
server that hangs, a network that blackholes); new connections are accepted and ignored too.
``cut()``: every open connection is closed. ``forward()``: back to normal for new and open
connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

from sqlalchemy import make_url


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode = "forward"
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="tcp-proxy", daemon=True)

    def url_for(self, url: str) -> str:
        """``url`` with its host and port replaced by this proxy's."""
        return (
            make_url(url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    def silent(self) -> None:
        self.mode = "silent"

    def forward(self) -> None:
        self.mode = "forward"

    def cut(self) -> None:
        def close_all() -> None:
            for w in list(self._writers):
                w.close()

        self._loop.call_soon_threadsafe(close_all)

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _main(self) -> None:
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            for w in list(self._writers):
                w.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            if self.mode == "silent":
                await self._drain_forever(reader)
                return
            up_reader, up_writer = await asyncio.open_connection(*self.target)
            self._writers.add(up_writer)
            try:
                await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))
            finally:
                up_writer.close()
                self._writers.discard(up_writer)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self._writers.discard(writer)
            self._tasks.discard(task)

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await src.read(65536):
                if self.mode == "silent":
                    continue  # swallowed: the other side waits forever
                dst.write(data)
                await dst.drain()
        dst.close()

    @staticmethod
    async def _drain_forever(reader: asyncio.StreamReader) -> None:
        while await reader.read(65536):
            pass


@contextlib.contextmanager
def proxy_for(url: str) -> Iterator[tuple[TcpProxy, str]]:
    """A proxy in front of the PostgreSQL server of ``url``, and ``url`` through it."""
    u = make_url(url)
    with TcpProxy(u.host or "127.0.0.1", u.port or 5432) as proxy:
        yield proxy, proxy.url_for(url)
