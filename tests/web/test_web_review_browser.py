"""The review page in real headless Chromium: keyboard verdicts, persistence, undo, XSS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.web.web_helpers import (
    REALISTIC,
    REVIEWER_TOKEN,
    XSS_IMG,
    XSS_SCRIPT,
    LiveServer,
    login,
    screenshot,
    seed_pairs,
    xss_spec,
)

from swapsafe.review.service import ReviewService
from swapsafe.review.verdicts import effective
from swapsafe.store.protocol import Store


def _queue(store: Store, web_config: Any, specs: list[Any]) -> list[str]:
    seed_pairs(store, specs)
    service = ReviewService(store, web_config)
    service.sample([], len(specs), seed=4)
    return [p.pair_id for p in service.queue()]


def _pair_id(page: Any) -> str:
    return str(page.locator("#pair").get_attribute("data-pair"))


def _press(page: Any, key: str) -> None:
    """Press a shortcut and wait until the next page has loaded."""
    with page.expect_navigation():
        page.keyboard.press(key)


def test_review_three_pairs_with_the_keyboard_reload_and_undo(
    page: Any, live: LiveServer, web_store: Store, web_config: Any
) -> None:
    order = _queue(web_store, web_config, REALISTIC)
    login(page, live.url, REVIEWER_TOKEN, "rita")
    page.goto(f"{live.url}/review")
    assert page.locator("#progress-text").inner_text() == f"0 / {len(order)}"
    assert page.locator("#progress").get_attribute("value") == "0"
    seen = []
    for key in ("1", "2", "3"):
        seen.append(_pair_id(page))
        _press(page, key)
    assert seen == order[:3]
    assert page.locator("#progress-text").inner_text() == f"3 / {len(order)}"
    assert page.locator("#progress").get_attribute("value") == "3"
    screenshot(page, "review-after-three")

    eff = effective(web_store.list_review_verdicts())
    assert [eff[(p, "rita")].verdict for p in order[:3]] == ["old_better", "same", "new_better"]

    page.reload()  # nothing lost on reload
    assert page.locator("#progress-text").inner_text() == f"3 / {len(order)}"
    assert _pair_id(page) == order[3]

    _press(page, "u")  # undo brings the third pair back
    assert _pair_id(page) == order[2]
    assert page.locator("#progress-text").inner_text() == f"2 / {len(order)}"
    assert (order[2], "rita") not in effective(web_store.list_review_verdicts())

    page.keyboard.press("n")  # note, then verdict 4
    page.keyboard.type("both miss the refund date")
    page.keyboard.press("Escape")
    _press(page, "4")
    eff = effective(web_store.list_review_verdicts())
    assert eff[(order[2], "rita")].verdict == "both_bad"
    assert eff[(order[2], "rita")].note == "both miss the refund date"
    assert page.locator("#progress-text").inner_text() == f"3 / {len(order)}"

    _press(page, "s")  # skip is saved but does not count as reviewed
    assert page.locator("#progress-text").inner_text() == f"3 / {len(order)}"
    assert eff_of(web_store, order[3]) == "skip"
    assert page.dialogs == []


def eff_of(store: Store, pair_id: str, reviewer: str = "rita") -> str | None:
    e = effective(store.list_review_verdicts()).get((pair_id, reviewer))
    return e.verdict if e else None


def test_several_reviewers_and_the_results_page(
    page: Any, browser: Any, live: LiveServer, web_store: Store, web_config: Any
) -> None:
    order = _queue(web_store, web_config, REALISTIC[:3])
    login(page, live.url, REVIEWER_TOKEN, "rita")
    page.goto(f"{live.url}/review")
    for key in ("3", "3", "2"):
        _press(page, key)
    other = browser.new_context().new_page()
    login(other, live.url, REVIEWER_TOKEN, "sam")
    other.goto(f"{live.url}/review")
    assert other.locator("#progress-text").inner_text() == "0 / 3"  # progress is per reviewer
    for key in ("3", "1", "2"):
        with other.expect_navigation():
            other.keyboard.press(key)
    other.goto(f"{live.url}/review/results")
    row = other.locator("#wtl tr[data-workload=support]")
    assert "3" in row.inner_text()
    assert "Cohen's kappa, 3 pairs reviewed twice" in other.locator("#kappa").inner_text()
    reviewers = other.locator("#reviewers").inner_text()
    assert "rita" in reviewers and "sam" in reviewers
    with other.expect_download() as download:
        other.click("#export-csv")
    text = Path(download.value.path()).read_text()
    assert text.startswith("pair_id,workload,reviewer,verdict")
    assert text.count("\n") == 7  # header + 2 reviewers x 3 pairs
    screenshot(other, "review-results")
    other.context.close()
    assert set(order) <= {line.split(",")[0] for line in text.splitlines()[1:]}


def test_model_output_is_shown_as_text_never_run(
    page: Any, live: LiveServer, web_store: Store, web_config: Any
) -> None:
    _queue(web_store, web_config, [xss_spec()])
    login(page, live.url)
    page.goto(f"{live.url}/review")
    old_side = page.locator("#side-old .diff").inner_text()
    new_side = page.locator("#side-new .diff").inner_text()
    assert XSS_SCRIPT in old_side
    assert XSS_IMG in new_side and XSS_SCRIPT in new_side
    assert page.locator("#pair img").count() == 0
    assert page.locator("#pair script").count() == 0
    assert XSS_IMG in page.locator("#last-user").inner_text()  # the question, shown as text
    screenshot(page, "review-xss")
    page.goto(f"{live.url}/")  # overview and results render the same data
    page.goto(f"{live.url}/review/results")
    assert page.dialogs == []
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_results_preview_each_pair_and_add_them_to_the_golden_set_in_bulk(
    page: Any, live: LiveServer, web_store: Store, web_config: Any
) -> None:
    order = _queue(web_store, web_config, REALISTIC)
    service = ReviewService(web_store, web_config)
    verdicts = ["new_better", "same", "both_bad", "old_better", "new_better"]
    for pair_id, verdict in zip(order, verdicts, strict=False):
        service.record(pair_id, "rita", verdict)
    login(page, live.url, REVIEWER_TOKEN, "rita")
    page.goto(f"{live.url}/review/results")
    rows = page.locator("#reviewed tr[data-pair]")
    assert rows.count() == 5
    text = page.locator("#reviewed").inner_text()
    assert "I was charged twice for March." in text  # a preview: the question ...
    assert "old: I see a duplicate charge" in text and "new: I found the duplicate" in text
    assert text.count("both bad: no reference") == 1
    assert page.locator("#reviewed input.pick").count() == 4
    screenshot(page, "review-results-preview")
    page.check("#select-all")
    assert page.locator("#reviewed input.pick:checked").count() == 4
    with page.expect_navigation():
        page.click("#golden-bulk")
    assert (
        page.locator("#flash").inner_text().startswith("Added 4 cases to the golden set: review-")
    )
    golden = web_config.workloads["support"].golden.read_text()
    assert golden.count('"source":"review"') == 4
    assert page.locator("#reviewed").inner_text().count("in the golden set") == 4
    assert page.locator("#reviewed input.pick").count() == 0  # nothing left to add
    screenshot(page, "review-results-golden-added")
