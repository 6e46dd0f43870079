"""The plan page over HTTP (Starlette TestClient): roles, CSRF, tick/untick JSON, export."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tests.web.web_helpers import web_login

from swapsafe.config import config_from_dict
from swapsafe.plan.export import render_markdown, strip_generated
from swapsafe.plan.outlook import outlook
from swapsafe.plan.service import PlanService
from swapsafe.store import SqlStore, open_store
from swapsafe.web.app import create_web_app

ADMIN, REVIEWER = "admin-token-0123456789", "reviewer-token-0123456789"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = open_store(f"sqlite:///{tmp_path / 'swapsafe.db'}")
    yield s
    s.close()


@pytest.fixture
def app(store: SqlStore, tmp_path: Path) -> object:
    config = config_from_dict(
        {
            "models": {
                "old": {"provider": "openai", "model": "gpt-4o"},
                "new": {"provider": "openai", "model": "gpt-5"},
            },
            "workloads": {"support": {"baseline": "old", "candidate": "new"}},
            "gateway": {"admin_token": "env::ADMIN"},
        },
        path=tmp_path / "swapsafe.toml",
        env={"ADMIN": ADMIN},
    )
    PlanService(store, config).create(
        "swap", from_model="old", to_model="new", workloads=["support"]
    )
    return create_web_app(config, store=store, reviewer_tokens=[REVIEWER], session_secret="x" * 32)


def login(app: object, token: str, name: str = "ann") -> tuple[TestClient, str]:
    client = TestClient(app)  # type: ignore[arg-type]
    assert web_login(client, token, name, "/plan").status_code == 303
    r = client.get("/plan")
    assert r.status_code == 200, r.text
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', r.text)
    assert csrf is not None
    return client, csrf.group(1)


def test_page_lists_the_twelve_items_with_progress(app: object) -> None:
    client, _ = login(app, ADMIN)
    r = client.get("/plan")  # one migration: straight to it
    assert r.status_code == 200
    assert str(r.url).endswith("/plan/swap")
    assert r.text.count('class="item state-') == 12
    # item 3 (quality gate) is done by evidence: "support" is configured
    assert 'id="progress-overall"' in r.text and "1/12 done (8%)" in r.text
    assert "<details>" in r.text
    assert 'src="/static/plan.js"' in r.text


def test_tick_and_untick_as_json(app: object, store: SqlStore) -> None:
    client, csrf = login(app, ADMIN)
    r = client.post(
        "/plan/swap/items/redteam/tick?format=json",
        data={"note": "pentest <b>PT-42</b>"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["progress"]["overall"] == {"done": 2, "total": 12, "percent": 17}
    assert data["progress"]["phases"][1]["done"] == 1
    item = data["items"][7]
    assert (item["done"], item["done_by"], item["note"]) == (True, "manual", "pentest <b>PT-42</b>")
    assert item["history"][-1]["actor"] == "web:ann"
    page = client.get("/plan/swap").text
    assert "pentest &lt;b&gt;PT-42&lt;/b&gt;" in page  # escaped
    r = client.post(
        "/plan/swap/items/8/untick?format=json",
        data={"note": "wrong"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.json()["progress"]["overall"]["done"] == 1
    r = client.post(
        "/plan/swap/items/8/untick?format=json",
        data={"note": "again"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 400
    assert "no manual tick to withdraw" in r.json()["error"]
    assert [e.action for e in store.list_plan_events("swap") if e.item == 8] == ["tick", "untick"]


def test_form_post_without_javascript_redirects_back(app: object) -> None:
    client, csrf = login(app, ADMIN)
    r = client.post(
        "/plan/swap/items/1/tick", data={"note": "wiki", "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/plan/swap#item-1"
    r = client.post(
        "/plan/swap/items/1/tick", data={"note": "", "csrf_token": csrf}, follow_redirects=True
    )
    assert "a manual tick needs a note" in r.text


def test_csrf_and_roles(app: object) -> None:
    client, csrf = login(app, ADMIN)
    assert client.post("/plan/swap/items/1/tick", data={"note": "x"}).status_code == 403
    reviewer, rcsrf = login(app, REVIEWER, "rev")
    assert reviewer.get("/plan/swap").status_code == 200
    assert "tick-form" not in reviewer.get("/plan/swap").text
    r = reviewer.post("/plan/swap/items/1/tick", data={"note": "x", "csrf_token": rcsrf})
    assert r.status_code == 403
    anonymous = TestClient(app)  # type: ignore[arg-type]
    assert anonymous.get("/plan/swap", follow_redirects=False).status_code == 303
    assert anonymous.get("/plan/swap/export.md", follow_redirects=False).status_code == 303
    assert client.get("/plan/nope").status_code == 404


def test_export_download_matches_the_cli_export(app: object, store: SqlStore) -> None:
    client, csrf = login(app, ADMIN)
    client.post(
        "/plan/swap/items/4/tick?format=json",
        data={"note": "criteria doc"},
        headers={"X-CSRF-Token": csrf},
    )
    r = client.get("/plan/swap/export.md")
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith('attachment; filename="plan-swap-')
    web = app.state.web  # type: ignore[attr-defined]
    service = PlanService(store, web.config)
    plan = service.resolve("swap")
    view = service.view(plan)
    look = outlook(
        store, web.config, from_model="old", to_model="new", now=view.now, workloads=["support"]
    )
    assert strip_generated(r.text) == strip_generated(render_markdown(view, look))
    assert "- [x] **4. Go/no-go criteria**" in r.text


def test_create_migration_from_the_index(app: object) -> None:
    client, csrf = login(app, ADMIN)
    r = client.post(
        "/plan",
        data={
            "csrf_token": csrf,
            "name": "second",
            "from_model": "old",
            "to_model": "new",
            "workloads": "support",
            "start": "2026-12-01",
        },
    )
    assert str(r.url).endswith("/plan/second")
    index = client.get("/plan").text
    assert "second" in index and "swap" in index
    r = client.post(
        "/plan",
        data={
            "csrf_token": csrf,
            "name": "x",
            "from_model": "a",
            "to_model": "b",
            "workloads": "w",
            "start": "soon",
        },
    )
    assert "start must be a date" in r.text
