"""Web sessions are server-side: logout kills the cookie everywhere; login is CSRF-checked; a
flood of wrong tokens never locks out the right one. Through the real app (Starlette
TestClient), no browser."""

from __future__ import annotations

import re

from starlette.testclient import TestClient
from tests.web.web_helpers import ADMIN_TOKEN, REVIEWER_TOKEN, web_login

from swapsafe.config import Config
from swapsafe.store.protocol import Store
from swapsafe.web.app import create_web_app
from swapsafe.web.auth import COOKIE, SessionTable


def _client(config: Config, store: Store) -> TestClient:
    app = create_web_app(config, store=store, reviewer_tokens=[REVIEWER_TOKEN])
    return TestClient(app, follow_redirects=False)


def _page_csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text)
    assert match is not None
    return match.group(1)


def test_logout_revokes_the_session_server_side(web_config: Config, web_store: Store) -> None:
    with _client(web_config, web_store) as c:
        assert web_login(c, ADMIN_TOKEN, "alice").status_code == 303
        csrf = _page_csrf(c)
        old_cookie = c.cookies[COOKIE]
        assert c.post("/logout", data={"csrf_token": csrf}).status_code == 303
        # an attacker (or another tab) still holding the old cookie and CSRF token
        c.cookies.set(COOKIE, old_cookie)
        r = c.post(
            "/workloads/support/rollback", data={"csrf_token": csrf, "reason": "stolen cookie"}
        )
        assert r.status_code == 401
        assert c.get("/").headers["location"].startswith("/login")
    assert web_store.list_audit() == []  # no rollback happened


def test_two_sessions_are_independent(web_config: Config, web_store: Store) -> None:
    app = create_web_app(web_config, store=web_store, reviewer_tokens=[REVIEWER_TOKEN])
    with TestClient(app, follow_redirects=False) as a, TestClient(app, follow_redirects=False) as b:
        web_login(a, ADMIN_TOKEN, "alice")
        web_login(b, REVIEWER_TOKEN, "rita")
        a.post("/logout", data={"csrf_token": _page_csrf(a)})
        assert a.get("/").status_code == 303  # logged out
        assert b.get("/").status_code == 200  # still in


def test_cross_site_login_is_refused(web_config: Config, web_store: Store) -> None:
    with _client(web_config, web_store) as c:
        form = c.get("/login")
        token = re.search(r'id="login-csrf" name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        good = {"token": ADMIN_TOKEN, "name": "mallory", "csrf_token": token.group(1)}
        refusals = [
            c.post("/login", data=good, headers={"origin": "https://attacker.example"}),
            c.post("/login", data=good, headers={"origin": "null"}),
            c.post("/login", data=good, headers={"sec-fetch-site": "cross-site"}),
            c.post("/login", data={**good, "csrf_token": "forged"}),
            c.post("/login", data={k: v for k, v in good.items() if k != "csrf_token"}),
        ]
        assert [r.status_code for r in refusals] == [403] * 5
        assert all(COOKIE not in r.headers.get("set-cookie", "") for r in refusals)
        assert "cross-site" in refusals[0].text
    with _client(web_config, web_store) as fresh:  # a first visit: no login cookie yet
        r = fresh.post("/login", data={"token": ADMIN_TOKEN, "name": "a", "csrf_token": "x"})
        assert r.status_code == 403
        same_site = {"origin": "http://testserver", "sec-fetch-site": "same-origin"}
        form = fresh.get("/login")
        token = re.search(r'id="login-csrf" name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        ok = fresh.post(
            "/login",
            data={"token": ADMIN_TOKEN, "name": "a", "csrf_token": token.group(1)},
            headers=same_site,
        )
        assert ok.status_code == 303 and COOKIE in ok.headers["set-cookie"]
    with _client(web_config, web_store) as proxied:  # a proxy rewrote Host, kept X-Forwarded-Host
        form = proxied.get("/login")
        token = re.search(r'id="login-csrf" name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        behind_proxy = {"origin": "https://ui.example.com", "x-forwarded-host": "ui.example.com"}
        ok = proxied.post(
            "/login",
            data={"token": ADMIN_TOKEN, "name": "a", "csrf_token": token.group(1)},
            headers=behind_proxy,
        )
        assert ok.status_code == 303


def test_login_cookie_flags(web_config: Config, web_store: Store) -> None:
    with _client(web_config, web_store) as c:
        cookie = c.get("/login").headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/login" in cookie


def test_session_table_expires_and_revokes() -> None:
    now = [0.0]
    table = SessionTable(max_age=10, clock=lambda: now[0])
    from swapsafe.web.auth import Session

    s = Session(role="admin", name="a", csrf="c", sid="id-1")
    table.add(s)
    assert table.get("id-1") == s
    now[0] = 10.0
    assert table.get("id-1") is None  # expired
    table.add(s)
    table.revoke("id-1")
    assert table.get("id-1") is None
