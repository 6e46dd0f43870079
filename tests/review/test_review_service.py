"""ReviewService on SQLite and PostgreSQL: pairs from traces, sampling into the queue, verdicts,
undo, export, add to golden set."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pytest
from tests.web.web_helpers import REALISTIC, XSS_SCRIPT, PairSpec, make_config, seed_pairs, xss_spec

from swapsafe.gates.evidence import review_counts
from swapsafe.review.export import export_rows, render
from swapsafe.review.golden import add_to_golden
from swapsafe.review.service import ReviewError, ReviewService
from swapsafe.store import open_store


@pytest.fixture
def service(tmp_path: Path, store_url: str):
    cfg = make_config(tmp_path / "p", store_url)
    store = open_store(cfg.store.url)
    yield ReviewService(store, cfg)
    store.close()


def test_pairs_come_from_traces_with_old_as_baseline(service: ReviewService) -> None:
    ids = seed_pairs(service.store, REALISTIC)
    pairs = service.load_pairs("support")
    assert [p.pair_id for p in pairs] == ids
    assert all(p.old.model == "old" and p.new.model == "new" for p in pairs)
    kinds = {p.pair_id: p.agreement().disagreements for p in pairs}
    assert kinds[ids[1]] == () and kinds[ids[5]] == ()  # same text; same tool call
    assert "schema" in kinds[ids[2]] and "refusal" in kinds[ids[3]] and kinds[ids[4]] == ("error",)
    daily, n = service.agreement_trend("support")
    assert n == len(REALISTIC) and sum(d.pairs for d in daily) == n
    with pytest.raises(ReviewError, match="unknown workload"):
        service.load_pairs("nope")


def test_sample_fills_the_queue_once_per_request(service: ReviewService) -> None:
    specs = REALISTIC + [PairSpec(REALISTIC[0].user, "dup old", "dup new")]  # same request again
    seed_pairs(service.store, specs)
    first = service.sample(["support"], 3, seed=1)
    assert len(first) == 3
    assert all((p.disagreement or {}).get("types") for p in first[:2])  # disagreements first
    rest = service.sample(["support"], 100, seed=1)
    queued = service.queue()
    # the duplicate request is out, and so is the pair whose new side errored (REALISTIC[4])
    assert len(queued) == len(first) + len(rest) == len(REALISTIC) - 1
    assert len({p.pair_id for p in queued}) == len(queued)
    assert service.sample(["support"], 10) == []
    with pytest.raises(ReviewError):
        service.sample(["support"], 5, disagreement_share=2)


def test_verdicts_undo_and_next_item(service: ReviewService) -> None:
    seed_pairs(service.store, REALISTIC[:3])
    service.sample(["support"], 3, seed=2)
    order = [p.pair_id for p in service.queue()]
    service.record(order[0], "alice", "new_better", "  clearer  ")
    service.record(order[1], "alice", "skip")
    items = service.items("alice")
    nxt = service.next_item(items)
    assert nxt is not None and nxt.pair.pair_id == order[2]
    assert service.undo("alice") == order[1]
    assert service.next_item(service.items("alice")).pair.pair_id == order[1]
    eff = service.effective()
    assert eff[(order[0], "alice")].note == "clearer"
    assert (order[1], "alice") not in eff
    with pytest.raises(ReviewError, match="unknown verdict"):
        service.record(order[0], "alice", "meh")
    with pytest.raises(ReviewError, match="not in review queue"):
        service.record("not-queued", "alice", "same")
    assert service.undo("nobody") is None


def test_export_csv_and_jsonl(service: ReviewService) -> None:
    seed_pairs(service.store, [xss_spec(), *REALISTIC[:2]])
    service.sample([], 3, seed=0)
    pairs = service.queue()
    service.record(pairs[0].pair_id, "alice", "old_better", "=HYPERLINK(evil)")
    service.record(pairs[0].pair_id, "bob", "same")
    rows = export_rows(service)
    assert [(r["reviewer"], r["verdict"]) for r in rows] == [
        ("alice", "old_better"),
        ("bob", "same"),
    ]
    assert rows[0]["old_model"] == "old" and rows[0]["new_model"] == "new"
    parsed = list(csv.DictReader(io.StringIO("".join(render(rows, "csv")))))
    assert parsed[0]["note"] == "'=HYPERLINK(evil)"  # no formula injection
    lines = "".join(render(rows, "jsonl")).splitlines()
    assert orjson.loads(lines[1])["reviewer"] == "bob"


def test_add_to_golden_set(service: ReviewService) -> None:
    [pid] = seed_pairs(service.store, [xss_spec()])
    service.sample(["support"], 1)
    with pytest.raises(ReviewError, match="review the pair first"):
        add_to_golden(service, pid, actor="alice")
    service.record(pid, "alice", "new_better")
    added = add_to_golden(service, pid, actor="alice")
    lines = added.path.read_text().splitlines()
    case = orjson.loads(lines[-1])
    assert case["id"] == f"review-{pid}"
    assert case["input"][0] == {"role": "system", "content": "You are a support agent."}
    assert XSS_SCRIPT in case["ideal"] and case["ideal"].startswith("Here it is")
    assert case["metadata"]["source"] == "review" and case["metadata"]["model"] == "new"
    with pytest.raises(ReviewError, match="already in"):
        add_to_golden(service, pid, actor="alice")
    assert [a.action for a in service.store.list_audit()][-1] == "review.golden_add" or any(
        a.action == "review.golden_add" for a in service.store.list_audit()
    )


def test_golden_refuses_both_bad_and_workloads_without_golden(service: ReviewService) -> None:
    [a] = seed_pairs(service.store, [REALISTIC[0]])
    [b] = seed_pairs(
        service.store, [PairSpec("sum it up", "short", "shorter", workload="summarize")]
    )
    service.sample([], 5)
    service.record(a, "alice", "both_bad")
    service.record(b, "alice", "same")
    with pytest.raises(ReviewError, match="both answers"):
        add_to_golden(service, a, actor="alice")
    with pytest.raises(ReviewError, match="no golden file"):
        add_to_golden(service, b, actor="alice")


def test_verdicts_on_an_earlier_candidates_pairs_never_judge_the_next_one(
    service: ReviewService,
) -> None:
    """The workload's candidate changes (new -> other): the queue keeps the old verdicts, but
    neither sampling nor the review gate's counts use pairs the earlier candidate answered."""
    seed_pairs(service.store, REALISTIC)
    for row in service.sample(["support"], 3, seed=1):
        assert (row.disagreement or {})["new_model"] == "new"
        service.record(row.pair_id, "ana", "old_better")
    assert review_counts(service.store, "support", "new") == {"old_better": 3}
    wl = service.config.workloads["support"].model_copy(update={"candidate": "other"})
    moved = service.config.model_copy(
        update={"workloads": {**service.config.workloads, "support": wl}}
    )
    assert review_counts(service.store, "support", "other") == {}
    assert ReviewService(service.store, moved).sample(["support"], 10, seed=1) == []
