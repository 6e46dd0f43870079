"""The report: markdown snapshot (fixed clock, fixed data), HTML in headless Chromium, escaping."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.report.report_helpers import (
    NOW,
    make_config,
    seed_eval,
    seed_redteam,
    seed_review,
    seed_shadow,
)

from swapsafe.pricing import UnitPrice
from swapsafe.report import build_report, charts, render_report, timecharts
from swapsafe.report.projection import Usage, project
from swapsafe.store import RedteamFinding, open_store
from swapsafe.store.protocol import Store

SNAPSHOT = Path(__file__).parent / "snapshots" / "report.md"
CHROMIUM = "/usr/bin/chromium"
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _seed(store: Store) -> None:
    seed_shadow(store, 120, new_latency=1.1)
    seed_eval(store, old_pass=180, new_pass=178)
    seed_redteam(store, new_success=3)
    seed_review(store, {"same": 40, "new_better": 8, "old_better": 5, "skip": 2})


def test_markdown_matches_the_snapshot(tmp_path: Path, store_url: str) -> None:
    cfg = make_config(tmp_path, store_url, gates="gates = { cost_ratio_max = 2.0 }")
    store = open_store(store_url)
    try:
        _seed(store)
        text = render_report(cfg, store, fmt="md", now=NOW)
    finally:
        store.close()
    if os.environ.get("SWAPSAFE_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8")


def test_report_decisions(tmp_path: Path, store_url: str) -> None:
    cfg = make_config(tmp_path, store_url)
    store = open_store(store_url)
    try:
        _seed(store)
        data = build_report(cfg, store, now=NOW)
        one = build_report(cfg, store, ["support"], now=NOW)
    finally:
        store.close()
    by = {w.name: w for w in data.workloads}
    assert by["search"].decision == "NOT YET"  # no candidate configured
    assert data.decision == "NOT YET"
    support = by["support"]
    assert [w.name for w in one.workloads] == ["support"]
    assert support.projection is not None and support.projection.output_source == "shadow"
    assert sum(n for _, _, n in support.agreement) == 120
    assert support.review == {"same": 40, "new_better": 8, "old_better": 5, "skip": 2}


def test_projection_uses_observed_candidate_lengths() -> None:
    p = project(
        requests_per_day=1000,
        observed_cost_per_day=None,
        baseline=Usage(100, 500, 100),
        candidate_shadow=Usage(100, 520, 150),
        baseline_price=UnitPrice(2.5, 10.0),
        candidate_price=UnitPrice(3.0, 15.0),
        candidate="new",
    )
    assert p.now_monthly_usd == pytest.approx((500 * 2.5 + 100 * 10) / 1e6 * 1000 * 30)
    assert p.after_monthly_usd == pytest.approx((520 * 3 + 150 * 15) / 1e6 * 1000 * 30)
    guess = project(
        requests_per_day=1000, observed_cost_per_day=2.0, baseline=Usage(100, 500, 100),
        candidate_shadow=None, baseline_price=None, candidate_price=None, candidate="new",
    )  # fmt: skip
    assert guess.now_monthly_usd == 60.0 and guess.after_monthly_usd is None
    assert guess.output_source == "baseline traffic" and len(guess.notes) == 2


def test_charts_escape_labels_and_handle_no_data() -> None:
    svg = charts.latency_histogram({EVIL: [1.0, 2.0, 3.0]})
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "no latency samples" in charts.latency_histogram({})
    assert "no golden eval results" in charts.pass_rate_bars({"old": (None, None, None)})
    assert "no data yet" in timecharts.agreement_chart([])
    bars = charts.pass_rate_bars({"old": (0.9, 0.85, 0.94), "new": (0.89, 0.84, 0.93)})
    assert bars.count("<rect") == 3  # background + two bars


def _html(tmp_path: Path, store_url: str) -> str:
    cfg = make_config(tmp_path, store_url)
    store = open_store(store_url)
    try:
        _seed(store)
        run = store.list_redteam_runs("support")[0]
        assert run.id is not None
        store.add_redteam_findings(
            [
                RedteamFinding(run.id, "evil", EVIL, m, success=False, output=EVIL)
                for m in ("old", "new")
            ]
        )
        return render_report(cfg, store, fmt="html", now=NOW)
    finally:
        store.close()


def test_html_escapes_everything(tmp_path: Path) -> None:
    html = _html(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    assert "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert html.count("<svg") == 10  # five charts per workload


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium")
def test_html_renders_in_chromium_without_console_errors(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "report.html"
    page_file.write_text(_html(tmp_path, f"sqlite:///{tmp_path / 's.db'}"), encoding="utf-8")
    errors: list[str] = []
    dialogs: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update"],
        )  # fmt: skip
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")
            assert page.inner_text("#overall-decision") == "NOT YET"
            assert page.locator("svg").count() == 10
            golden = page.locator("svg[aria-label^='Golden pass rate per nightly run']")
            assert golden.locator("g.series").count() == 2  # old and new, each with a band
            assert golden.locator(".band").count() == 2
            cost = page.locator("svg[aria-label^='Cost per day']")
            assert "after the swap" in str(cost.locator("g.threshold text").first.text_content())
            assert cost.locator("text.unit").first.text_content() == "$"
            assert page.locator("table.gates tr").count() == 2 * 7
            assert EVIL in page.inner_text("body")  # shown as text, not run
            box = page.locator("svg").first.bounding_box()
            assert box is not None and box["width"] > 100
        finally:
            browser.close()
    assert errors == [] and dialogs == []
    assert [u for u in requests if not u.startswith("file://")] == []
