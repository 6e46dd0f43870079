"""The comparison grid in real headless Chromium: 2,000 cases, filters, a click that opens the
diff, deep links and keys, the shadow-pair rows, and the empty state. Screenshots go to
test-artifacts/ (a CI artefact folder, gitignored)."""

from __future__ import annotations

from typing import Any

from tests.web.grid_helpers import seed_eval_run
from tests.web.web_helpers import (
    REALISTIC,
    REVIEWER_TOKEN,
    LiveServer,
    login,
    screenshot,
    seed_pairs,
)

from swapsafe.review.service import ReviewService
from swapsafe.store.protocol import Store


def row_ids(page: Any) -> list[str]:
    return [
        str(x)
        for x in page.locator("#grid tbody tr[data-case]").evaluate_all(
            "rows => rows.map(r => r.getAttribute('data-case'))"
        )
    ]


def test_two_thousand_cases_filter_open_and_come_back(
    page: Any, live: LiveServer, web_store: Store, web_config: Any
) -> None:
    run = seed_eval_run(web_store, web_config, 2000)
    login(page, live.url, REVIEWER_TOKEN, "rita")
    page.goto(f"{live.url}/review")
    page.click("header nav a[href='/compare']")  # linked from the nav
    page.wait_for_url(f"{live.url}/compare")
    assert len(row_ids(page)) == 50
    assert page.locator("#pager-text").inner_text() == "1–50 of 2000 rows · page 1 of 40"
    assert "% pass" in page.locator("#rate-1").inner_text()
    screenshot(page, "compare-grid")

    page.check("#f-flipped")
    page.fill("#grid-search", "case-00")
    page.click("#grid-apply")
    page.wait_for_url("**f=flipped**")
    assert row_ids(page) == [f"case-00{i}3" for i in range(10)]
    assert "q=case-00" in page.url  # the filters live in the link
    screenshot(page, "compare-grid-flipped")

    page.click("#grid tr[data-case='case-0013'] td.cell.fail a")
    page.wait_for_url("**/compare/case?**")
    assert page.locator("#case-id").inner_text() == "case-0013"
    assert "the output lacks [billing]" in page.locator("#output-2").inner_text()
    screenshot(page, "compare-case")
    page.keyboard.press("b")  # back to the grid, at this case's page and row
    page.wait_for_url("**case=case-0013**")
    assert page.locator("#deep").get_attribute("data-case") == "case-0013"

    page.goto(f"{live.url}/compare?run={run}&case=case-1234")  # a deep link
    assert page.locator("#pager-text").inner_text().startswith("1201–1250 of 2000")
    assert page.locator("tr.deep").get_attribute("data-case") == "case-1234"
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#case-id").inner_text() == "case-1235"
    page.goto(f"{live.url}/compare")
    with page.expect_navigation():
        page.keyboard.press("]")
    assert row_ids(page)[0] == "case-0050"


def test_shadow_pairs_in_the_grid_open_the_review(
    page: Any, live: LiveServer, web_store: Store, web_config: Any
) -> None:
    seed_pairs(web_store, REALISTIC)
    service = ReviewService(web_store, web_config)
    service.sample([], 10, seed=3)
    first = service.queue()[0].pair_id
    service.record(first, "rita", "new_better")
    login(page, live.url, REVIEWER_TOKEN, "rita")
    page.goto(f"{live.url}/review/results")
    page.click("text=every sampled pair in the comparison grid")
    page.wait_for_url("**source=shadow**")
    assert row_ids(page)[0] == first
    screenshot(page, "compare-shadow-pairs")
    page.click(f"#grid tr[data-case='{first}'] td.case a")
    page.wait_for_url(f"**/review?pair={first}")
    assert page.locator("#pair").get_attribute("data-pair") == first


def test_empty_grid_shows_guidance(page: Any, live: LiveServer) -> None:
    login(page, live.url, REVIEWER_TOKEN, "rita")
    page.goto(f"{live.url}/compare")
    text = page.locator("#grid-empty").inner_text()
    assert "No eval runs yet" in text and "swapsafe eval run --workload NAME" in text
    assert page.locator("#grid").count() == 0
    screenshot(page, "compare-empty")
    page.goto(f"{live.url}/compare?source=shadow")
    assert "No shadow pairs are sampled" in page.locator("#grid-empty").inner_text()
    screenshot(page, "compare-shadow-empty")
