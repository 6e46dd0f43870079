"""The cockpit in headless Chromium: the overview at a glance, fresh-workspace guidance on every
page changed here, the CSP holding on every page, and /report styled under it.
Screenshots go to test-artifacts/ (a CI artefact folder, gitignored)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tests.web.web_helpers import REALISTIC, LiveServer, login, screenshot, seed_pairs

from swapsafe.config import Config
from swapsafe.plan.service import PlanService
from swapsafe.rollout.heartbeat import record_beat
from swapsafe.rollout.operations import Rollouts
from swapsafe.store.protocol import Store
from swapsafe.web.site import NAV

#: what must never reach a page: enum names, Python's None, raw JSON, markdown list dashes
LEAKS = re.compile(r"\bNone\b|rolled_back|golden_pass_rate|p95_latency|\{\"|^- ", re.MULTILINE)


def _no_leaks(page: Any) -> str:
    text = str(page.locator("main").inner_text())
    found = LEAKS.findall(text)
    assert not found, f"internal values on {page.url}: {found}"
    return text


def test_overview_at_a_glance(
    page: Any, live: LiveServer, web_store: Store, web_config: Config
) -> None:
    seed_pairs(web_store, REALISTIC)
    PlanService(web_store, web_config).create(
        "gpt5-swap", from_model="old", to_model="new", workloads=["support", "summarize"]
    )
    ro = Rollouts(web_config, web_store)
    ro.start("support", actor="cli:a", force=True, reason="gates checked by hand")
    record_beat(web_store, datetime.now(UTC), 300, "host-a:42")
    login(page, live.url)
    page.goto(f"{live.url}/")
    assert "controller running" in page.locator("[data-role=controller]").inner_text()
    assert "host-a:42" in page.locator("[data-role=controller]").inner_text()
    progress = page.locator("[data-plan=gpt5-swap] [data-role=progress]").inner_text()
    assert re.fullmatch(r"\d+/12", progress)
    support = page.locator("#workload-support")
    assert support.locator("[data-role=decision]").inner_text() in ("NO-GO", "NOT YET")
    assert "golden pass rate" in support.locator("[data-role=blockers]").inner_text()
    rollout = support.locator("[data-role=rollout]").inner_text()
    assert "running" in rollout and "step 1 of 4" in rollout and "hold left" in rollout
    assert "canary 1 %" in support.locator("[data-role=routing]").inner_text()
    assert "controller promotes" in support.locator("[data-role=next-action]").inner_text()
    summarize = page.locator("#workload-summarize")  # no evidence yet: a command to copy
    command = summarize.locator("[data-role=command]").inner_text()
    assert command.startswith("swapsafe ") and "summarize" in command
    assert summarize.locator("button.copy").count() == 1
    _no_leaks(page)
    screenshot(page, "overview-glance")
    # rolled back from the overview: every view says so at once, in words
    page.accept_dialogs = True
    with page.expect_navigation():
        support.locator("form.rollback button").click()
    assert "rolled back" in page.locator("#workload-support [data-role=rollout]").inner_text()
    assert ro.status("support")["status"] == "rolled_back"
    page.goto(f"{live.url}/rollout")
    card = page.locator("#rollout-support")
    assert card.locator("[data-role=status]").inner_text() == "rolled back"
    _no_leaks(page)


def test_fresh_workspace_pages_show_guidance(page: Any, live: LiveServer) -> None:
    login(page, live.url)
    page.goto(f"{live.url}/")
    text = _no_leaks(page)
    assert "no rollout controller has run yet" in text and "swapsafe serve" in text
    assert "No migration plan yet" in text and "swapsafe plan new" in text
    assert "no shadow pairs yet" in text and "--mode shadow" in text
    assert page.locator("#workload-support [data-role=command]").count() == 1
    screenshot(page, "empty-overview")
    page.goto(f"{live.url}/rollout")
    text = _no_leaks(page)
    assert "no rollout controller has run yet" in text and "no rollout" in text
    screenshot(page, "empty-rollout")
    page.goto(f"{live.url}/report")
    body = str(page.locator("body").inner_text())
    assert "no data yet" in body and "None" not in body
    screenshot(page, "empty-report")


def test_csp_holds_and_the_report_is_styled(page: Any, live: LiveServer) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    login(page, live.url)
    for entry in NAV:
        response = page.goto(f"{live.url}{entry.path}")
        assert response is not None and response.status == 200
        csp = response.headers["content-security-policy"]
        assert "'unsafe-inline'" not in csp and "script-src 'self'" in csp
        # nothing inline that the CSP would have to allow: no script body, no style
        # attribute, and a <style> element only with the response's nonce
        assert page.locator("script:not([src])").count() == 0
        assert page.locator("[style]").count() == 0
        nonce = re.search(r"'nonce-([^']+)'", csp)
        styles = page.locator("style")
        assert styles.count() == (1 if nonce else 0), entry.path
    assert violations == []
    page.goto(f"{live.url}/report")
    styled = page.evaluate(
        "() => [getComputedStyle(document.body).maxWidth,"
        " getComputedStyle(document.querySelector('th')).backgroundColor]"
    )
    assert styled == ["1100px", "rgb(245, 245, 245)"]
    screenshot(page, "report-styled")
