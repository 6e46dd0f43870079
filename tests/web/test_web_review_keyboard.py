"""Review at the speed of a keyboard, in real headless Chromium.

A reviewer judges N pairs with key presses only (no pointer event reaches the page): each
verdict is exactly one key press and one page load, and every page after a verdict says what
was saved. The request is shown above the answers, the team's progress uses the plan's rule.
"""

from __future__ import annotations

from typing import Any

from tests.web.web_helpers import (
    REALISTIC,
    REVIEWER_TOKEN,
    LiveServer,
    PairSpec,
    login,
    screenshot,
    seed_pairs,
)

from swapsafe.plan.service import PlanService
from swapsafe.review.service import ReviewService
from swapsafe.review.verdicts import KEYS, LABELS, effective
from swapsafe.store.protocol import Store

N = 30  # pairs reviewed in the loop test; the rule holds per verdict, so N only sets the time

#: counts pointer events the page sees, per document (Playwright injects it before page scripts)
POINTER_PROBE = """
window.__pointer = 0;
for (const t of ["pointerdown", "mousedown", "click"]) {
  window.addEventListener(t, (e) => { if (e.isTrusted) window.__pointer += 1; }, true);
}
"""


def similar_pairs(n: int) -> list[PairSpec]:
    return [
        PairSpec(
            f"Order {i} arrived damaged, what now?",
            f"Sorry about order {i}. Reply with a photo and we send a new one today.",
            f"Sorry about order {i}! Reply with a photo and we will send a replacement today.",
        )
        for i in range(n)
    ]


def sample_all(store: Store, config: Any, specs: list[PairSpec]) -> list[str]:
    seed_pairs(store, specs)
    service = ReviewService(store, config)
    service.sample([], len(specs), seed=5)
    return [p.pair_id for p in service.queue()]


def test_n_verdicts_one_key_press_and_one_page_load_each(
    page: Any, live: LiveServer, web_store: Store, web_config: Any
) -> None:
    order = sample_all(web_store, web_config, similar_pairs(N))
    login(page, live.url, REVIEWER_TOKEN, "rita")
    page.add_init_script(POINTER_PROBE)
    page.goto(f"{live.url}/review")
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    presses, keys = 0, ["1", "2", "3", "4"]
    for i in range(N):
        pair_id = str(page.locator("#pair").get_attribute("data-pair"))
        assert pair_id == order[i]
        key = keys[i % 4]
        with page.expect_navigation(wait_until="load"):
            page.keyboard.press(key)
        presses += 1
        saved = page.locator("#saved").inner_text()
        assert saved == f"✓ Saved: {LABELS[KEYS[key]]} on pair {pair_id}."
        assert page.evaluate("window.__pointer") == 0
        if i == 2:
            screenshot(page, "review-saved-next-pair")
    assert presses == N and len(loads) == N  # 1 key press and 1 page load per verdict
    assert presses / N == 1 and len(loads) / N == 1
    assert page.locator("#done").inner_text().startswith(f"All {N} pairs in this view")
    assert page.locator("#team-text").inner_text() == f"{N} of 200"
    assert page.locator("#by-whom").inner_text() == f"By: rita {N}"
    eff = effective(web_store.list_review_verdicts())
    assert [eff[(p, "rita")].verdict for p in order] == [KEYS[keys[i % 4]] for i in range(N)]
    screenshot(page, "review-all-done")


def test_request_above_answers_and_the_three_comparisons(
    page: Any, live: LiveServer, web_store: Store, web_config: Any
) -> None:
    specs = [REALISTIC[0], REALISTIC[2], REALISTIC[3], REALISTIC[5]]
    order = sample_all(web_store, web_config, specs)
    login(page, live.url, REVIEWER_TOKEN, "rita")
    shown: dict[str, str] = {}
    ids: dict[str, str] = {}
    for pair_id in order:
        page.goto(f"{live.url}/review?pair={pair_id}")
        system = page.locator("#system")
        assert system.get_attribute("open") is None  # collapsed ...
        assert not page.locator("#system pre").is_visible()
        assert page.locator("#last-user pre").is_visible()  # ... the question is not
        question = page.locator("#last-user pre").inner_text()
        shown[question] = page.locator("#compare-mode").inner_text()
        ids[question] = pair_id
        if "Look up order 42" in page.locator("#last-user").inner_text():
            caption = page.locator("#tool-diff-1 caption").inner_text()
            assert "lookup_order on both sides, same arguments" in caption
            screenshot(page, "review-tool-call-diff")
        if "503" in page.locator("#last-user").inner_text():
            table = page.locator("#json-diff").inner_text()
            assert '$.urgent\tchanged\ttrue\t"yes"' in table
            assert "$.team\tonly in new" in table
            screenshot(page, "review-json-diff")
    assert shown["I was charged twice for March."].startswith("Word diff: the answers are")
    assert shown["Cancel my plan please."].startswith("Shown as written: the answers are only")
    assert shown["The API returns 503 since 10 minutes."].startswith("Both answers are JSON")
    page.goto(f"{live.url}/review?pair={ids['Cancel my plan please.']}")
    assert page.locator("#pair del").count() == 0  # unrelated answers: nothing struck through
    page.keyboard.press("c")
    assert page.locator("#system pre").is_visible()
    assert page.locator("#system pre").inner_text() == "You are a support agent."
    screenshot(page, "review-request-and-plain-answers")


def test_team_progress_is_the_plans_count_with_who_did_what(
    page: Any, browser: Any, live: LiveServer, web_store: Store, web_config: Any
) -> None:
    order = sample_all(web_store, web_config, similar_pairs(6))
    service = ReviewService(web_store, web_config)
    for pair_id in order[:3]:
        service.record(pair_id, "sam", "same")
    service.record(order[3], "sam", "skip")  # a skip is no review
    login(page, live.url, REVIEWER_TOKEN, "rita")
    page.goto(f"{live.url}/review")
    for _ in range(2):  # rita judges the first two pairs again: still 3 pairs for the team
        with page.expect_navigation():
            page.keyboard.press("3")
    plans = PlanService(web_store, web_config)
    plan = plans.create("swap", from_model="old", to_model="new", workloads=["support"])
    item = next(s for s in plans.view(plan, record=False).items if s.item.key == "review")
    assert item.evidence.summary.startswith("3/200 pairs reviewed")
    page.goto(f"{live.url}/review")
    assert page.locator("#team-text").inner_text() == "3 of 200"
    assert page.locator("#by-whom").inner_text() == "By: sam 3 · rita 2"
    screenshot(page, "review-team-progress")


def test_empty_review_and_results_pages_show_guidance(
    page: Any, live: LiveServer, web_store: Store, web_config: Any
) -> None:
    login(page, live.url, REVIEWER_TOKEN, "rita")
    page.goto(f"{live.url}/review")
    empty = page.locator("#empty").inner_text()
    assert "No pairs to review yet" in empty and "swapsafe review sample --n 200" in empty
    assert page.locator("#team-text").inner_text() == "0 of 200"
    assert page.locator("#by-whom").inner_text() == "No verdicts yet."
    assert page.locator("#sample").is_visible()  # the sample form is open, not hidden
    screenshot(page, "review-empty")
    page.goto(f"{live.url}/review/results")
    assert "No pair has a verdict yet" in page.locator("#no-reviewed").inner_text()
    assert "Nobody has reviewed yet." in page.locator("#reviewers").inner_text()
    text = page.locator("main").inner_text()
    assert "None" not in text and "nan" not in text.split()
    screenshot(page, "review-results-empty")
