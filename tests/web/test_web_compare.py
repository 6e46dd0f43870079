"""The comparison grid without a browser: pages, filters and search in the query string, deep
links, the case page, bad parameters, empty states, and no internal values on the page."""

from __future__ import annotations

import os
import re

from starlette.testclient import TestClient
from tests.web.grid_helpers import seed_eval_run
from tests.web.web_helpers import REALISTIC, REVIEWER_TOKEN, seed_pairs, web_login

from swapsafe.config import Config
from swapsafe.evals.cases import Case
from swapsafe.evals.compare import summarize
from swapsafe.plan.service import PlanService
from swapsafe.review.service import ReviewService
from swapsafe.store.protocol import Store
from swapsafe.web.app import create_web_app
from swapsafe.web.pages.compare import case_text

LEAKS = re.compile(r"\bNone\b|\bnull\b|rolled_back|old_better|new_better|both_bad|\{&#34;")


def client(config: Config, store: Store) -> TestClient:
    app = create_web_app(config, store=store, reviewer_tokens=[REVIEWER_TOKEN])
    c = TestClient(app, follow_redirects=False)
    c.__enter__()
    assert web_login(c, REVIEWER_TOKEN, "rita").status_code == 303
    return c


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr data-case="([^"]+)"', html)


def visible_text(html: str) -> str:
    body = html.split("<main>", 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", body)


def test_two_thousand_cases_in_pages_with_rates_filters_and_search(
    web_config: Config, web_store: Store
) -> None:
    run = seed_eval_run(web_store, web_config, 2000)
    c = client(web_config, web_store)
    html = c.get("/compare").text
    assert rows_of(html) == [f"case-{i:04d}" for i in range(50)]  # page 1 of 40
    assert "1–50 of 2000 rows · page 1 of 40" in html
    new = summarize("new", [r for r in web_store.eval_results(run) if r.model == "new"])
    rate = f"{new.rate * 100:.1f} % pass"
    ci = f"95 % CI {new.low * 100:.1f}–{new.high * 100:.1f} %"
    assert rate in html and ci in html and f"{new.errors} errored" in html
    assert "Question number 0: where is my refund?" in html  # the case input, from the golden set

    page3 = c.get("/compare?page=3").text
    assert rows_of(page3)[0] == "case-0100"
    flipped = c.get("/compare?f=flipped").text
    assert rows_of(flipped)[:3] == ["case-0003", "case-0013", "case-0023"]
    assert "of 200 rows (filtered from 2000)" in flipped
    both = c.get("/compare?f=failures&f=errored").text
    assert rows_of(both) == []  # no case both failed and errored
    assert "No case matches these filters" in both
    errored = c.get("/compare?f=errored").text
    assert rows_of(errored)[0] == "case-0011" and 'class="cell errored"' in errored
    assert rows_of(c.get("/compare?q=case-1999").text) == ["case-1999"]
    assert rows_of(c.get("/compare?q=refund+1234+pending").text) == []  # case 1234 passes
    assert rows_of(c.get("/compare?q=Refund+1233+pending").text) == ["case-1233"]
    assert not LEAKS.search(visible_text(html))


def test_deep_link_opens_the_page_holding_the_case_and_the_case_page(
    web_config: Config, web_store: Store
) -> None:
    run = seed_eval_run(web_store, web_config, 300)
    c = client(web_config, web_store)
    html = c.get(f"/compare?run={run}&case=case-0123").text
    assert "101–150 of 300 rows" in html
    assert '<tr data-case="case-0123" data-href="/compare/case?run=' in html
    assert 'class="deep" id="deep"' in html
    case = c.get(f"/compare/case?run={run}&case=case-0123").text
    assert "Question number 123" in case and "the output lacks [billing]" in case
    assert "Word diff" in case or "too different for a word diff" in case
    assert f'href="/compare?workload=support&amp;run={run}&amp;case=case-0123"' in case
    ok = c.get(f"/compare/case?run={run}&case=case-0000").text
    assert "Word diff: the outputs are 100 % similar." in ok
    assert not LEAKS.search(visible_text(case))


def test_bad_parameters_are_clear_errors(web_config: Config, web_store: Store) -> None:
    run = seed_eval_run(web_store, web_config, 5)
    c = client(web_config, web_store)
    assert c.get("/compare?f=bogus").status_code == 400
    assert "unknown filter 'bogus'" in c.get("/compare?f=bogus").text
    assert c.get("/compare?page=two").status_code == 400
    assert c.get("/compare?workload=nope").status_code == 404
    assert c.get("/compare?run=999").status_code == 404
    assert c.get("/compare?source=elsewhere").status_code == 400
    assert c.get(f"/compare/case?run={run}&case=nope").status_code == 404
    assert c.get("/compare/case").status_code == 404
    assert rows_of(c.get("/compare?page=99").text)[-1] == "case-0004"  # clamped to the last page


def test_empty_workspace_shows_guidance(web_config: Config, web_store: Store) -> None:
    c = client(web_config, web_store)
    evals = c.get("/compare").text
    assert 'id="grid-empty"' in evals and "swapsafe eval run --workload NAME" in evals
    shadow = c.get("/compare?source=shadow").text
    assert 'id="grid-empty"' in shadow and "swapsafe review sample --n 200" in shadow
    assert '<a href="/compare"' in evals  # in the nav
    for html in (evals, shadow):
        assert not LEAKS.search(visible_text(html))


def test_shadow_pairs_as_rows_coloured_by_the_verdict(web_config: Config, web_store: Store) -> None:
    seed_pairs(web_store, REALISTIC)
    service = ReviewService(web_store, web_config)
    service.sample([], 10, seed=3)
    queue = [p.pair_id for p in service.queue()]
    service.record(queue[0], "rita", "new_better")
    service.record(queue[1], "rita", "both_bad")
    c = client(web_config, web_store)
    html = c.get("/compare?source=shadow&workload=support").text
    assert rows_of(html) == queue
    assert "old: old" in html and "new: new" in html
    first = html.split(f'data-case="{queue[0]}"', 1)[1].split("</tr>", 1)[0]
    assert first.count('class="cell fail"') == 1 and first.count('class="cell pass"') == 1
    assert f'href="/review?pair={queue[0]}"' in first
    assert "I was charged twice for March." in html or "Cancel my plan please." in html
    assert "not judged" in html
    flipped = c.get("/compare?source=shadow&f=flipped").text
    assert rows_of(flipped) == [queue[0]]
    assert rows_of(c.get("/compare?source=shadow&f=different").text)
    assert not LEAKS.search(visible_text(html))


def test_review_pages_show_no_internal_values(web_config: Config, web_store: Store) -> None:
    seed_pairs(web_store, REALISTIC)
    service = ReviewService(web_store, web_config)
    service.sample([], 10, seed=3)
    queue = [p.pair_id for p in service.queue()]
    for pair_id, verdict in zip(queue, ("old_better", "new_better", "both_bad", "skip")):
        service.record(pair_id, "rita", verdict)
    c = client(web_config, web_store)
    pages = [c.get(f"/review?pair={p}").text for p in queue]
    pages += [c.get("/review").text, c.get("/review/results").text]
    pages.append(c.get(f"/review?saved={queue[0]}").text)
    words = re.compile(LEAKS.pattern.rsplit("|", 1)[0])  # JSON here is a model's own answer
    for html in pages:
        assert not words.search(visible_text(html)), words.search(visible_text(html))
    assert "wording differs" in "".join(pages) or "one side refused" in "".join(pages)
    missing = c.get("/review?pair=nope").text
    assert "Pair nope is not in review queue default" in missing and 'id="pair"' in missing


def test_the_plans_eval_and_review_items_link_to_the_grid_and_the_review(
    web_config: Config, web_store: Store
) -> None:
    PlanService(web_store, web_config).create(
        "swap", from_model="old", to_model="new", workloads=["support"]
    )
    html = client(web_config, web_store).get("/plan/swap").text
    nightly = html.split('id="item-6"', 1)[1].split("</tr>", 1)[0]
    review = html.split('id="item-7"', 1)[1].split("</tr>", 1)[0]
    assert 'href="/compare"' in nightly and 'href="/review"' in review


def test_an_edited_golden_file_shows_at_once(web_config: Config, web_store: Store) -> None:
    seed_eval_run(web_store, web_config, 3)
    c = client(web_config, web_store)
    assert "Question number 0: where is my refund?" in c.get("/compare").text
    golden = web_config.workloads["support"].golden
    golden.write_text('{"id": "case-0000", "input": "Where did my parcel go?"}\n')
    os.utime(golden, (1_900_000_000, 1_900_000_000))  # a new version, whatever the clock
    html = c.get("/compare").text
    assert "Where did my parcel go?" in html and "Question number 0" not in html


def test_case_text_is_the_last_user_message_or_a_system_only_case_s_message() -> None:
    chat = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]
    assert case_text(Case(id="a", input=chat)) == "Hi?"
    # an OpenAI evals text sample is imported as one system message, as the registry sends it
    assert case_text(Case(id="b", input=[{"role": "system", "content": "2+2?"}])) == "2+2?"
    assert case_text(Case(id="c", input="plain")) == "plain"
