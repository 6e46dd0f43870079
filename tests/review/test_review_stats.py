"""Verdicts with undo, win/tie/loss with Wilson CIs, Cohen's kappa (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from swapsafe.review.stats import (
    double_reviewed,
    pair_verdicts,
    reviewer_counts,
    reviewer_kappa,
    win_tie_loss,
)
from swapsafe.review.verdicts import effective, judged, last_action
from swapsafe.store.records import ReviewVerdict

T0 = datetime(2026, 1, 1, tzinfo=UTC)
_n = iter(range(1, 100_000))


def v(pair: str, reviewer: str, verdict: str, note: str | None = None) -> ReviewVerdict:
    i = next(_n)
    return ReviewVerdict(pair, reviewer, verdict, T0 + timedelta(seconds=i), note=note, id=i)


def test_undo_replays_as_a_stack() -> None:
    rows = [
        v("p1", "a", "old_better"),
        v("p2", "a", "same"),
        v("p3", "a", "skip"),
        v("p3", "a", "undo"),
        v("p2", "a", "undo"),
        v("p2", "a", "new_better", "better tone"),
    ]
    eff = effective(rows)
    assert eff[("p1", "a")].verdict == "old_better"
    assert eff[("p2", "a")].verdict == "new_better" and eff[("p2", "a")].note == "better tone"
    assert ("p3", "a") not in eff
    last = last_action(rows, "a")
    assert last is not None and last.pair_id == "p2"
    assert last_action(rows + [v("p2", "a", "undo"), v("p1", "a", "undo")], "a") is None


def test_undo_only_touches_the_reviewers_own_actions() -> None:
    rows = [v("p1", "a", "same"), v("p1", "b", "old_better"), v("p1", "b", "undo")]
    eff = effective(rows)
    assert eff == {("p1", "a"): eff[("p1", "a")]}
    assert [e.verdict for e in judged(eff)] == ["same"]


def test_win_tie_loss_per_workload_counts_each_pair_once() -> None:
    rows = [
        v("p1", "a", "new_better"),
        v("p1", "b", "new_better"),
        v("p2", "a", "old_better"),
        v("p3", "a", "same"),
        v("p4", "a", "both_bad"),
        v("q1", "a", "new_better"),
    ]
    verdicts = pair_verdicts(judged(effective(rows)))
    assert verdicts["p1"] == "new_better"
    [q, p] = win_tie_loss(verdicts, {"p1": "w", "p2": "w", "p3": "w", "p4": "w", "q1": "v"})
    assert (q.workload, q.pairs, q.win.count) == ("v", 1, 1)
    assert (p.workload, p.pairs) == ("w", 4)
    assert (p.win.count, p.tie.count, p.loss.count, p.both_bad) == (1, 2, 1, 1)
    assert p.loss.rate == 0.25 and p.loss.low < 0.25 < p.loss.high


def test_majority_and_tie_break_to_the_earliest() -> None:
    rows = [
        v("p", "a", "old_better"),
        v("p", "b", "new_better"),
        v("p", "c", "new_better"),
        v("t", "a", "same"),
        v("t", "b", "old_better"),
    ]
    verdicts = pair_verdicts(judged(effective(rows)))
    assert verdicts == {"p": "new_better", "t": "same"}


def test_reviewer_kappa_over_pairs_reviewed_twice() -> None:
    rows = [v("p1", "a", "same"), v("p1", "b", "same"), v("p2", "a", "old_better")]
    rows += [v("p2", "b", "old_better"), v("p3", "a", "new_better"), v("p3", "b", "same")]
    k = reviewer_kappa(judged(effective(rows)))
    # p_o = 2/3; p_e = (1/3 * 2/3) + (1/3 * 1/3) + (1/3 * 0) = 1/3 -> kappa = 0.5
    assert k.pairs == 3 and k.observed == pytest.approx(2 / 3) and k.kappa == pytest.approx(0.5)
    assert reviewer_kappa([]).kappa is None


def test_double_reviewed_and_reviewer_counts() -> None:
    rows = [
        v("p1", "a", "same"),
        v("p1", "b", "same"),
        v("p1", "c", "old_better"),
        v("p2", "a", "new_better"),
        v("p3", "b", "skip"),
    ]
    eff = effective(rows)
    assert double_reviewed(judged(eff)) == [("same", "same")]
    counts = {c.reviewer: c for c in reviewer_counts(eff.values())}
    assert counts["a"].judged == 2 and counts["b"].judged == 1 and counts["b"].skipped == 1
    assert counts["a"].by_verdict["new_better"] == 1
