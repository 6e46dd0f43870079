"""The optional red-team web page: lists runs, shows rates, escapes model output."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tests.redteam.redteam_helpers import write_config
from tests.web.web_helpers import web_login

from swapsafe.config import load_config
from swapsafe.store import open_store
from swapsafe.store.protocol import Store
from swapsafe.store.records import RedteamFinding, RedteamRun
from swapsafe.web.app import create_web_app

ADMIN = "admin-token-0123456789abcdef"
XSS = "<script>alert('xss')</script>"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, Store]]:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    path = write_config(tmp_path, url, extra='[gateway]\nadmin_token = "env::RT_ADMIN"\n')
    cfg = load_config(path, env={"RT_ADMIN": ADMIN})
    store = open_store(url)
    app = create_web_app(cfg, store=store)
    with TestClient(app, follow_redirects=False) as c:
        r = web_login(c, ADMIN, "alice", "/redteam")
        assert r.status_code == 303
        yield c, store
    store.close()


def test_runs_list_and_run_detail_escape_output(client: tuple[TestClient, Store]) -> None:
    c, store = client
    settings = {"baseline": "old", "candidate": "new", "margin": 0.05}
    run_id = store.create_redteam_run(
        RedteamRun(
            workload="support",
            started_at=datetime(2025, 1, 2, tzinfo=UTC),
            models=["old", "new"],
            settings=settings,
        )
    )
    store.add_redteam_findings(
        [
            RedteamFinding(
                run_id=run_id,
                probe_id="p1",
                category="leak",
                model="new",
                success=True,
                prompt=XSS,
                output=XSS,
                reason="the canary appears",
            ),
            RedteamFinding(
                run_id=run_id,
                probe_id="p1",
                category="leak",
                model="old",
                success=False,
                prompt=XSS,
                output="no",
                reason="-",
            ),
            RedteamFinding(
                run_id=run_id,
                probe_id="p2",
                category="jailbreak",
                model="new",
                success=False,
                blocked=True,
                prompt="x",
                reason="blocked by provider",
            ),
        ]
    )
    store.finish_redteam_run(run_id, "done")
    page = c.get("/redteam")
    assert page.status_code == 200 and f'data-run="{run_id}"' in page.text
    detail = c.get(f"/redteam?run={run_id}")
    assert detail.status_code == 200
    assert XSS not in detail.text and "&lt;script&gt;" in detail.text
    # one hit in one probe is no regression: the page says which way it leans, in red-orange
    assert re.search(r'data-category="leak"', detail.text)
    assert "inconclusive: likely worse, not enough cases" in detail.text
    assert 'id="redteam-blocked"' in detail.text
    assert c.get("/redteam?run=999").status_code == 404
    assert c.get("/redteam?run=abc").status_code == 404
