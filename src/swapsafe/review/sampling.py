"""Choose shadow pairs for human review (pure).

The sample is stratified by (workload, day): each stratum gets a share of ``n`` proportional
to its size (largest remainders; every non-empty stratum at least one while ``n`` allows).
Inside a stratum, ``disagreement_share`` of its places go to pairs whose answers disagree, the
rest to agreeing pairs; when one kind runs short the other fills the places. Pairs without
bodies are skipped, and a request (same body) is never chosen twice, nor a pair or request
already in the queue. The seed makes a sample reproducible.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Candidate:
    pair_id: str
    workload: str
    day: date
    request_key: str
    disagreements: tuple[str, ...] = ()
    has_bodies: bool = True

    @property
    def disagrees(self) -> bool:
        return bool(self.disagreements)


def allocate(sizes: Sequence[int], n: int) -> list[int]:
    """Split ``n`` places over strata of ``sizes`` proportionally, never above a stratum's size."""
    total = sum(sizes)
    if total <= n:
        return list(sizes)
    quotas = [n * s / total for s in sizes]
    alloc = [min(s, math.floor(q)) for s, q in zip(sizes, quotas, strict=True)]
    # every non-empty stratum gets one place first, as long as places remain
    for i in sorted(range(len(sizes)), key=lambda i: -quotas[i]):
        if sum(alloc) >= n:
            break
        if sizes[i] and alloc[i] == 0:
            alloc[i] = 1
    order = sorted(range(len(sizes)), key=lambda i: (-(quotas[i] - math.floor(quotas[i])), i))
    while sum(alloc) < n:
        progressed = False
        for i in order:
            if sum(alloc) >= n:
                break
            if alloc[i] < sizes[i]:
                alloc[i] += 1
                progressed = True
        if not progressed:
            break
    while sum(alloc) > n:  # only when the one-per-stratum rule overshot
        i = max(range(len(alloc)), key=lambda i: (alloc[i] - quotas[i], alloc[i]))
        alloc[i] -= 1
    return alloc


def _dedupe(
    candidates: Iterable[Candidate], exclude_pairs: set[str], exclude_requests: set[str]
) -> list[Candidate]:
    seen_requests = set(exclude_requests)
    seen_pairs = set(exclude_pairs)
    out = []
    for c in sorted(candidates, key=lambda c: (c.day, c.pair_id)):
        if not c.has_bodies or c.pair_id in seen_pairs or c.request_key in seen_requests:
            continue
        seen_pairs.add(c.pair_id)
        seen_requests.add(c.request_key)
        out.append(c)
    return out


def sample(
    candidates: Iterable[Candidate],
    n: int,
    *,
    disagreement_share: float = 0.5,
    seed: int | None = None,
    exclude_pairs: Iterable[str] = (),
    exclude_requests: Iterable[str] = (),
) -> list[Candidate]:
    """Pick up to ``n`` candidates; the result is ordered disagreements first, then by day."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0.0 <= disagreement_share <= 1.0:
        raise ValueError("disagreement_share must be between 0 and 1")
    rng = random.Random(seed)
    pool = _dedupe(candidates, set(exclude_pairs), set(exclude_requests))
    strata: dict[tuple[str, date], list[Candidate]] = {}
    for c in pool:
        strata.setdefault((c.workload, c.day), []).append(c)
    keys = sorted(strata)
    alloc = allocate([len(strata[k]) for k in keys], n)
    chosen: list[Candidate] = []
    for key, places in zip(keys, alloc, strict=True):
        group = strata[key]
        rng.shuffle(group)
        disagree = [c for c in group if c.disagrees]
        agree = [c for c in group if not c.disagrees]
        want = min(len(disagree), math.ceil(places * disagreement_share))
        take_agree = min(len(agree), places - want)
        want = min(len(disagree), places - take_agree)  # agreeing pairs ran short: fill up
        chosen += disagree[:want] + agree[:take_agree]
    chosen.sort(key=lambda c: (not c.disagrees, c.day, c.workload, c.pair_id))
    return chosen
