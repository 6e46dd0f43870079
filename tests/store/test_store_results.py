"""Basic eval, review, red-team, plan, baseline and import bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from swapsafe.exceptions import StoreError
from swapsafe.store import (
    Baseline,
    EvalResult,
    EvalRun,
    Plan,
    PlanEvent,
    RedteamFinding,
    RedteamRun,
    ReviewPair,
    ReviewVerdict,
    SqlStore,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_eval_runs_and_results(store: SqlStore) -> None:
    run = EvalRun(
        workload="triage", started_at=T0, tag="nightly", settings={"n": 2}, models=["old", "new"]
    )
    run_id = store.create_eval_run(run)
    later = store.create_eval_run(EvalRun(workload="triage", started_at=T0 + timedelta(days=1)))
    store.create_eval_run(EvalRun(workload="other", started_at=T0))
    rows = [
        EvalResult(
            run_id=run_id,
            case_id="c1",
            model="old",
            output="a",
            passed=True,
            score=1.0,
            scores={"exact": 1},
            latency_ms=10.5,
            input_tokens=5,
            output_tokens=6,
            cost_usd=0.01,
        ),
        EvalResult(run_id=run_id, case_id="c1", model="new", passed=False, error="timeout"),
    ]
    store.add_eval_results(rows)
    store.add_eval_results([EvalResult(run_id=run_id, case_id="c1", model="old", passed=False)])
    assert store.eval_results(run_id) == sorted(rows, key=lambda r: (r.case_id, r.model))

    store.finish_eval_run(run_id, "done", finished_at=T0 + timedelta(minutes=5))
    runs = store.list_eval_runs("triage")
    assert [r.id for r in runs] == [later, run_id]
    done = runs[1]
    assert done.status == "done" and done.finished_at == T0 + timedelta(minutes=5)
    assert done.settings == {"n": 2} and done.models == ["old", "new"] and done.tag == "nightly"
    assert len(store.list_eval_runs()) == 3
    assert store.get_eval_run(run_id) == done  # one run by id, without listing them all
    assert store.get_eval_run(later + 1000) is None


def test_results_need_an_existing_run(store: SqlStore) -> None:
    with pytest.raises(StoreError):
        store.add_eval_results([EvalResult(run_id=999, case_id="c", model="m")])


def test_review_pairs_and_verdicts(store: SqlStore) -> None:
    pairs = [
        ReviewPair(
            workload="triage",
            pair_id=f"p{i}",
            queue="q1",
            sampled_at=T0 + timedelta(i),
            disagreement={"score": i / 10},
        )
        for i in range(3)
    ]
    store.add_review_pairs(pairs)
    store.add_review_pairs(pairs[:1])  # re-sampling keeps one row per queue and pair
    store.add_review_pairs([ReviewPair(workload="x", pair_id="p0", queue="q2", sampled_at=T0)])
    got = store.list_review_pairs(queue="q1")
    assert [p.pair_id for p in got] == ["p0", "p1", "p2"]
    assert got[2].disagreement == {"score": 0.2} and got[0].id is not None
    assert len(store.list_review_pairs()) == 4
    assert len(store.list_review_pairs(workload="x")) == 1

    vid = store.add_review_verdict(
        ReviewVerdict(pair_id="p1", reviewer="ann", verdict="new_better", ts=T0, note="crisper")
    )
    store.add_review_verdict(ReviewVerdict(pair_id="p2", reviewer="ann", verdict="same", ts=T0))
    [v] = store.list_review_verdicts("p1")
    assert v.id == vid and v.verdict == "new_better" and v.note == "crisper" and v.ts == T0
    assert len(store.list_review_verdicts()) == 2


def test_redteam(store: SqlStore) -> None:
    run_id = store.create_redteam_run(RedteamRun(workload="triage", started_at=T0, models=["a"]))
    findings = [
        RedteamFinding(
            run_id=run_id,
            probe_id="inj-1",
            category="injection",
            model="a",
            success=True,
            prompt="ignore",
            output="ok",
            reason="leaked",
        ),
        RedteamFinding(
            run_id=run_id,
            probe_id="jb-1",
            category="jailbreak",
            model="a",
            success=False,
            blocked=True,
        ),
    ]
    store.add_redteam_findings(findings)
    store.finish_redteam_run(run_id, "failed")
    assert store.redteam_findings(run_id) == findings
    [run] = store.list_redteam_runs("triage")
    assert run.status == "failed" and run.finished_at is not None and run.models == ["a"]
    assert store.get_redteam_run(run_id) == run
    assert store.get_redteam_run(run_id + 1) is None


def test_plans_and_events(store: SqlStore) -> None:
    plan = Plan(
        name="4o-to-5",
        from_model="gpt-4o",
        to_model="gpt-5",
        created_at=T0,
        workloads=["triage"],
        start_date=T0,
    )
    store.save_plan(plan)
    assert store.get_plan("4o-to-5") == plan
    plan.workloads.append("summaries")
    store.save_plan(plan)
    assert store.get_plan("4o-to-5") == plan
    assert store.get_plan("nope") is None
    assert store.list_plans() == [plan]

    store.add_plan_event(
        PlanEvent(
            plan="4o-to-5", item=5, action="tick", actor="auto", ts=T0, evidence={"pairs": 1200}
        )
    )
    store.add_plan_event(
        PlanEvent(
            plan="4o-to-5",
            item=5,
            action="untick",
            actor="bob",
            ts=T0 + timedelta(hours=1),
            note="redo",
        )
    )
    events = store.list_plan_events("4o-to-5")
    assert [(e.action, e.actor) for e in events] == [("tick", "auto"), ("untick", "bob")]
    assert events[0].evidence == {"pairs": 1200} and events[1].note == "redo"


def test_baselines_and_imports(store: SqlStore) -> None:
    store.add_baseline(Baseline(workload="triage", model="old", ts=T0, data={"pass_rate": 0.9}))
    store.add_baseline(
        Baseline(
            workload="triage", model="old", ts=T0 + timedelta(days=1), data={"pass_rate": 0.91}
        )
    )
    latest = store.list_baselines("triage", limit=1)
    assert [b.data for b in latest] == [{"pass_rate": 0.91}]

    assert not store.is_imported("abc")
    record = {"path": "/logs/a.jsonl", "format": "openai", "rows": 10, "calls": 12, "skipped": 1}
    assert store.mark_imported("abc", **record) is True  # type: ignore[arg-type]
    assert store.mark_imported("abc", **record) is False  # type: ignore[arg-type]
    assert store.is_imported("abc")
