"""The real gateway (``create_gateway_app`` on uvicorn) served from a thread of this process.

The gateway gets its own event loop in a daemon thread, so the demo's clients (the OpenAI SDK,
the eval runner, the rehearsal) reach it over real loopback HTTP exactly as an application would.
The listening socket is bound before uvicorn starts (port 0: a free one, no race).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from typing import Any

import uvicorn

from swapsafe.config import Config
from swapsafe.exceptions import SwapsafeError
from swapsafe.gateway.app import GatewayRuntime
from swapsafe.gateway.http_protocol import GatewayHttpProtocol
from swapsafe.serve import create_gateway_app


class AppThread:
    """Serve an ASGI app on uvicorn in a daemon thread (its own event loop) at ``url``."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port = int(self._sock.getsockname()[1])
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=10,
            http=GatewayHttpProtocol,  # as `swapsafe gateway` serves it
            proxy_headers=False,  # trust no X-Forwarded-* (uvicorn's default trusts 127.0.0.1)
        )
        server = uvicorn.Server(config)
        self._server = server

        def run() -> None:
            try:
                asyncio.run(server.serve(sockets=[self._sock]))
            except BaseException as exc:  # reported to the starting thread
                self._error = exc

        self._thread = threading.Thread(target=run, name="swapsafe-demo-gateway", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if self._error is not None or not self._thread.is_alive():
                raise SwapsafeError(f"the server did not start: {self._error!r}")
            if time.monotonic() > deadline:
                raise SwapsafeError(f"the server did not start within {timeout:.0f}s")
            time.sleep(0.05)

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is not None and thread is not None and thread.is_alive():
            server.should_exit = True
            thread.join(timeout=20)
        with contextlib.suppress(OSError):
            self._sock.close()
        self._server = self._thread = None

    def __enter__(self) -> AppThread:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class GatewayThread(AppThread):
    """The gateway of ``config`` served from a thread; ``with`` stops it."""

    def __init__(self, config: Config, *, host: str = "127.0.0.1", port: int = 0) -> None:
        app = create_gateway_app(config)
        super().__init__(app, host=host, port=port)
        self.config = config
        self.runtime: GatewayRuntime = app.state.runtime

    def settle(self, timeout: float = 120.0) -> bool:
        """Wait until no shadow call is running and every trace row is written."""
        deadline = time.monotonic() + timeout
        shadow = self.runtime.gateway.shadow
        while shadow.in_flight > 0:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return self.runtime.recorder.flush(max(1.0, deadline - time.monotonic()))

    def reload_routing(self) -> None:
        """Pick up a routing change at once (the cache would poll it within a second anyway)."""
        self.runtime.routing.reload()
