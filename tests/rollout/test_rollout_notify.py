"""Notifications: webhook POST received by a local HTTP server, command with JSON on stdin."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.rollout.rollout_helpers import gate_check, make_config, traces

from swapsafe.rollout.controller import Controller
from swapsafe.rollout.notify import Notifier
from swapsafe.store import SqlStore
from swapsafe.testing.clock import FakeClock


@contextlib.contextmanager
def webhook_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("content-length", 0))
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook?token=secret", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_automatic_rollback_posts_the_webhook_and_runs_the_command(
    tmp_path: Path, store: SqlStore
) -> None:
    out = tmp_path / "event.json"
    with webhook_server() as (url, received):
        cfg = make_config(
            tmp_path,
            f"sqlite:///{tmp_path / 'swapsafe.db'}",
            rollout_extra=f'webhook_url = "{url}"\ncommand = "cat > {out}"',
        )
        clock = FakeClock()
        controller = Controller(cfg, store, clock=clock, gates=gate_check(ok=True))
        controller.rollouts.start("support", actor="cli:test")
        traces(store, model="new", at=clock.now(), n=40, errors=20)
        clock.advance(300)
        await controller.tick()
    assert len(received) == 1
    event = received[0]
    assert (event["event"], event["workload"], event["status"]) == (
        "rollout.rollback",
        "support",
        "rolled_back",
    )
    assert event["numbers"]["canary"]["error_rate"] == 0.5
    assert json.loads(out.read_text())["event"] == "rollout.rollback"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    from swapsafe.store import open_store

    s = open_store(f"sqlite:///{tmp_path / 'swapsafe.db'}")
    yield s
    s.close()


async def test_failures_are_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    from tests.routing.replicas import free_port

    notifier = Notifier(
        f"http://127.0.0.1:{free_port()}/hook?token=hunter2", "sleep 5", timeout=0.3
    )
    await notifier.send({"event": "rollout.rollback"})
    assert notifier.failures == 2
    assert "hunter2" not in caplog.text
    assert "timed out" in caplog.text
    await Notifier(None, "exit 3").send({"event": "x"})
    assert "exited 3" in caplog.text
