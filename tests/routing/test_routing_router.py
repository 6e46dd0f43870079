"""Sticky canary assignment: stable, spread evenly, and monotone in the weight."""

from __future__ import annotations

import os
import random
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from swapsafe.gateway.router import BUCKETS, bucket, decide, sticky_key
from swapsafe.store.records import RoutingState

KEYS = [f"user-{i}" for i in range(10_000)]


def served(weight: float, key: str) -> str:
    state = RoutingState(workload="w", mode="canary", weight=weight)
    return decide(workload="w", baseline="old", candidate="new", state=state, key=key).serving


def test_raising_weight_only_moves_keys_from_baseline_to_candidate() -> None:
    previous: set[str] = set()
    for weight in (1, 10, 50, 100):
        on_candidate = {k for k in KEYS if served(weight, k) == "new"}
        assert previous <= on_candidate  # nobody goes back to the baseline
        share = len(on_candidate) / len(KEYS)
        assert abs(share - weight / 100) < 0.02, (weight, share)
        previous = on_candidate
    assert previous == set(KEYS)


def test_same_key_same_side_across_processes_and_restarts() -> None:
    # BLAKE2b of (workload, key): no per-process salt (unlike hash()), so replicas agree.
    assert bucket("support", "alice") == bucket("support", "alice")
    assert bucket("support", "alice") == 4885  # pinned: a change would reshuffle live users
    code = "from swapsafe.gateway.router import bucket; print(bucket('support', 'alice'))"
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == "4885"
    assert bucket("support", "alice") != bucket("billing", "alice")


@given(st.text(min_size=1), st.text(min_size=1))
def test_bucket_in_range(workload: str, key: str) -> None:
    assert 0 <= bucket(workload, key) < BUCKETS


@given(st.floats(min_value=0, max_value=100), st.floats(min_value=0, max_value=100), st.text())
def test_monotone_for_any_pair_of_weights(w1: float, w2: float, key: str) -> None:
    lo, hi = sorted((w1, w2))
    if served(lo, key) == "new":
        assert served(hi, key) == "new"


def test_weight_granularity_is_a_hundredth_of_a_percent() -> None:
    on = sum(served(0.01, k) == "new" for k in KEYS)
    assert 0 < on < 10  # about 1 in 10,000


def test_no_key_gets_a_random_bucket() -> None:
    state = RoutingState(workload="w", mode="canary", weight=50)
    rng = random.Random(1)
    sides = {
        decide(workload="w", baseline="a", candidate="b", state=state, key=None, rng=rng).serving
        for _ in range(50)
    }
    assert sides == {"a", "b"}


def test_shadow_is_the_other_side() -> None:
    st_ = RoutingState(workload="w", mode="canary", weight=100, shadow=True)
    r = decide(workload="w", baseline="a", candidate="b", state=st_, key="k")
    assert (r.serving, r.shadow) == ("b", "a")
    st_ = RoutingState(workload="w", mode="shadow", weight=0, shadow=True)
    r = decide(workload="w", baseline="a", candidate="b", state=st_, key="k")
    assert (r.serving, r.shadow) == ("a", "b")
    r = decide(workload="w", baseline="a", candidate=None, state=st_, key="k")
    assert (r.serving, r.shadow) == ("a", None)


def test_sticky_key_sources() -> None:
    body = {"user": "u1", "metadata": {"user_id": "m1"}}
    assert sticky_key("user", body, {}) == "u1"
    assert sticky_key("metadata.user_id", body, {}) == "m1"
    assert sticky_key("header:x-tenant", {}, {"x-tenant": "t9"}) == "t9"
    assert sticky_key("user", {}, {"x-swapsafe-user": "h1"}) == "h1"  # the header always wins
    assert sticky_key("user", {"metadata": {"user_id": "m2"}}, {}) == "m2"  # SDK fallbacks
    assert (
        sticky_key("user", {"safety_identifier": "s1", "metadata": {"user_id": "m2"}}, {}) == "s1"
    )
    assert sticky_key("user", {}, {}) is None
