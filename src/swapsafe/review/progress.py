"""Review progress, once: which shadow pairs count as reviewed (pure).

Plan item 7 ("Diff 200 real requests, human review") and the review page's team progress both
call :func:`review_progress`, so the number on the page is the number that ticks the item.

The rule: a sampled pair counts as reviewed when at least one reviewer's *standing* action on
it is a judgement (old better, same, new better, both bad). A skip is not a judgement, and an
undone verdict no longer stands (:func:`swapsafe.review.verdicts.effective` replays undos).
A pair belongs to the workload it was sampled for; verdicts on pairs outside the given
workloads are ignored. ``verdicts`` counts standing judgements: one per pair and reviewer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from swapsafe.review.verdicts import JUDGEMENTS, effective
from swapsafe.store.records import ReviewPair, ReviewVerdict


@dataclass(frozen=True)
class WorkloadProgress:
    workload: str
    reviewed_pairs: int = 0
    verdicts: int = 0
    last_verdict_at: datetime | None = None


@dataclass(frozen=True)
class ReviewProgress:
    workloads: dict[str, WorkloadProgress]
    #: reviewer -> pairs they judged (standing judgements), most first
    by_reviewer: list[tuple[str, int]] = field(default_factory=list)

    @property
    def reviewed_pairs(self) -> int:
        return sum(w.reviewed_pairs for w in self.workloads.values())

    @property
    def verdicts(self) -> int:
        return sum(w.verdicts for w in self.workloads.values())


def review_progress(
    pairs: Iterable[ReviewPair], rows: Iterable[ReviewVerdict], workloads: Iterable[str]
) -> ReviewProgress:
    """Reviewed pairs, standing judgements and reviewers, per workload in ``workloads``."""
    names = list(dict.fromkeys(workloads))
    owner: dict[str, str] = {}
    for pair in pairs:
        if pair.workload in names:
            owner.setdefault(pair.pair_id, pair.workload)
    reviewed: dict[str, set[str]] = {n: set() for n in names}
    verdicts = dict.fromkeys(names, 0)
    last: dict[str, datetime | None] = dict.fromkeys(names)
    reviewers: dict[str, int] = {}
    for (pair_id, reviewer), action in effective(rows).items():
        workload = owner.get(pair_id)
        if workload is None or action.verdict not in JUDGEMENTS:
            continue
        reviewed[workload].add(pair_id)
        verdicts[workload] += 1
        reviewers[reviewer] = reviewers.get(reviewer, 0) + 1
        previous = last[workload]
        if action.ts is not None and (previous is None or action.ts > previous):
            last[workload] = action.ts
    return ReviewProgress(
        workloads={n: WorkloadProgress(n, len(reviewed[n]), verdicts[n], last[n]) for n in names},
        by_reviewer=sorted(reviewers.items(), key=lambda kv: (-kv[1], kv[0])),
    )
