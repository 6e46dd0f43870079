"""Sampling (pure): stratification, disagreement priority, no duplicates, reproducibility."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from swapsafe.review.sampling import Candidate, allocate, sample

D0 = date(2026, 3, 1)


def pool(workload: str, day: int, n: int, disagree: int, prefix: str = "") -> list[Candidate]:
    return [
        Candidate(
            pair_id=f"{prefix}{workload}-{day}-{i}",
            workload=workload,
            day=D0 + timedelta(days=day),
            request_key=f"{prefix}{workload}-{day}-{i}",
            disagreements=("text",) if i < disagree else (),
        )
        for i in range(n)
    ]


def test_allocation_is_proportional_and_exact() -> None:
    assert allocate([50, 30, 20], 10) == [5, 3, 2]
    assert allocate([5, 5], 20) == [5, 5]
    assert sum(allocate([97, 2, 1], 10)) == 10
    assert allocate([97, 2, 1], 10)[1:] == [1, 1]  # small strata still get a place


def test_stratified_by_workload_and_day() -> None:
    cands = pool("a", 0, 100, 10) + pool("a", 1, 100, 10) + pool("b", 0, 200, 10)
    chosen = sample(cands, 40, seed=1)
    strata = Counter((c.workload, c.day) for c in chosen)
    assert strata == {("a", D0): 10, ("a", D0 + timedelta(days=1)): 10, ("b", D0): 20}


def test_disagreements_get_their_share_and_come_first() -> None:
    cands = pool("a", 0, 100, 30)
    chosen = sample(cands, 20, disagreement_share=0.5, seed=3)
    assert sum(c.disagrees for c in chosen) == 10
    assert all(c.disagrees for c in chosen[:10])
    # too few disagreements: agreeing pairs fill the places, and the reverse
    assert sum(c.disagrees for c in sample(pool("a", 0, 100, 3), 20, seed=1)) == 3
    assert len(sample(pool("a", 0, 12, 10), 20, disagreement_share=0.0, seed=1)) == 12
    only = sample(pool("a", 0, 100, 40), 20, disagreement_share=1.0, seed=1)
    assert all(c.disagrees for c in only)


def test_never_the_same_request_twice_and_no_bodies_skipped() -> None:
    cands = pool("a", 0, 10, 5)
    dup = [Candidate(f"dup-{i}", "a", D0, request_key=cands[0].request_key) for i in range(5)]
    nobody = [Candidate("nobody", "a", D0, request_key="nb", has_bodies=False)]
    chosen = sample(cands + dup + nobody, 100, seed=1)
    keys = [c.request_key for c in chosen]
    assert len(keys) == len(set(keys)) == 10
    assert "nobody" not in {c.pair_id for c in chosen}
    again = sample(
        cands,
        100,
        seed=1,
        exclude_pairs=[cands[1].pair_id],
        exclude_requests=[cands[2].request_key],
    )
    assert {c.pair_id for c in again} == {c.pair_id for c in cands} - {
        cands[1].pair_id,
        cands[2].pair_id,
    }


def test_seed_makes_it_reproducible() -> None:
    cands = pool("a", 0, 200, 50) + pool("b", 2, 100, 5)
    assert sample(cands, 30, seed=9) == sample(list(reversed(cands)), 30, seed=9)
    assert sample(cands, 30, seed=9) != sample(cands, 30, seed=10)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        sample([], 5, disagreement_share=1.5)
    with pytest.raises(ValueError):
        sample([], -1)


@given(
    sizes=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=6),
    n=st.integers(0, 120),
    share=st.floats(0, 1),
)
def test_sample_properties(sizes: list[tuple[int, int]], n: int, share: float) -> None:
    cands = []
    for i, (size, disagree) in enumerate(sizes):
        cands += pool(f"w{i % 2}", i, size, min(disagree, size), prefix=f"s{i}-")
    chosen = sample(cands, n, disagreement_share=share, seed=0)
    assert len(chosen) == min(n, len(cands))
    assert len({c.pair_id for c in chosen}) == len(chosen)
    flags = [c.disagrees for c in chosen]
    assert flags == sorted(flags, reverse=True)  # disagreements first


def test_errored_pairs_are_never_sampled() -> None:
    """A pair whose side failed is an error (the error_rate gate's), not an answer to judge."""
    cands = pool("a", 0, 10, 0)
    broken = [
        Candidate(f"e{i}", "a", D0, f"e{i}", disagreements=("error",), errored=True)
        for i in range(5)
    ]
    chosen = sample(cands + broken, 100, seed=1)
    assert len(chosen) == 10 and not any(c.errored for c in chosen)
