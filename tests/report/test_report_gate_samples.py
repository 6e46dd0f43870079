"""The gates' sample cap: the latency and cost gates read the newest ``GATE_SAMPLES`` shadow
pairs (or served calls) of the window, and say so whenever the window held more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from tests.report.report_helpers import NOW, make_config, seed_shadow, trace

from swapsafe.config import GateConfig
from swapsafe.gates.checks import evaluate_gates, latency_gate
from swapsafe.gates.evidence import GATE_SAMPLES, newest
from swapsafe.store import open_store

GATES = "gates = { cost_ratio_max = 2.0 }"


def test_newest_keeps_the_cap_and_says_whether_it_applied() -> None:
    asked: list[int] = []

    def read(rows: int) -> Callable[[int], list[int]]:
        def limited(limit: int) -> list[int]:
            asked.append(limit)
            return list(range(min(rows, limit)))

        return limited

    assert newest(read(GATE_SAMPLES)) == (list(range(GATE_SAMPLES)), False)
    kept, capped = newest(read(GATE_SAMPLES + 50))
    assert kept == list(range(GATE_SAMPLES)) and capped
    assert asked == [GATE_SAMPLES + 1, GATE_SAMPLES + 1]  # one row more tells "there were more"


def test_the_cap_is_named_in_the_text_and_numbers() -> None:
    old = [200.0 + i for i in range(100)]
    capped = latency_gate(old, old, GateConfig(), paired=True, wl="s", capped=True)
    assert f"the newest {GATE_SAMPLES:,} shadow pairs of the window" in capped.detail
    assert capped.numbers["capped_at"] == GATE_SAMPLES
    plain = latency_gate(old, old, GateConfig(), paired=True, wl="s")
    assert "newest" not in plain.detail and "capped_at" not in plain.numbers


def test_gates_read_only_the_newest_pairs(tmp_path: Path, store_url: str) -> None:
    """Older pairs where the candidate was 3x slower lie beyond the cap: the gates judge the
    newest GATE_SAMPLES pairs (equal latency), and the text says older ones were not read."""
    cfg = make_config(tmp_path, store_url, gates=GATES)
    store = open_store(store_url)
    try:
        old_day = NOW - timedelta(days=10)
        store.insert_traces(
            [
                trace(f"{m}-old-{i}", model=m, role=role, ts=old_day, pair_id=f"old-{i}",
                      latency_ms=ms, cost_usd=usd)
                for i in range(300)
                for m, role, ms, usd in (("old", "served", 300.0, 0.002), ("new", "shadow",
                                                                          900.0, 0.009))
            ]
        )  # fmt: skip
        seed_shadow(store, GATE_SAMPLES, new_latency=1.0, days=4)
        report = evaluate_gates(cfg, store, "support", now=NOW)
    finally:
        store.close()
    latency, cost = report.result("p95_latency"), report.result("cost")
    assert latency.status == "pass" and latency.numbers["ratio"] == pytest.approx(1.0)
    assert latency.numbers["n_new"] == GATE_SAMPLES and latency.numbers["capped_at"] == GATE_SAMPLES
    cap = f"over {GATE_SAMPLES} samples (the newest {GATE_SAMPLES:,} shadow pairs"
    assert cap in latency.detail
    assert "older ones not read" in cost.detail and cost.numbers["capped_at"] == GATE_SAMPLES


def test_no_cap_note_when_the_window_fits(tmp_path: Path, store_url: str) -> None:
    cfg = make_config(tmp_path, store_url, gates=GATES)
    store = open_store(store_url)
    try:
        seed_shadow(store, GATE_SAMPLES, new_latency=1.1, days=4)
        report = evaluate_gates(cfg, store, "support", now=NOW)
    finally:
        store.close()
    latency = report.result("p95_latency")
    assert latency.numbers["n_new"] == GATE_SAMPLES and "capped_at" not in latency.numbers
    assert "newest" not in latency.detail


def test_served_fallback_is_capped_per_model(tmp_path: Path, store_url: str) -> None:
    """Without shadow pairs each model's newest GATE_SAMPLES served calls are read."""
    cfg = make_config(tmp_path, store_url, gates=GATES)
    store = open_store(store_url)
    try:
        start = NOW - timedelta(days=3)
        store.insert_traces(
            [
                trace(f"{m}{i}", model=m, ts=start + timedelta(seconds=20 * i), latency_ms=300.0)
                for m in ("old", "new")
                for i in range(GATE_SAMPLES + 10)
            ]
        )
        report = evaluate_gates(cfg, store, "support", now=NOW)
    finally:
        store.close()
    latency = report.result("p95_latency")
    assert latency.numbers["source"] == "traffic" and latency.numbers["n_old"] == GATE_SAMPLES
    assert f"the newest {GATE_SAMPLES:,} served calls per model" in latency.detail
