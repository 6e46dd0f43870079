"""Reusable web-test pieces: a config, seeded shadow pairs, a live uvicorn server in a thread,
headless Chromium through Playwright, and a login helper.

Other page tests (plan, rollout) import these::

    from tests.web.web_helpers import ADMIN_TOKEN, LiveServer, login, make_config, launch_browser

Fixtures built from them live in ``tests/web/conftest.py`` (``web_config``, ``web_store``,
``live``, ``browser``, ``page``); copy that conftest's few lines or import the fixtures.
"""

from __future__ import annotations

import socket
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import uvicorn

from swapsafe.config import Config, load_config
from swapsafe.store.protocol import Store
from swapsafe.store.records import TraceRecord

ADMIN_TOKEN = "admin-token-0123456789abcdef"
REVIEWER_TOKEN = "reviewer-token-0123456789"
ENV = {"WEB_ADMIN_TOKEN": ADMIN_TOKEN}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
XSS_SCRIPT = "<script>alert('xss')</script>"
XSS_IMG = '<img src=x onerror="alert(1)">'

CONFIG = """
[store]
url = "{store_url}"

[models.old]
provider = "scripted"
model = "gpt-4o"

[models.new]
provider = "scripted"
model = "claude-sonnet-4-5"

[workloads.support]
baseline = "old"
candidate = "new"
golden = "golden/support.jsonl"

[workloads.summarize]
baseline = "old"
candidate = "new"

[gateway]
admin_token = "env::WEB_ADMIN_TOKEN"
"""


def make_config(root: Path, store_url: str | None = None) -> Config:
    """Write swapsafe.toml (two workloads old -> new, a golden file for "support") and load it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "golden").mkdir(exist_ok=True)
    golden = root / "golden" / "support.jsonl"
    if not golden.exists():
        golden.write_text('{"id": "support-001", "input": "hi", "ideal": "hello"}\n')
    url = store_url or f"sqlite:///{root / 'swapsafe.db'}"
    (root / "swapsafe.toml").write_text(textwrap.dedent(CONFIG.format(store_url=url)))
    return load_config(root / "swapsafe.toml", env=ENV)


# -- trace pairs -------------------------------------------------------------------------------


def openai_request(user: str, system: str = "You are a support agent.") -> str:
    body = {
        "model": "support",
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
    }
    return orjson.dumps(body).decode()


def openai_response(
    text: str | None, model: str, tool_calls: Sequence[tuple[str, dict[str, Any]]] = ()
) -> str:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": name, "arguments": orjson.dumps(args).decode()},
            }
            for i, (name, args) in enumerate(tool_calls)
        ]
    body = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:8]}",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30},
    }
    return orjson.dumps(body).decode()


def anthropic_response(text: str, model: str) -> str:
    body = {
        "id": f"msg_{uuid.uuid4().hex[:8]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 20, "output_tokens": 10},
    }
    return orjson.dumps(body).decode()


@dataclass(frozen=True)
class PairSpec:
    user: str
    old: str | None  # None: the old side failed
    new: str | None
    workload: str = "support"
    ts: datetime | None = None
    old_tools: Sequence[tuple[str, dict[str, Any]]] = ()
    new_tools: Sequence[tuple[str, dict[str, Any]]] = ()


def pair_rows(spec: PairSpec, pair_id: str, ts: datetime) -> list[TraceRecord]:
    """A served (old model) and a shadow (new model) trace row, OpenAI wire on both sides."""
    request = openai_request(spec.user)
    rows = []
    for role, model, text, tools in (
        ("served", "old", spec.old, spec.old_tools),
        ("shadow", "new", spec.new, spec.new_tools),
    ):
        ok = text is not None or bool(tools)
        rows.append(
            TraceRecord(
                request_id=f"{pair_id}-{role}",
                pair_id=pair_id,
                ts=ts,
                workload=spec.workload,
                role=role,  # type: ignore[arg-type]
                model=model,
                provider="scripted",
                status="ok" if ok else "error",
                http_status=200 if ok else 500,
                error_class=None if ok else "upstream_error",
                latency_ms=120.0 if role == "served" else 95.0,
                input_tokens=20,
                output_tokens=10 if ok else None,
                inbound_wire="openai",
                request_body=request,
                response_body=openai_response(text, model, tools) if ok else None,
                finish_reason="stop" if ok else None,
            )
        )
    return rows


def seed_pairs(
    store: Store, specs: Sequence[PairSpec], *, start: datetime | None = None
) -> list[str]:
    """Insert the pairs (one minute apart, unless a spec has its own ts); returns pair ids."""
    start = start or datetime.now(UTC) - timedelta(hours=len(specs) + 1)
    ids, rows = [], []
    for i, spec in enumerate(specs):
        pair_id = f"p{i:04d}-{uuid.uuid4().hex[:6]}"
        rows += pair_rows(spec, pair_id, spec.ts or start + timedelta(minutes=i))
        ids.append(pair_id)
    store.insert_traces(rows)
    return ids


REALISTIC = [
    PairSpec(
        "I was charged twice for March.",
        "I see a duplicate charge; a refund is on its way.",
        "I found the duplicate March charge and issued a refund.",
    ),
    PairSpec(
        "How do I reset my password?",
        "Go to Settings > Security > Reset password.",
        "Go to Settings > Security > Reset password.",
    ),
    PairSpec(
        "The API returns 503 since 10 minutes.",
        '{"category": "outage", "urgent": true}',
        '{"category": "outage", "urgent": "yes", "team": "sre"}',
    ),
    PairSpec(
        "Cancel my plan please.",
        "Sure, I cancelled your plan effective today.",
        "I'm sorry, but I can't help with cancelling plans.",
    ),
    PairSpec("Where is my invoice?", "Invoices are under Billing > History.", None),
    PairSpec(
        "Look up order 42",
        None,
        None,
        old_tools=[("lookup_order", {"id": 42})],
        new_tools=[("lookup_order", {"id": 42.0})],
    ),
]


def xss_spec() -> PairSpec:
    return PairSpec(
        f"Please render {XSS_IMG}",
        f"Sure: {XSS_SCRIPT} done",
        f"Here it is {XSS_IMG} and {XSS_SCRIPT}",
    )


# -- live server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn serving ``app`` on 127.0.0.1:<free port> in a background thread."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            ws="none",
            http="h11",
            loop="asyncio",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="web-live", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@contextmanager
def live_server(app: Any) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


# -- browser -----------------------------------------------------------------------------------


@contextmanager
def launch_browser() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright (never downloads a browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def login(page: Any, base_url: str, token: str = ADMIN_TOKEN, name: str = "alice") -> None:
    page.goto(f"{base_url}/login")
    page.fill("#token", token)
    page.fill("#name", name)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def web_login(
    client: Any, token: str = ADMIN_TOKEN, name: str = "alice", next_path: str = "/"
) -> Any:
    """Log a TestClient in as a browser does: GET the login form (its CSRF cookie and hidden
    field), then POST it. Returns the POST's response."""
    import re

    form = client.get("/login")
    csrf = re.search(r'id="login-csrf" name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None, form.text
    data = {"token": token, "name": name, "next": next_path, "csrf_token": csrf.group(1)}
    return client.post("/login", data=data, follow_redirects=False)
