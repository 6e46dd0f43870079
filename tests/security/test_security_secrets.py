"""Canary secrets never reach a sink: store, logs, /metrics, error responses, config show."""

from __future__ import annotations

import dataclasses
import logging

import httpx
import pytest
from tests.gateway.harness import (
    CLIENT_KEY,
    ENV,
    UPSTREAM_ANTHROPIC_KEY,
    UPSTREAM_OPENAI_KEY,
    Harness,
    write_config,
)
from typer.testing import CliRunner

from swapsafe.cli.app import app as cli
from swapsafe.routing.service import RoutingService
from swapsafe.store.records import TraceQuery

QUERY_CANARY = "sk-query-CANARY-3333"
CANARIES = (UPSTREAM_OPENAI_KEY, UPSTREAM_ANTHROPIC_KEY, CLIENT_KEY, QUERY_CANARY)


async def echo_auth_upstream(scope, receive, send):  # type: ignore[no-untyped-def]
    """An upstream that puts the key it received into its error body (some proxies do)."""
    while (await receive()).get("more_body"):
        pass
    headers = dict(scope["headers"])
    key = (headers.get(b"authorization") or headers.get(b"x-api-key") or b"").decode()
    body = '{"error": {"message": "invalid key ' + key + '", "type": "invalid_request_error"}}'
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


async def test_no_secret_reaches_any_sink(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    responses: list[httpx.Response] = []
    auth = {"authorization": f"Bearer {CLIENT_KEY}"}
    RoutingService(harness.store, {"chat": True, "xchat": True}).set(
        "chat", mode="shadow", actor="t", reason="t"
    )
    harness.app.state.runtime.routing.reload()
    body = {"model": "chat", "messages": [{"role": "user", "content": "hi"}]}
    responses.append(
        await harness.http.post(f"/v1/chat/completions?key={QUERY_CANARY}", headers=auth, json=body)
    )
    responses.append(
        await harness.http.post(
            f"/v1/messages?api_key={QUERY_CANARY}",
            headers={"x-api-key": CLIENT_KEY},
            json={
                "model": "xchat",
                "max_tokens": 5,
                "stream": True,
                "messages": [{"role": "user", "content": "hi"}],
            },
        )
    )
    responses.append(
        await harness.http.post(
            "/v1/chat/completions", headers={"authorization": f"Bearer {QUERY_CANARY}"}, json=body
        )
    )  # wrong key: 401
    responses.append(
        await harness.http.post(
            "/v1/chat/completions", headers=auth, json={**body, "model": "nope"}
        )
    )
    # upstream error bodies that echo the upstream key
    for name in ("gpt", "claude"):
        provider = harness.app.state.runtime.providers[name]
        provider._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=echo_auth_upstream))
    responses.append(await harness.http.post("/v1/chat/completions", headers=auth, json=body))
    responses.append(
        await harness.http.post(
            "/v1/chat/completions", headers=auth, json={**body, "model": "xchat"}
        )
    )
    responses.append(await harness.http.get("/metrics"))
    for task in list(harness.app.state.runtime.gateway.shadow.tasks):
        await task
    assert [r.status_code for r in responses] == [200, 200, 401, 404, 400, 400, 200]

    sinks = {
        "responses": "\n".join(r.text + str(dict(r.headers)) for r in responses),
        # every log line but the test client's own request log (it knows what it sent)
        "logs": "\n".join(
            r.getMessage() for r in caplog.records if f"{harness.base}/" not in r.getMessage()
        ),
        "traces": "\n".join(str(dataclasses.asdict(t)) for t in harness.traces(limit=10_000)),
        "audit": "\n".join(str(dataclasses.asdict(a)) for a in harness.store.list_audit()),
    }
    assert len(harness.store.query_traces(TraceQuery(limit=100))) >= 4
    for sink, text in sinks.items():
        for canary in CANARIES:
            assert canary not in text, f"{canary} leaked into {sink}"


def test_config_show_masks_secrets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_config(tmp_path)
    result = CliRunner().invoke(cli, ["config", "show", "-c", str(path)], env=ENV)
    assert result.exit_code == 0, result.output
    for canary in CANARIES[:3]:
        assert canary not in result.output
    assert "env::UP_OPENAI_KEY" in result.output
