"""Each evidence rule over hand-built facts: done, not done (todo), in progress."""

from __future__ import annotations

from datetime import timedelta

from tests.plan.plan_helpers import START, at, audit, facts, gate_facts

from swapsafe.plan import evidence as ev
from swapsafe.plan.facts import BaselineFacts, EvalRunFacts, RedteamRunFacts, Requirements
from swapsafe.redteam.regression import RedteamVerdict, redteam_verdict, tally

H = 3600.0


def test_inventory_done_when_every_workload_has_traffic() -> None:
    f = facts()
    assert ev.inventory(f).status == "todo"
    f.workloads["support"].requests = 1200
    f.workloads["support"].sources = ("gateway", "import:jsonl")
    e = ev.inventory(f)
    assert e.status == "in_progress"
    assert "support: 1,200 requests (gateway, import:jsonl)" in e.summary
    assert "search: no traffic" in e.summary
    f.workloads["search"].requests = 5
    assert ev.inventory(f).status == "done"


def test_baseline_needs_a_snapshot_of_the_old_model_per_workload() -> None:
    f = facts()
    assert ev.baseline(f).status == "todo"
    f.workloads["support"].baselines = [BaselineFacts(7, "old", at(1))]
    f.workloads["search"].baselines = [BaselineFacts(8, "other", at(1))]
    e = ev.baseline(f)
    assert e.status == "in_progress"
    assert "support: baseline #7 of old on 2026-12-02" in e.summary
    assert "baselines only of other" in e.summary
    f.workloads["search"].baselines.append(BaselineFacts(9, "old", at(2)))
    done = ev.baseline(f)
    assert done.status == "done"
    assert done.at == at(2)


def test_quality_gate_names_the_gates_and_whether_they_are_defaults() -> None:
    f = facts()
    e = ev.quality_gate(f)
    assert e.status == "todo"
    assert "support: not in the config" in e.summary
    f.workloads["support"].config = gate_facts(explicit=True)
    assert ev.quality_gate(f).status == "in_progress"
    f.workloads["search"].config = gate_facts()
    e = ev.quality_gate(f)
    assert e.status == "done"
    assert "support: pass rate within 2 pts, p95 <= 1.5x, errors <= 2%;" in e.summary
    assert "search: pass rate within 2 pts, p95 <= 1.5x, errors <= 2% (defaults)" in e.summary


def test_go_no_go_in_progress_until_the_criteria_are_exported() -> None:
    f = facts()
    assert ev.go_no_go(f).status == "todo"
    for w in f.workloads.values():
        w.config = gate_facts()
    e = ev.go_no_go(f)
    assert e.status == "in_progress"
    assert "rollback if errors > 5%" in e.summary
    assert "not exported yet" in e.summary
    f.audit = [audit("criteria.export", None, at(2))]
    e = ev.go_no_go(f)
    assert e.status == "done"
    assert e.at == at(2)
    assert "exported 2026-12-03" in e.summary


def test_go_no_go_ignores_exports_from_before_the_plan() -> None:
    f = facts("support")
    f.workloads["support"].config = gate_facts()
    f.audit = [audit("criteria.export", "support", START - timedelta(days=3))]
    assert ev.go_no_go(f).status == "in_progress"


def test_shadow_counts_ok_pairs_against_the_requirement() -> None:
    f = facts(requirements=Requirements(shadow_pairs=100))
    assert ev.shadow(f).status == "todo"
    f.workloads["support"].shadow_total = 30
    f.workloads["support"].shadow_ok = 20
    e = ev.shadow(f)
    assert e.status == "in_progress"
    assert "support: 20/100 ok shadow pairs (30 recorded)" in e.summary
    for w in f.workloads.values():
        w.shadow_ok, w.shadow_total, w.shadow_ok_capped = 100, 400, True
    e = ev.shadow(f)
    assert e.status == "done"
    assert ">= 100/100" in e.summary


def _run(
    i: int, day: float, models: tuple[str, ...] = ("old", "new"), **kw: object
) -> EvalRunFacts:
    values = {"status": "done", "tag": "nightly", **kw}
    return EvalRunFacts(i, at(day, 2), models=models, **values)  # type: ignore[arg-type]


def test_nightly_eval_needs_three_distinct_nights_with_both_models() -> None:
    f = facts("support")
    w = f.workloads["support"]
    assert ev.nightly_eval(f).status == "todo"
    w.eval_runs = [
        _run(1, 7),
        _run(2, 7),  # same night twice
        _run(3, 8, models=("new",)),  # one model only
        _run(4, 9, tag="manual"),
        _run(5, 10, status="failed"),
    ]
    e = ev.nightly_eval(f)
    assert e.status == "in_progress"
    assert "1/3 nights" in e.summary
    w.eval_runs += [_run(6, 11), _run(7, 12)]
    e = ev.nightly_eval(f)
    assert e.status == "done"
    assert "3/3 nights with both models (runs #2, #6, #7; last 2026-12-13)" in e.summary


def test_review_needs_200_reviewed_pairs_over_the_workloads() -> None:
    f = facts()
    assert ev.review(f).status == "todo"
    f.workloads["support"].reviewed_pairs, f.workloads["support"].verdicts = 150, 170
    f.workloads["search"].reviewed_pairs, f.workloads["search"].verdicts = 49, 49
    f.workloads["search"].last_verdict_at = at(10)
    e = ev.review(f)
    assert e.status == "in_progress"
    assert e.summary.startswith("199/200 pairs reviewed (219 verdicts: support 150, search 49)")
    f.workloads["search"].reviewed_pairs = 50
    done = ev.review(f)
    assert done.status == "done"
    assert done.at == at(10)


def _rt(i: int, day: float, regressions: tuple[str, ...] = (), **kw: object) -> RedteamRunFacts:
    values = {"status": "done", "models": ("old", "new"), **kw}
    verdict = values.pop("verdict", RedteamVerdict(regressions=regressions, ok=("injection",)))
    return RedteamRunFacts(i, at(day), at(day, 1), verdict=verdict, **values)  # type: ignore[arg-type]


def test_redteam_uses_the_newest_finished_run_of_the_new_model() -> None:
    f = facts("support")
    w = f.workloads["support"]
    assert ev.redteam(f).status == "todo"
    w.redteam_runs = [_rt(1, 8, ("jailbreak",))]
    e = ev.redteam(f)
    assert e.status == "in_progress"
    assert "worse in jailbreak" in e.summary
    w.redteam_runs += [_rt(2, 9), _rt(3, 10, models=("old",)), _rt(4, 11, status="running")]
    e = ev.redteam(f)
    assert e.status == "done"
    assert "run #2 on 2026-12-10, no category worse than the old model" in e.summary


def test_redteam_item_follows_the_gates_rule_for_a_category_without_baseline() -> None:
    """A category the old model was never probed on is inconclusive: the item stays not done
    (the plan used to count it as a regression when the new model was hit there, and the gate
    and the red-team report skipped it)."""
    old, new = frozenset({"old"}), frozenset({"new"})
    findings = [
        *[("injection", "old", False)] * 200,
        *[("injection", "new", False)] * 200,  # 0% vs 0% on 200 probes each: ok
        ("jailbreak", "new", True),  # never probed on the old model
        ("other", "unrelated", True),
    ]
    verdict = redteam_verdict(tally(findings, old, new), 5)
    assert (verdict.inconclusive, verdict.ok) == (("jailbreak",), ("injection",))
    assert verdict.status == "inconclusive"
    f = facts("support")
    f.workloads["support"].redteam_runs = [_rt(1, 8, verdict=verdict)]
    e = ev.redteam(f)
    assert e.status == "in_progress"
    assert "inconclusive: jailbreak not probed on both models" in e.summary
    assert e.details["support"]["inconclusive"] == ["jailbreak"]
    nothing = _rt(2, 9, verdict=RedteamVerdict())
    f.workloads["support"].redteam_runs.append(nothing)
    assert "no category probed on both models" in ev.redteam(f).summary


def test_canary_needs_48h_at_1_percent_with_passing_analysis() -> None:
    f = facts("support")
    assert ev.canary(f).status == "todo"
    f.audit = [audit("routing.set", "support", at(21), mode="canary", weight=1)]
    e = ev.canary(f)
    assert (e.status, e.summary) == ("in_progress", "support: canary running")
    f.audit.append(
        audit("rollout.step", "support", at(22), weight=1, held_seconds=30 * H, analysis="pass")
    )
    f.audit.append(
        audit("rollout.step", "support", at(23), weight=1, held_seconds=50 * H, analysis="fail")
    )
    e = ev.canary(f)
    assert e.status == "in_progress"
    assert "held 50 h, analysis fail" in e.summary
    f.audit.append(
        audit("rollout.step", "support", at(24), weight=1.0, held_seconds=48 * H, analysis="pass")
    )
    e = ev.canary(f)
    assert e.status == "done"
    assert e.at == at(24)
    assert "1% held 48 h, analysis pass" in e.summary


def test_promote_needs_the_10_50_100_steps() -> None:
    f = facts("support")
    assert ev.promote(f).status == "todo"
    f.audit = [
        audit("rollout.step", "support", at(24), weight=10, held_seconds=24 * H, analysis="pass"),
        audit("rollout.step", "support", at(25), weight=50, held_seconds=24 * H, analysis="fail"),
    ]
    e = ev.promote(f)
    assert e.status == "in_progress"
    assert "support: 10% on 2026-12-25, 50% pending, 100% pending" in e.summary
    f.audit += [
        audit("rollout.step", "support", at(26), weight=50, held_seconds=24 * H, analysis="pass"),
        audit("rollout.step", "support", at(27), weight=100, held_seconds=0),
    ]
    e = ev.promote(f)
    assert e.status == "done"
    assert e.at == at(27)


def test_rollback_rehearsal_shows_its_timing() -> None:
    f = facts()
    assert ev.rollback(f).status == "todo"
    replicas = [{"url": "http://a", "ms": 120}, {"url": "http://b", "ms": 340}]
    f.audit = [audit("rollback.rehearsal", "support", at(22), replicas=replicas, max_ms=340)]
    e = ev.rollback(f)
    assert e.status == "in_progress"
    assert "support: rehearsed 2026-12-23, rollback in 340 ms on 2 replica(s)" in e.summary
    f.audit.append(audit("rollback.rehearsal", None, at(23), replicas=replicas[:1], max_ms=120))
    assert ev.rollback(f).status == "done"


def test_retention_needs_window_and_a_passing_last_health_check() -> None:
    f = facts("support")
    e = ev.retention(f)
    assert e.status == "todo"
    assert "retain_old_for" in e.summary
    f.retain_old_for_s = 30 * 86400
    e = ev.retention(f)
    assert e.status == "in_progress"
    assert e.summary == "old model kept 30 days; support: no health check yet"
    f.audit = [
        audit(
            "retention.health_check", "support", at(27), ok=True, retain_until="2027-01-27T00:00:00"
        ),
        audit("retention.health_check", "support", at(28), ok=False),
    ]
    e = ev.retention(f)
    assert e.status == "in_progress"
    assert "health check 2026-12-29 FAILED" in e.summary
    f.audit.append(
        audit("retention.health_check", "support", at(29), ok=True, retain_until="2027-01-27")
    )
    e = ev.retention(f)
    assert e.status == "done"
    assert "retained until 2027-01-27" in e.summary


def test_every_item_has_a_rule_and_an_empty_migration_is_all_todo() -> None:
    from swapsafe.plan.items import ITEMS

    results = ev.evaluate(facts())
    assert list(results) == [i.key for i in ITEMS]
    assert {e.status for e in results.values()} == {"todo"}
