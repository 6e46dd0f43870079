"""Review results (pure): win / tie / loss of the new model with confidence intervals,
per-reviewer counts, and Cohen's kappa on pairs reviewed twice.

Each pair counts once: its verdict is the majority of its reviewers' judgements (a tie goes
to the earliest of the tied verdicts). From the new model's side: ``new_better`` is a win,
``old_better`` a loss, ``same`` a tie; ``both_bad`` is reported on its own and counts as a
tie in the win/tie/loss shares. Intervals are Wilson score intervals.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

from swapsafe.review.verdicts import (
    BOTH_BAD,
    JUDGEMENTS,
    NEW_BETTER,
    OLD_BETTER,
    SAME,
    SKIP,
    Effective,
)


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion; (0, 1) when n == 0."""
    if n == 0:
        return (0.0, 1.0)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


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


@dataclass(frozen=True)
class Kappa:
    pairs: int  # pairs judged by at least two reviewers
    observed: float | None  # share of those pairs where the two agree
    kappa: float | None  # None when undefined (no pairs, or a single category throughout)


def cohens_kappa(
    ratings: Sequence[tuple[str, str]], categories: Sequence[str] = JUDGEMENTS
) -> Kappa:
    """Cohen's kappa for two ratings per item."""
    n = len(ratings)
    if n == 0:
        return Kappa(0, None, None)
    po = sum(a == b for a, b in ratings) / n
    first = Counter(a for a, _ in ratings)
    second = Counter(b for _, b in ratings)
    pe = sum(first[c] / n * second[c] / n for c in categories)
    if pe >= 1.0:
        return Kappa(n, po, None)
    return Kappa(n, po, (po - pe) / (1 - pe))


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
