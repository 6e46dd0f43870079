"""Choose shadow pairs for human review (pure).

The sample is stratified by (workload, day): each stratum gets a share of ``n`` proportional
to its size (largest remainders; every non-empty stratum at least one while ``n`` allows).
Inside a stratum, ``disagreement_share`` of its places go to pairs whose answers disagree, the
rest to agreeing pairs; when one kind runs short the other fills the places. Pairs without
bodies are skipped, and so are errored pairs (a side whose call failed: an error is no answer
to judge, the ``error_rate`` gate counts it); a request (same body) is never chosen twice, nor a
pair or request already in the queue. The seed makes a sample reproducible.
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
    errored: bool = False  # a side's call failed: never a review sample
    new_model: str = ""  # the candidate model that answered

    @property
    def disagrees(self) -> bool:
        return bool(self.disagreements)


def _largest_remainder(sizes: Sequence[int], n: int) -> list[int]:
    total = sum(sizes)
    if total <= n:
        return list(sizes)
    quotas = [n * s / total for s in sizes]
    alloc = [math.floor(q) for q in quotas]
    order = sorted(range(len(sizes)), key=lambda i: (-(quotas[i] - alloc[i]), -sizes[i], i))
    for i in order[: n - sum(alloc)]:
        alloc[i] += 1
    return alloc


def allocate(sizes: Sequence[int], n: int) -> list[int]:
    """Split ``n`` places over strata of ``sizes`` proportionally, never above a stratum's size;
    every non-empty stratum gets at least one place while ``n`` allows."""
    if sum(sizes) <= n:
        return list(sizes)
    nonempty = [i for i, s in enumerate(sizes) if s]
    if n < len(nonempty):
        alloc = [0] * len(sizes)
        for i in sorted(nonempty, key=lambda i: (-sizes[i], i))[:n]:
            alloc[i] = 1
        return alloc
    base = [1 if s else 0 for s in sizes]
    rest = _largest_remainder([s - b for s, b in zip(sizes, base, strict=True)], n - len(nonempty))
    return [b + r for b, r in zip(base, rest, strict=True)]


def _dedupe(
    candidates: Iterable[Candidate], exclude_pairs: set[str], exclude_requests: set[str]
) -> list[Candidate]:
    seen_requests = set(exclude_requests)
    seen_pairs = set(exclude_pairs)
    out = []
    for c in sorted(candidates, key=lambda c: (c.day, c.pair_id)):
        if c.errored or not c.has_bodies or c.pair_id in seen_pairs:
            continue
        if c.request_key in seen_requests:
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
