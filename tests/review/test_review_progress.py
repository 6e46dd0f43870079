"""Review progress, the one rule: plan item 7 and the review page count the same pairs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from swapsafe.review.progress import review_progress
from swapsafe.store.records import ReviewPair, ReviewVerdict

T0 = datetime(2026, 3, 1, tzinfo=UTC)
_ids = iter(range(1, 10_000))


def v(pair: str, reviewer: str, verdict: str, minutes: int = 0) -> ReviewVerdict:
    return ReviewVerdict(pair, reviewer, verdict, T0 + timedelta(minutes=minutes), id=next(_ids))


PAIRS = [
    ReviewPair("support", "s1", "default", T0),
    ReviewPair("support", "s2", "default", T0),
    ReviewPair("support", "s3", "other", T0),
    ReviewPair("search", "q1", "default", T0),
    ReviewPair("support", "s1", "other", T0),  # the same pair in a second queue counts once
]


def test_only_standing_judgements_count() -> None:
    rows = [
        v("s1", "ann", "same", 1),
        v("s1", "bob", "new_better", 2),  # a second reviewer: still one pair
        v("s2", "ann", "skip", 3),  # a skip is no judgement
        v("s3", "ann", "old_better", 4),
        v("s3", "ann", "undo", 5),  # undone
        v("q1", "bob", "both_bad", 6),
        v("elsewhere", "bob", "same", 7),  # not a sampled pair of these workloads
    ]
    p = review_progress(PAIRS, rows, ["support", "search"])
    assert p.reviewed_pairs == 2 and p.verdicts == 3
    assert p.workloads["support"].reviewed_pairs == 1
    assert p.workloads["support"].verdicts == 2
    assert p.workloads["support"].last_verdict_at == T0 + timedelta(minutes=2)
    assert p.workloads["search"].reviewed_pairs == 1
    assert p.by_reviewer == [("bob", 2), ("ann", 1)]


def test_workloads_limit_what_is_counted() -> None:
    rows = [v("s1", "ann", "same"), v("q1", "ann", "same")]
    p = review_progress(PAIRS, rows, ["search"])
    assert p.reviewed_pairs == 1 and list(p.workloads) == ["search"]
    assert p.by_reviewer == [("ann", 1)]


def test_nothing_reviewed() -> None:
    p = review_progress([], [], ["support"])
    assert (p.reviewed_pairs, p.verdicts, p.by_reviewer) == (0, 0, [])
    assert p.workloads["support"].last_verdict_at is None
