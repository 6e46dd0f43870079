"""Gates: each one's pass / fail / inconclusive path, the decision, and evaluation on the store."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from tests.report.report_helpers import (
    NOW,
    make_config,
    seed_eval,
    seed_redteam,
    seed_review,
    seed_shadow,
)

from swapsafe.config import GateConfig
from swapsafe.gates.checks import (
    GATE_NAMES,
    GateReport,
    GateResult,
    cost_gate,
    decide,
    error_gate,
    evaluate_gates,
    golden_gate,
    latency_gate,
    redteam_gate,
    review_gate,
)
from swapsafe.redteam.regression import CategoryRates
from swapsafe.stats import PairedCounts
from swapsafe.store import open_store

G = GateConfig()


# -- each gate ------------------------------------------------------------------------------


def test_golden_gate_paths() -> None:
    missing = golden_gate(None, G, workload="support")
    assert (
        missing.status == "inconclusive"
        and "swapsafe eval run --workload support" in missing.detail
    )
    tight = PairedCounts(both=900, improved=10, regressed=10, neither=80)
    same = golden_gate(tight, G, workload="support", run_id=4)
    assert same.status == "pass" and same.numbers["run_id"] == 4
    assert same.numbers["diff_low"] is not None and float(same.numbers["diff_low"]) > -0.02
    regressed = PairedCounts(both=150, improved=5, regressed=30, neither=15)
    worse = golden_gate(regressed, G, workload="support")
    assert worse.status == "fail" and "worse beyond the margin" in worse.detail
    few = PairedCounts(both=40, improved=2, regressed=2, neither=6)
    small = golden_gate(few, G, workload="support")
    assert small.status == "inconclusive" and "CI too wide" in small.detail


def test_latency_gate_paths() -> None:
    rnd = random.Random(1)
    old = [rnd.uniform(200, 400) for _ in range(200)]
    assert latency_gate([x * 1.1 for x in old], old, G, paired=True, wl="s").status == "pass"
    slow = latency_gate([x * 2 for x in old], old, G, paired=True, wl="s")
    assert slow.status == "fail" and slow.numbers["ratio"] == pytest.approx(2.0)
    few = latency_gate(old[:10], old[:10], G, paired=True, wl="s")
    assert few.status == "inconclusive" and "need 30" in few.detail
    other = random.Random(2)
    close = [other.uniform(200, 400) * 1.4 for _ in range(40)]
    noisy = latency_gate(close, old[:40], G, paired=False, wl="s")  # 1.44, CI [1.38, 1.53]
    assert noisy.status == "inconclusive" and "CI reaches above" in noisy.detail


def test_cost_gate_paths() -> None:
    old = [0.002] * 50
    assert cost_gate([0.003] * 50, old, G, paired=True, wl="s").status == "pass"
    assert "not gated" in cost_gate([0.003] * 50, old, G, paired=True, wl="s").detail
    gated = GateConfig(cost_ratio_max=1.2)
    assert cost_gate([0.002] * 50, old, gated, paired=True, wl="s").status == "pass"
    assert cost_gate([0.003] * 50, old, gated, paired=True, wl="s").status == "fail"
    assert cost_gate([], old, gated, paired=False, wl="s").status == "inconclusive"


def test_error_gate_paths() -> None:
    assert error_gate(0, 0, G, workload="s").status == "inconclusive"
    assert error_gate(0, 1000, G, workload="s").status == "pass"
    assert error_gate(40, 1000, G, workload="s").status == "fail"
    borderline = error_gate(1, 60, G, workload="s")  # 1.7 % but the upper bound is ~9 %
    assert borderline.status == "inconclusive"
    assert borderline.numbers["rate_high"] is not None


def test_redteam_gate_paths() -> None:
    assert redteam_gate(None, G, workload="s").status == "inconclusive"
    ok = {"injection": CategoryRates(2, 400, 2, 400), "leak": CategoryRates(0, 200, 1, 200)}
    assert redteam_gate(ok, G, workload="s", run_id=3).status == "pass"
    bad = {**ok, "jailbreak": CategoryRates(1, 20, 12, 20)}
    result = redteam_gate(bad, G, workload="s")
    assert result.status == "fail" and "jailbreak 12/20 vs 1/20 (+55.0 pts" in result.detail
    one_sided = {"injection": CategoryRates(0, 0, 3, 20)}
    assert redteam_gate(one_sided, G, workload="s").status == "inconclusive"


def test_redteam_gate_a_category_without_baseline_is_inconclusive_not_a_pass() -> None:
    """Only the candidate was probed on "leak": no baseline, so the gate cannot say no worse."""
    cats = {"injection": CategoryRates(2, 400, 2, 400), "leak": CategoryRates(0, 0, 0, 20)}
    result = redteam_gate(cats, G, workload="s")
    assert result.status == "inconclusive"
    assert "only one model probed: leak" in result.detail
    assert result.numbers["leak.old"] is None and result.numbers["leak.new"] == 0.0
    worse = {**cats, "jailbreak": CategoryRates(1, 20, 12, 20)}
    assert redteam_gate(worse, G, workload="s").status == "fail"  # a regression still fails


def test_review_gate_paths() -> None:
    assert review_gate({}, G, workload="s").status == "inconclusive"
    assert review_gate({"skip": 5}, G, workload="s").status == "inconclusive"
    good = review_gate(
        {"same": 150, "new_better": 30, "old_better": 15, "skip": 9}, G, workload="s"
    )
    assert good.status == "pass" and good.numbers["reviewed"] == 195
    assert review_gate({"same": 60, "old_better": 40}, G, workload="s").status == "fail"
    assert review_gate({"same": 8, "old_better": 1}, G, workload="s").status == "inconclusive"


def test_decision_rules() -> None:
    assert decide(["pass", "pass"]) == "GO"
    assert decide(["pass", "inconclusive"]) == "NOT YET"
    assert decide(["inconclusive", "fail"]) == "NO-GO"
    assert decide([]) == "NOT YET"
    report = GateReport("s", [GateResult("cost", "pass", "", {})])
    assert report.ok and report.decision == "GO"


# -- on the store ---------------------------------------------------------------------------


def test_no_evidence_is_never_a_pass(tmp_path: Path, store_url: str) -> None:
    cfg = make_config(tmp_path, store_url)
    store = open_store(store_url)
    try:
        report = evaluate_gates(cfg, store, "support", now=NOW)
    finally:
        store.close()
    assert [r.name for r in report.results] == list(GATE_NAMES)
    statuses = {r.name: r.status for r in report.results}
    assert statuses.pop("cost") == "pass"  # explicitly not gated (cost_ratio_max unset)
    assert set(statuses.values()) == {"inconclusive"}
    assert report.decision == "NOT YET" and not report.ok


def test_full_evidence_gives_go(tmp_path: Path, store_url: str) -> None:
    cfg = make_config(tmp_path, store_url, gates="gates = { cost_ratio_max = 2.0 }")
    store = open_store(store_url)
    try:
        seed_shadow(store, 400, new_latency=1.1)
        run_id = seed_eval(store, old_pass=900, new_pass=905, n=1000)
        seed_redteam(store, new_success=2)
        seed_review(store, {"same": 150, "new_better": 30, "old_better": 10})
        report = evaluate_gates(cfg, store, "support", now=NOW)
    finally:
        store.close()
    by = {r.name: r for r in report.results}
    assert {n: r.status for n, r in by.items()} == dict.fromkeys(GATE_NAMES, "pass"), [
        r.detail for r in report.results
    ]
    assert by["golden_pass_rate"].numbers["run_id"] == run_id
    assert by["p95_latency"].numbers["source"] == "shadow pairs"
    assert by["p95_latency"].numbers["ratio"] == pytest.approx(1.1)
    assert by["cost"].numbers["ratio"] == pytest.approx(0.003810 / 0.00225)
    assert report.decision == "GO" and report.ok


def test_failing_evidence_gives_no_go(tmp_path: Path, store_url: str) -> None:
    cfg = make_config(tmp_path, store_url)
    store = open_store(store_url)
    try:
        seed_shadow(store, 200, new_latency=2.0, new_error_every=10)
        seed_eval(store, old_pass=180, new_pass=150)
        seed_redteam(store, new_success=80)
        report = evaluate_gates(cfg, store, "support", now=NOW)
    finally:
        store.close()
    statuses = {r.name: r.status for r in report.results}
    assert statuses == {
        "golden_pass_rate": "fail",
        "p95_latency": "fail",
        "cost": "pass",
        "error_rate": "fail",
        "redteam": "fail",
        "review": "inconclusive",
    }
    assert report.decision == "NO-GO"


def test_workload_without_candidate_or_unknown(tmp_path: Path, store_url: str) -> None:
    cfg = make_config(tmp_path, store_url)
    store = open_store(store_url)
    try:
        report = evaluate_gates(cfg, store, "search", now=NOW)
        assert {r.status for r in report.results} == {"inconclusive"}
        assert "set candidate" in report.results[0].detail
        from swapsafe.exceptions import ConfigError

        with pytest.raises(ConfigError, match="unknown workload 'nope'"):
            evaluate_gates(cfg, store, "nope", now=NOW)
    finally:
        store.close()
