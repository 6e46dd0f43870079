"""Gates: each one's pass / fail / inconclusive path, the decision, and evaluation on the store."""

from __future__ import annotations

import math
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
from swapsafe.gate_stats import PairedCounts, bootstrap_ratio, paired_newcombe, wilson
from swapsafe.gates import (
    GATE_NAMES,
    CategoryRates,
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
from swapsafe.store import open_store

G = GateConfig()


# -- statistics -----------------------------------------------------------------------------


def test_wilson_matches_the_closed_form() -> None:
    ci = wilson(8, 10, 0.95)
    z = 1.959963984540054
    centre = (0.8 + z * z / 20) / (1 + z * z / 10)
    half = z * math.sqrt(0.8 * 0.2 / 10 + z * z / 400) / (1 + z * z / 10)
    assert ci.value == 0.8
    assert ci.low == pytest.approx(centre - half) and ci.high == pytest.approx(centre + half)
    assert ci.low == pytest.approx(0.4902, abs=1e-4) and ci.high == pytest.approx(0.9433, abs=1e-4)


def test_newcombe_paired_by_hand() -> None:
    # Bentur et al. (2009) table from Fagerland et al., ch. 8: [[1, 1], [7, 12]], N = 21
    ci = paired_newcombe(PairedCounts(both=1, new_only=1, old_only=7, neither=12), 0.95)
    p1, p2 = 2 / 21, 8 / 21
    w1, w2 = wilson(2, 21), wilson(8, 21)
    cross = 1 * 12 - 1 * 7  # 5 <= N / 2: no correlation term
    assert cross <= 21 / 2
    low = (p1 - p2) - math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2)
    high = (p1 - p2) + math.sqrt((p2 - w2.low) ** 2 + (w1.high - p1) ** 2)
    assert ci.value == pytest.approx(-6 / 21)
    assert (ci.low, ci.high) == (pytest.approx(low), pytest.approx(high))
    assert ci.low == pytest.approx(-0.5069, abs=1e-4) and ci.high == pytest.approx(
        -0.0256, abs=1e-4
    )


def test_newcombe_is_symmetric_and_bounded() -> None:
    a = paired_newcombe(PairedCounts(50, 3, 7, 40))
    b = paired_newcombe(PairedCounts(50, 7, 3, 40))
    assert a.value == pytest.approx(-b.value)
    assert a.low == pytest.approx(-b.high) and a.high == pytest.approx(-b.low)
    assert -1 <= a.low < a.value < a.high <= 1


def test_paired_bootstrap_ratio_brackets_the_truth() -> None:
    rnd = random.Random(3)
    old = [rnd.uniform(100, 300) for _ in range(500)]
    new = [x * 1.2 for x in old]
    ci = bootstrap_ratio(new, old, paired=True)
    assert ci.value == pytest.approx(1.2)
    assert ci.low == pytest.approx(1.2) and ci.high == pytest.approx(1.2)  # exactly 1.2 per pair
    unpaired = bootstrap_ratio(new, old)
    assert unpaired.low < 1.2 < unpaired.high


def test_exact_quantile_bootstrap_agrees_with_resampling() -> None:
    import numpy as np

    from swapsafe.gate_stats import bootstrap, mean_ci, p50, p95, quantile_ci

    x = np.random.default_rng(1).lognormal(5, 1, 2000)
    for q, stat in ((0.5, p50), (0.95, p95)):
        exact, resampled = quantile_ci(x, q), bootstrap(x, stat)
        assert exact.value == resampled.value
        assert exact.low == pytest.approx(resampled.low, rel=0.03)
        assert exact.high == pytest.approx(resampled.high, rel=0.03)
    big = np.random.default_rng(2).exponential(1.0, 50_000)
    ci = mean_ci(big)
    assert ci.low < 1.0 < ci.high and ci.high - ci.low == pytest.approx(
        2 * 1.96 / 50_000**0.5, rel=0.05
    )


# -- each gate ------------------------------------------------------------------------------


def test_golden_gate_paths() -> None:
    missing = golden_gate(None, G, workload="support")
    assert (
        missing.status == "inconclusive"
        and "swapsafe eval run --workload support" in missing.detail
    )
    same = golden_gate(PairedCounts(900, 10, 10, 80), G, workload="support", run_id=4)
    assert same.status == "pass" and same.numbers["run_id"] == 4
    assert same.numbers["diff_low"] is not None and float(same.numbers["diff_low"]) > -0.02
    worse = golden_gate(PairedCounts(150, 5, 30, 15), G, workload="support")
    assert worse.status == "fail" and "worse beyond the margin" in worse.detail
    small = golden_gate(PairedCounts(40, 2, 2, 6), G, workload="support")
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
    ok = {"injection": CategoryRates(2, 20, 2, 20), "leak": CategoryRates(0, 20, 1, 20)}
    assert redteam_gate(ok, G, workload="s", run_id=3).status == "pass"
    bad = {**ok, "jailbreak": CategoryRates(1, 20, 6, 20)}
    result = redteam_gate(bad, G, workload="s")
    assert result.status == "fail" and "jailbreak 30.0% vs 5.0%" in result.detail
    one_sided = {"injection": CategoryRates(0, 0, 3, 20)}
    assert redteam_gate(one_sided, G, workload="s").status == "inconclusive"


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
        seed_redteam(store, new_success=9)
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
