"""The go/no-go report served by the web UI: login required, HTML and markdown, escaped."""

from __future__ import annotations

from starlette.testclient import TestClient
from tests.web.web_helpers import ADMIN_TOKEN, REVIEWER_TOKEN, seed_pairs, web_login, xss_spec

from swapsafe.report import render_report
from swapsafe.web.app import create_web_app


def test_report_page(web_config, web_store) -> None:  # type: ignore[no-untyped-def]
    seed_pairs(web_store, [xss_spec()])
    app = create_web_app(web_config, store=web_store, reviewer_tokens=[REVIEWER_TOKEN])
    with TestClient(app, follow_redirects=False) as c:
        assert c.get("/report").status_code in (302, 303, 401)  # not logged in
        web_login(c, REVIEWER_TOKEN, "rev")
        html = c.get("/report")
        assert html.status_code == 200 and html.text.lstrip().lower().startswith("<!doctype html")
        assert "<script>alert" not in html.text
        for decision in ("GO", "NO-GO", "NOT YET"):
            if decision in html.text:
                break
        else:
            raise AssertionError("no decision in the report")
        md = c.get("/report.md")
        assert md.status_code == 200
        assert "attachment" in md.headers["content-disposition"]
        expected = render_report(web_config, web_store, None, "md")
        strip = lambda t: [ln for ln in t.splitlines() if "enerated" not in ln]  # noqa: E731
        assert strip(md.text) == strip(expected)
    assert ADMIN_TOKEN not in md.text
