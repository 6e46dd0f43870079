"""Review results (pure): win / tie / loss of the new model with confidence intervals,
per-reviewer counts, and Cohen's kappa on pairs reviewed twice.

Each pair counts once: its verdict is the majority of its reviewers' judgements (a tie goes
to the earliest of the tied verdicts). From the new model's side: ``new_better`` is a win,
``old_better`` a loss, ``same`` a tie; ``both_bad`` is reported on its own and counts as a
tie in the win/tie/loss shares. Intervals are Wilson score intervals and kappa is Cohen's,
both from :mod:`swapsafe.stats`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from swapsafe.review.verdicts import (
    BOTH_BAD,
    JUDGEMENTS,
    NEW_BETTER,
    OLD_BETTER,
    SAME,
    SKIP,
    Effective,
)
from swapsafe.stats import Kappa, cohens_kappa, wilson


@dataclass(frozen=True)
class Share:
    count: int
    n: int
    low: float
    high: float

    @property
    def rate(self) -> float:
        return self.count / self.n if self.n else 0.0


@dataclass(frozen=True)
class WinTieLoss:
    workload: str
    pairs: int
    win: Share
    tie: Share
    loss: Share
    both_bad: int


def pair_verdicts(judgements: Iterable[Effective]) -> dict[str, str]:
    """pair_id -> the pair's one verdict (majority; ties to the earliest tied verdict)."""
    by_pair: dict[str, list[Effective]] = {}
    for e in judgements:
        if e.verdict in JUDGEMENTS:
            by_pair.setdefault(e.pair_id, []).append(e)
    out = {}
    for pair_id, rows in by_pair.items():
        rows.sort(key=lambda e: e.row_id or 0)
        counts = Counter(e.verdict for e in rows)
        top = max(counts.values())
        out[pair_id] = next(e.verdict for e in rows if counts[e.verdict] == top)
    return out


def win_tie_loss(
    verdict_of_pair: Mapping[str, str],
    workload_of_pair: Mapping[str, str],
    confidence: float = 0.95,
) -> list[WinTieLoss]:
    """One row per workload (sorted), from each pair's verdict."""
    groups: dict[str, list[str]] = {}
    for pair_id, verdict in verdict_of_pair.items():
        groups.setdefault(workload_of_pair.get(pair_id, "?"), []).append(verdict)
    out = []
    for workload, verdicts in sorted(groups.items()):
        n = len(verdicts)
        c = Counter(verdicts)
        win, loss = c[NEW_BETTER], c[OLD_BETTER]
        tie = c[SAME] + c[BOTH_BAD]

        w, t, lo = (Share(k, n, *wilson(k, n, confidence)) for k in (win, tie, loss))
        out.append(WinTieLoss(workload, n, win=w, tie=t, loss=lo, both_bad=c[BOTH_BAD]))
    return out


@dataclass(frozen=True)
class ReviewerCount:
    reviewer: str
    judged: int
    skipped: int
    by_verdict: dict[str, int]


def reviewer_counts(eff: Iterable[Effective]) -> list[ReviewerCount]:
    groups: dict[str, list[Effective]] = {}
    for e in eff:
        groups.setdefault(e.reviewer, []).append(e)
    out = []
    for reviewer, rows in sorted(groups.items()):
        c = Counter(e.verdict for e in rows)
        out.append(
            ReviewerCount(
                reviewer=reviewer,
                judged=sum(c[v] for v in JUDGEMENTS),
                skipped=c[SKIP],
                by_verdict={v: c[v] for v in JUDGEMENTS},
            )
        )
    return out


def double_reviewed(judgements: Iterable[Effective]) -> list[tuple[str, str]]:
    """For each pair judged by two or more reviewers: the first two judgements (by time)."""
    by_pair: dict[str, list[Effective]] = {}
    for e in judgements:
        if e.verdict in JUDGEMENTS:
            by_pair.setdefault(e.pair_id, []).append(e)
    out = []
    for rows in by_pair.values():
        if len(rows) >= 2:
            rows.sort(key=lambda e: e.row_id or 0)
            out.append((rows[0].verdict, rows[1].verdict))
    return out


def reviewer_kappa(judgements: Iterable[Effective]) -> Kappa:
    """Cohen's kappa of the first two judgements of each pair reviewed twice."""
    return cohens_kappa(double_reviewed(judgements), JUDGEMENTS)
