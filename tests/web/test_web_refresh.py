"""Slow page inputs served stale-while-revalidate: computed once per ``ttl``, never twice at
once, and the last good value kept when a recomputation fails (no clocks read: a fake one)."""

from __future__ import annotations

import logging

import pytest

from swapsafe.exceptions import StoreError
from swapsafe.web.refresh import Refreshing


class Tick:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_computed_once_per_ttl_then_refreshed_in_the_background() -> None:
    clock, calls = Tick(), []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    cache: Refreshing[int] = Refreshing(60, clock)
    assert cache.get("k", compute).value == 1  # first load computes
    clock.now = 59
    assert cache.get("k", compute).value == 1 and len(calls) == 1  # fresh: no work
    clock.now = 61
    assert cache.get("k", compute).value == 1  # stale: served once more...
    cache.wait()
    assert len(calls) == 2 and cache.get("k", compute).value == 2  # ...while recomputed
    cache.drop("k")
    assert cache.get("k", compute).value == 3  # dropped: computed afresh


def test_a_failed_recomputation_keeps_the_last_value() -> None:
    clock = Tick()
    cache: Refreshing[str] = Refreshing(10, clock)
    cache.get("k", lambda: "good")
    clock.now = 11

    def broken() -> str:
        raise RuntimeError("store down")

    assert cache.get("k", broken).value == "good"
    cache.wait()
    assert cache.get("k", broken).value == "good"


def test_warm_computes_in_the_background_and_a_first_load_waits_for_it() -> None:
    import threading

    release, calls = threading.Event(), []

    def compute() -> int:
        calls.append(1)
        release.wait(10)
        return len(calls)

    cache: Refreshing[int] = Refreshing(60, Tick())
    cache.warm("k", compute)
    cache.warm("k", compute)  # already being computed: not started twice
    got: list[int] = []
    reader = threading.Thread(target=lambda: got.append(cache.get("k", compute).value))
    reader.start()
    reader.join(0.2)
    assert reader.is_alive() and not got  # the first load waits for the warm-up...
    release.set()
    reader.join(10)
    assert got == [1] and len(calls) == 1  # ...and takes its value: computed once
    cache.warm("k", compute)  # known: nothing to do
    cache.wait()
    assert len(calls) == 1


def test_a_failed_warm_up_leaves_the_first_load_to_compute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache: Refreshing[str] = Refreshing(60, Tick(), what="gate report")

    def broken() -> str:
        raise StoreError("store sqlite:///x.db is unavailable")

    with caplog.at_level(logging.WARNING, logger="swapsafe.web"):
        cache.warm("k", broken)
        cache.wait()
    assert cache.get("k", lambda: "computed").value == "computed"
    # a store outage is one line in the log, not a traceback
    assert [r.getMessage() for r in caplog.records] == [
        "web: the gate report of k could not be computed: store sqlite:///x.db is unavailable"
    ]
    assert all(r.exc_info is None for r in caplog.records)
