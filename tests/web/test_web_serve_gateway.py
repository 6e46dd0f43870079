"""``swapsafe serve --gateway``: the web UI and the gateway on one port, as a real process."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest
from tests.routing.replicas import free_port

from swapsafe.testing import FakeUpstream

pytestmark = pytest.mark.slow
ADMIN = "admin-token-0123456789abcdef-serve"
CLIENT = "client-key-serve-0123456789"


def test_serve_with_gateway_proxies_and_serves_the_ui(tmp_path: Path) -> None:
    port = free_port()
    with FakeUpstream("openai").serve_in_thread() as upstream:
        config = tmp_path / "swapsafe.toml"
        config.write_text(
            textwrap.dedent(f"""
            [store]
            url = "sqlite:///{tmp_path}/traces.db"
            [models.old]
            provider = "openai-compatible"
            model = "old-model"
            base_url = "{upstream}"
            [workloads.support]
            baseline = "old"
            [gateway]
            client_keys = ["env::SERVE_CLIENT_KEY"]
            admin_token = "env::SERVE_ADMIN_TOKEN"
        """)
        )
        env = {**os.environ, "SERVE_CLIENT_KEY": CLIENT, "SERVE_ADMIN_TOKEN": ADMIN}
        cmd = [sys.executable, "-m", "swapsafe", "serve", "-c", str(config), "--gateway"]
        proc = subprocess.Popen(
            [*cmd, "--port", str(port), "--log-level", "warning"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "swapsafe serve did not start"
                time.sleep(0.2)
            with httpx.Client(base_url=base, timeout=10) as client:
                r = client.post(
                    "/v1/chat/completions",
                    headers={"authorization": f"Bearer {CLIENT}"},
                    json={"model": "support", "messages": [{"role": "user", "content": "hi"}]},
                )
                assert r.status_code == 200, r.text
                assert r.json()["choices"][0]["message"]["content"] == "[old-model] hi"
                assert r.headers["x-request-id"] == r.json()["id"]
                denied = client.post("/v1/chat/completions", json={"model": "support"})
                assert denied.status_code == 401
                page = client.get("/login")  # the web UI answers on the same connection
                assert page.status_code == 200 and "<form" in page.text
                # no proxy is trusted by default: a local X-Forwarded-Proto does not make the
                # server believe it is behind HTTPS (the cookie stays without Secure)
                spoofed = client.get("/login", headers={"x-forwarded-proto": "https"})
                assert "secure" not in spoofed.headers["set-cookie"].lower()
                # no trailing-slash redirect to whatever Host the client sent: 404 JSON
                slash = client.post(
                    "/v1/chat/completions/",
                    headers={"host": "attacker.example", "authorization": f"Bearer {CLIENT}"},
                    json={"model": "support", "messages": [{"role": "user", "content": "hi"}]},
                )
                assert slash.status_code == 404 and "location" not in slash.headers
                assert slash.json()["error"]["type"] == "not_found_error"
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            if proc.stderr is not None:
                proc.stderr.close()
