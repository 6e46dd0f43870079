"""Cohen's kappa: chance-corrected agreement of two ratings of the same items."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Kappa:
    pairs: int  # items rated twice
    observed: float | None  # share of those items where the two ratings agree
    kappa: float | None  # None when undefined (no items, or a single category throughout)


def cohens_kappa(ratings: Sequence[tuple[str, str]], categories: Sequence[str]) -> Kappa:
    """Cohen's kappa for two ratings per item over ``categories``."""
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
