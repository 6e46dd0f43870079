"""The web app without a browser: cookie flags over HTTPS, redirects, throttling, headers,
weak tokens, tampered sessions, and ``--gateway`` mode on one port."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tests.web.web_helpers import ADMIN_TOKEN, REVIEWER_TOKEN, make_config, web_login

from swapsafe.serve import create_serve_app
from swapsafe.store.protocol import Store
from swapsafe.store.records import TraceQuery
from swapsafe.testing import ScriptedProvider
from swapsafe.web.app import create_web_app
from swapsafe.web.auth import Authenticator, WebAuthError, safe_next


def _client(web_config, web_store, base_url: str = "http://testserver") -> TestClient:
    app = create_web_app(web_config, store=web_store, reviewer_tokens=[REVIEWER_TOKEN])
    return TestClient(app, base_url=base_url, follow_redirects=False)


def _login(client: TestClient, token: str = ADMIN_TOKEN, name: str = "alice") -> str:
    r = web_login(client, token, name, "/review")
    assert r.status_code == 303 and r.headers["location"] == "/review"
    page = client.get("/review")
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def test_cookie_is_secure_over_https(web_config, web_store: Store) -> None:
    with _client(web_config, web_store, "https://testserver") as c:
        r = web_login(c, ADMIN_TOKEN, "a")
        [cookie] = [
            h.lower() for h in r.headers.get_list("set-cookie") if h.startswith("swapsafe_session=")
        ]
        assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_csrf_form_field_and_header(web_config, web_store: Store) -> None:
    with _client(web_config, web_store) as c:
        csrf = _login(c)
        assert c.post("/review/undo", data={"csrf_token": "nope"}).status_code == 403
        assert c.post("/review/undo", data={}).status_code == 403
        assert c.post("/review/undo", data={"csrf_token": csrf}).status_code == 303
        assert c.post("/review/undo", headers={"x-csrf-token": csrf}).status_code == 303


def test_not_logged_in_and_tampered_sessions(web_config, web_store: Store) -> None:
    with _client(web_config, web_store) as c:
        assert c.get("/review?workload=support").headers["location"] == (
            "/login?next=%2Freview%3Fworkload%3Dsupport"
        )
        assert c.post("/review/undo").status_code == 401
        c.cookies.set("swapsafe_session", '["admin","mallory","x"].forged.sig')
        assert c.get("/").status_code == 303


def test_login_never_redirects_off_site_and_names_are_checked(web_config, web_store: Store) -> None:
    assert safe_next("//evil.example/x") == "/"
    assert safe_next("https://evil.example") == "/"
    assert safe_next("/review?x=1") == "/review?x=1"
    with _client(web_config, web_store) as c:
        r = web_login(c, ADMIN_TOKEN, "", "//evil.example")
        assert r.headers["location"] == "/"
        r = web_login(c, REVIEWER_TOKEN, "<b>x</b>")
        assert r.status_code == 401 and "letters, digits" in r.text


def test_failed_logins_are_throttled_but_never_lock_out_the_right_token(
    web_config, web_store: Store
) -> None:
    with _client(web_config, web_store) as c:
        codes = [web_login(c, f"bad-token-{i:06}").status_code for i in range(12)]
        assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
        assert web_login(c, ADMIN_TOKEN).status_code == 303  # the right token still logs in
        assert web_login(c, "bad-token-again").status_code == 429


def test_security_headers(web_config, web_store: Store) -> None:
    with _client(web_config, web_store) as c:
        r = c.get("/login")
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["cache-control"] == "no-store"
        assert c.get("/static/swapsafe.js").status_code == 200


def test_role_and_token_rules() -> None:
    auth = Authenticator(admin_token="a" * 24, reviewer_tokens=["r" * 16, "s" * 20])
    assert auth.role_for("a" * 24) == "admin"
    assert auth.role_for("s" * 20) == "reviewer"
    assert auth.role_for("r" * 15) is None and auth.role_for("") is None
    with pytest.raises(WebAuthError, match="at least 16"):
        Authenticator(admin_token=None, reviewer_tokens=["short"])
    session = auth.new_session("reviewer", "rita")
    assert auth.load(auth.dump(session)) == session
    other = Authenticator(admin_token="a" * 24)  # another process secret: cookie is void
    assert other.load(auth.dump(session)) is None


def test_gateway_and_ui_on_one_port(tmp_path: Path) -> None:
    cfg = make_config(tmp_path / "gw")
    providers = {"old": ScriptedProvider("old"), "new": ScriptedProvider("new")}
    app = create_serve_app(cfg, gateway=True, providers=providers, spill_path=tmp_path / "spill")
    with TestClient(app, follow_redirects=False) as c:
        r = c.post(
            "/v1/chat/completions",
            json={"model": "support", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"] == "[old] hi"
        assert c.get("/healthz").json() == {"status": "ok", "store": "up"}
        slash = c.post("/v1/messages/", headers={"host": "attacker.example"}, json={})
        assert slash.status_code == 404 and "location" not in slash.headers
        assert slash.json()["type"] == "error"  # Anthropic's error shape for /v1/messages*
        assert c.get("/login").status_code == 200
        assert c.get("/").status_code == 303
        store = app.state.web.store
    from swapsafe.store import open_store

    check = open_store(cfg.store.url)
    try:
        assert check.count_traces(TraceQuery(workload="support")) == 1
    finally:
        check.close()
    del store


def test_review_filters_sample_button_and_golden_route(web_config, web_store: Store) -> None:
    from tests.web.web_helpers import REALISTIC, seed_pairs

    from swapsafe.review.service import ReviewService

    seed_pairs(web_store, REALISTIC)
    with _client(web_config, web_store) as c:
        csrf = _login(c, REVIEWER_TOKEN, "rita")
        assert "No pairs to review yet" in c.get("/review").text
        r = c.post("/review/sample", data={"csrf_token": csrf, "n": "0"})
        assert r.status_code == 400
        r = c.post("/review/sample", data={"csrf_token": csrf, "n": "50", "seed": "1"})
        # the errored pair is left out of the sample
        assert r.headers["location"] == "/review?msg=Sampled+5+new+pairs."
        refusal = c.get("/review?kind=refusal").text
        assert "0 / 1</span>" in refusal
        # unrelated answers are shown as written, never struck through word by word
        assert "too different for a word diff" in refusal and "<del>" not in refusal
        assert "I&#39;m sorry, but I can&#39;t help with cancelling plans." in refusal
        assert "0 / 3</span>" in c.get("/review?kind=agree").text
        assert c.get("/review?workload=nope").status_code == 404
        pair_id = re.search(r'data-pair="([^"]+)"', refusal).group(1)
        r = c.post(
            "/review/verdict",
            data={
                "csrf_token": csrf,
                "pair_id": pair_id,
                "verdict": "old_better",
                "kind": "refusal",
            },
        )
        assert r.headers["location"] == f"/review?kind=refusal&saved={pair_id}"
        after = c.get(r.headers["location"]).text
        assert f"Saved: old better on pair {pair_id}." in after
        assert "All 1 pairs in this view are reviewed" in after
        r = c.post("/review/golden", data={"csrf_token": csrf, "pair_id": pair_id})
        assert r.status_code == 303 and "review-" in r.headers["location"]
        golden = web_config.workloads["support"].golden.read_text()
        assert f'"id":"review-{pair_id}"' in golden and "Sure, I cancelled" in golden
        assert (
            c.post("/review/golden", data={"csrf_token": csrf, "pair_id": pair_id}).status_code
            == 400
        )
        results = c.get("/review/results").text
        assert "Add selected to golden set" in results and "in the golden set" in results
        assert "I&#39;m sorry, but I can&#39;t help" in results  # a preview, not a bare id
        lines = c.get("/review/export.jsonl").text.splitlines()
        assert len(lines) == 1 and '"reviewer":"rita"' in lines[0]
        assert c.get("/review/export.xml").status_code == 404
    assert ReviewService(web_store, web_config).queue()[0].workload == "support"


async def test_web_ui_alone_never_redirects_and_bounds_headers(
    web_config, web_store: Store
) -> None:
    """``swapsafe serve`` without --gateway runs on the gateway's protocol too."""
    import asyncio

    from tests.gateway.harness import serve

    from swapsafe.gateway.http_protocol import GatewayHttpProtocol

    app = create_web_app(web_config, store=web_store, reviewer_tokens=[REVIEWER_TOKEN])
    async with serve(app, http=GatewayHttpProtocol) as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /review/ HTTP/1.1\r\nhost: attacker.example\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 404") and b"location" not in head.lower()
        writer.close()
        reader, writer = await asyncio.open_connection(host, int(port))
        headers = b"".join(b"x-h%d: v\r\n" % i for i in range(101))
        writer.write(b"GET /login HTTP/1.1\r\nhost: gw\r\n" + headers + b"\r\n")
        reply = await asyncio.wait_for(reader.read(), 10)
        assert reply.startswith(b"HTTP/1.1 431")
        writer.close()
