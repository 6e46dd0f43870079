"""Admin API: auth, rollback in one call, validated changes, audit, OpenAPI, weak tokens."""

from __future__ import annotations

import pytest
from tests.gateway.harness import ADMIN_TOKEN, ENV, Harness, write_config

from swapsafe.config import load_config
from swapsafe.exceptions import ConfigError, RoutingError
from swapsafe.serve import create_gateway_app

ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}"}
ADMIN_ROUTES = [
    ("GET", "/admin/workloads"),
    ("GET", "/admin/workloads/chat"),
    ("POST", "/admin/workloads/chat/rollback"),
    ("POST", "/admin/workloads/chat/route"),
    ("GET", "/admin/audit"),
    ("GET", "/admin/openapi.json"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
async def test_every_admin_route_needs_the_token(harness: Harness, method: str, path: str) -> None:
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": ADMIN_TOKEN}):
        r = await harness.http.request(method, path, headers=headers)
        assert r.status_code == 401, (path, headers)
    assert harness.store.list_audit() == []


async def test_rollback_in_one_call_is_obeyed_by_the_gateway(harness: Harness) -> None:
    r = await harness.http.post(
        "/admin/workloads/chat/route",
        headers=ADMIN,
        json={"mode": "promoted", "shadow": True, "reason": "go"},
    )
    assert r.status_code == 200, r.text
    harness.app.state.runtime.routing.reload()
    served = await harness.oai.chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": "x"}]
    )
    assert served.headers["x-swapsafe-served-by"] == "claude"
    r = await harness.http.post(
        "/admin/workloads/chat/rollback",
        headers={**ADMIN, "x-swapsafe-actor": "oncall"},
        json={"reason": "p95 spike"},
    )
    assert r.json() | {"updated_at": None} == {
        "workload": "chat",
        "mode": "rolled_back",
        "weight": 0.0,
        "shadow": False,
        "version": 2,
        "updated_at": None,
        "updated_by": "admin-api:oncall",
    }
    harness.app.state.runtime.routing.reload()
    served = await harness.oai.chat.completions.with_raw_response.create(
        model="chat", messages=[{"role": "user", "content": "x"}]
    )
    assert served.headers["x-swapsafe-served-by"] == "gpt"
    audit = (await harness.http.get("/admin/audit?workload=chat", headers=ADMIN)).json()
    assert [(e["actor"], e["reason"]) for e in audit["entries"]] == [
        ("admin-api:oncall", "p95 spike"),
        ("admin-api:admin", "go"),
    ]


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/admin/workloads/nope/rollback", {}, 404, "known workloads: chat, xchat"),
        (
            "/admin/workloads/chat/route",
            {"mode": "canary", "weight": 101, "reason": "r"},
            400,
            "outside 0-100",
        ),
        (
            "/admin/workloads/chat/route",
            {"mode": "canary", "weight": "ten", "reason": "r"},
            400,
            "must be a number",
        ),
        ("/admin/workloads/chat/route", {"weight": 5, "reason": "r"}, 400, '"mode" is required'),
        ("/admin/workloads/chat/route", {"mode": "canary", "weight": 5}, 400, "reason is required"),
    ],
)
async def test_bad_admin_input(
    harness: Harness,
    path: str,
    body: dict,
    status: int,
    message: str,  # type: ignore[type-arg]
) -> None:
    r = await harness.http.post(path, headers=ADMIN, json=body)
    assert r.status_code == status and message in r.json()["error"]["message"]
    assert harness.store.list_audit() == []


async def test_admin_openapi_spec(harness: Harness) -> None:
    spec = (await harness.http.get("/admin/openapi.json", headers=ADMIN)).json()
    assert spec["openapi"].startswith("3.")
    assert "/admin/workloads/{name}/rollback" in spec["paths"]


@pytest.mark.parametrize("token", ["short-token", "x" * 23, " " * 30])
def test_gateway_refuses_to_start_with_a_weak_admin_token(tmp_path, token: str) -> None:  # type: ignore[no-untyped-def]
    cfg = load_config(write_config(tmp_path), env={**ENV, "GW_ADMIN_TOKEN": token})
    with pytest.raises(RoutingError, match="at least 24 characters"):
        create_gateway_app(cfg)


def test_empty_admin_token_is_a_config_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="GW_ADMIN_TOKEN is empty"):
        load_config(write_config(tmp_path), env={**ENV, "GW_ADMIN_TOKEN": ""})


def test_admin_api_on_without_token_refuses(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_config(tmp_path)
    text = path.read_text().replace('admin_token = "env::GW_ADMIN_TOKEN"', "admin_api = true")
    path.write_text(text)
    with pytest.raises(RoutingError, match="admin_token"):
        create_gateway_app(load_config(path, env=ENV))
