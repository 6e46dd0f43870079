"""The rollout page in headless Chromium: status, hold, cohort metrics, charts, buttons."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tests.rollout.rollout_helpers import gate_check, traces
from tests.web.web_helpers import (
    REVIEWER_TOKEN,
    XSS_SCRIPT,
    LiveServer,
    login,
    screenshot,
)

from swapsafe.config import Config
from swapsafe.rollout.operations import GateCheck, Rollouts
from swapsafe.store.protocol import Store


@pytest.fixture
def web_gates() -> GateCheck:
    """The live app's gate check: passing (the real gates are tested apart)."""
    return gate_check(ok=True)


def _accept(page: Any) -> None:
    page.accept_dialogs = True


def test_admin_drives_a_rollout_from_the_page(
    page: Any,
    live: LiveServer,
    web_store: Store,
    web_config: Config,
) -> None:
    _accept(page)
    login(page, live.url)
    page.goto(f"{live.url}/rollout")
    card = page.locator("#rollout-support")
    assert "no rollout" in card.locator("[data-role=status]").inner_text()
    card.locator("button[data-action=start]").click()
    page.wait_for_selector("#rollout-done")
    card = page.locator("#rollout-support")
    assert card.get_attribute("data-status") == "running"
    assert "canary 1 %" in card.locator("[data-role=routing]").inner_text()
    assert "left" in card.locator("[data-role=hold-left]").inner_text()
    # live cohort numbers and charts from traces in the hold
    start = Rollouts(web_config, web_store).get("support").step_started_at
    spread = (datetime.now(UTC) - start) / 2
    traces(web_store, model="new", at=start, n=60, errors=1, spread=spread, shadow_of="old")
    traces(web_store, model="old", at=start, n=80, spread=spread)
    page.goto(f"{live.url}/rollout")
    card = page.locator("#rollout-support")
    canary = card.locator(".cohort-canary").inner_text()
    assert "60" in canary and "1.67 %" in canary and "100.0 %" not in canary
    assert "80" in card.locator(".cohort-baseline").inner_text()
    assert card.locator("[data-role=outcome]").inner_text() == "pass"
    seq = card.locator("[data-role=sequential] [data-check=error_rate_vs_baseline]").inner_text()
    assert "1.67 %" in seq and "(1/60)" in seq and "1 pt" in seq and "continue" in seq
    assert "95% always-valid CS" in card.locator("[data-role=sequential]").inner_text()
    charts = card.locator("svg.chart")
    assert charts.count() == 2
    for i in range(2):  # both cohorts drawn, the baseline dashed so it shows over the canary
        assert charts.nth(i).locator("g.series[data-series=canary] polyline").count() >= 1
        baseline = charts.nth(i).locator("g.series[data-series=baseline] polyline")
        assert baseline.count() >= 1 and baseline.first.get_attribute("stroke-dasharray")
    assert "rollback trigger 5 %" in charts.nth(0).locator("g.threshold text").text_content()
    assert charts.nth(0).locator("text.unit").text_content() == "%"
    assert charts.nth(1).locator("text.unit").text_content() == "ms"
    assert "controller" in page.locator("[data-role=controller]").inner_text()
    screenshot(page, "rollout")
    card.locator("button[data-action=pause]").click()
    page.wait_for_selector("#rollout-done")
    assert page.locator("#rollout-support").get_attribute("data-status") == "paused"
    page.locator("#rollout-support button[data-action=resume]").click()
    page.wait_for_selector("#rollout-done")
    page.locator("#rollout-support button[data-action=promote]").click()
    page.wait_for_selector("#rollout-done")
    assert "canary 10 %" in page.locator("#rollout-support [data-role=routing]").inner_text()
    page.locator("#rollout-support button[data-action=rollback]").click()
    page.wait_for_selector("#rollout-done")
    card = page.locator("#rollout-support")
    assert card.get_attribute("data-status") == "rolled_back"
    assert card.locator("[data-role=status]").inner_text() == "rolled back"
    assert "rolled back" in card.locator("[data-role=routing]").inner_text()
    assert "rolled_back" not in card.inner_text() and "None" not in card.inner_text()
    step = card.locator("[data-role=current-step]")  # the step it was rolled back from: red
    classes = step.get_attribute("class") or ""
    assert "bad" in classes and "good" not in classes
    screenshot(page, "rollout-rolled-back")
    actors = {e.actor for e in web_store.list_audit("support", 100)}
    assert "web:alice" in actors


def test_errors_shown_escaped_and_reviewers_only_read(
    page: Any,
    live: LiveServer,
    web_store: Store,
    web_config: Config,
    web_gates: GateCheck,
) -> None:
    ro = Rollouts(web_config, web_store, gates=web_gates)
    ro.start("support", actor="cli:a")
    ro.pause("support", actor="cli:a", reason=XSS_SCRIPT)
    _accept(page)
    login(page, live.url)
    page.goto(f"{live.url}/rollout")
    assert XSS_SCRIPT in page.locator("#rollout-support [data-role=reason]").inner_text()
    # promote without data is refused with the reason on the page
    page.locator("#rollout-support button[data-action=promote]").click()
    page.wait_for_selector("#rollout-error")
    assert "not promoting support" in page.locator("#rollout-error").inner_text()
    assert page.dialogs == [] or all("xss" not in d for d in page.dialogs)
    # no CSRF token: refused
    r = page.request.post(f"{live.url}/rollout/support/resume", form={})
    assert r.status == 403
    # a reviewer sees the rollout but no buttons, and may not act
    page.context.clear_cookies()
    login(page, live.url, REVIEWER_TOKEN, "rita")
    page.goto(f"{live.url}/rollout")
    assert page.locator("#rollout-support").get_attribute("data-status") == "paused"
    assert page.locator("#rollout-support form").count() == 0
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    r = page.request.post(
        f"{live.url}/rollout/support/resume", headers={"x-csrf-token": token}, form={}
    )
    assert r.status == 403
    assert ro.get("support").status == "paused"
