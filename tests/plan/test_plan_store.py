"""Evidence gathered from real store rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from swapsafe.config import Config, config_from_dict
from swapsafe.exceptions import ConfigError
from swapsafe.plan.facts import Requirements
from swapsafe.plan.service import PlanService
from swapsafe.store import SqlStore, open_store
from swapsafe.store.records import (
    Baseline,
    EvalRun,
    RedteamFinding,
    RedteamRun,
    ReviewPair,
    ReviewVerdict,
    TraceRecord,
)

NOW = datetime.now(UTC).replace(microsecond=0)  # audit rows are stamped by the store's clock
START = NOW.date() - timedelta(days=10)
H = 3600.0


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    s = open_store(store_url)
    yield s
    s.close()


def make_config(tmp_path: Path) -> Config:
    raw = {
        "models": {
            "old": {"provider": "openai", "model": "gpt-4o"},
            "new": {"provider": "openai", "model": "gpt-5"},
        },
        "workloads": {
            "support": {"baseline": "old", "candidate": "new", "gates": {"pass_rate_margin": 1.0}},
            "search": {"baseline": "old", "candidate": "new"},
        },
    }
    return config_from_dict(raw, path=tmp_path / "swapsafe.toml")


def trace(
    i: int, workload: str, role: str, model: str, status: str = "ok", **kw: object
) -> TraceRecord:
    return TraceRecord(
        request_id=f"{workload}-{role}-{i}",
        pair_id=f"{workload}-p{i}",
        ts=NOW - timedelta(hours=i + 1),
        workload=workload,
        role=role,  # type: ignore[arg-type]
        model=model,
        provider="openai",
        status=status,
        input_tokens=1000,
        output_tokens=200,
        **kw,  # type: ignore[arg-type]
    )


def seed(store: SqlStore) -> None:
    store.insert_traces(
        [trace(i, "support", "served", "old") for i in range(5)]
        + [trace(i, "search", "served", "old", source="import:jsonl") for i in range(2)]
        + [trace(i, "support", "shadow", "new") for i in range(3)]
        + [trace(9, "support", "shadow", "new", status="error")]
        + [trace(i, "search", "shadow", "new") for i in range(2)]
    )
    store.add_baseline(Baseline("support", "old", NOW - timedelta(days=9), {"pass_rate": 0.9}))
    store.add_baseline(Baseline("search", "new", NOW - timedelta(days=9)))
    for night in range(3):
        run = store.create_eval_run(
            EvalRun(
                "support", NOW - timedelta(days=night + 1), tag="nightly", models=["old", "new"]
            )
        )
        store.finish_eval_run(run)
    store.add_review_pairs(
        [ReviewPair("support", f"support-p{i}", "q1", NOW) for i in range(3)]
        + [ReviewPair("search", "search-p0", "q1", NOW)]
    )
    for pair in ("support-p0", "support-p0", "support-p1", "search-p0", "elsewhere"):
        store.add_review_verdict(ReviewVerdict(pair, "ann", "same", NOW))
    worse = store.create_redteam_run(
        RedteamRun("support", NOW - timedelta(days=2), models=["old", "new"])
    )
    store.add_redteam_findings(
        [  # 20/40 vs 0/40: worse beyond the 5-point margin by the test, not by one probe
            RedteamFinding(worse, f"p{i}", "injection", model, success=model == "new" and i < 20)
            for i in range(40)
            for model in ("old", "new")
        ]
    )
    store.finish_redteam_run(worse)
    clean = store.create_redteam_run(
        RedteamRun(
            "search",
            NOW - timedelta(days=1),
            models=["old", "new"],
            settings={"summary": {"regressions": []}},
        )
    )
    store.finish_redteam_run(clean)
    step = {"weight": 1, "held_seconds": 48 * H, "analysis": "pass"}
    for workload in ("support", "search"):
        store.add_audit(
            actor="rollout",
            action="rollout.step",
            workload=workload,
            before=None,
            after=step,
            reason="step done",
        )
    store.add_audit(
        actor="cli:ann",
        action="criteria.export",
        workload=None,
        before=None,
        after={"path": "c.md"},
        reason="export",
    )
    store.add_audit(
        actor="rollout",
        action="rollback.rehearsal",
        workload="support",
        before=None,
        after={"replicas": [{"url": "http://a", "ms": 210}], "max_ms": 210},
        reason="rehearse",
    )


def service(store: SqlStore, config: Config | None) -> PlanService:
    return PlanService(
        store, config, clock=lambda: NOW, requirements=Requirements(shadow_pairs=3, review_pairs=3)
    )


def test_evidence_from_store_rows(store: SqlStore, tmp_path: Path) -> None:
    seed(store)
    svc = service(store, make_config(tmp_path))
    plan = svc.create(
        "swap", from_model="old", to_model="gpt-5", workloads=["support", "search"], start=START
    )
    view = svc.view(plan)
    state = {s.item.key: s for s in view.items}
    assert state["inventory"].done
    assert (
        state["inventory"].evidence.summary
        == "support: 5 requests (gateway); search: 2 requests (import:jsonl)"
    )
    assert state["baseline"].evidence.status == "in_progress"  # search only has a baseline of "new"
    assert state["gate"].done
    assert "support: pass rate within 1 pts" in state["gate"].evidence.summary
    assert "(defaults)" in state["gate"].evidence.summary.split(";")[1]
    assert state["criteria"].done
    assert state["shadow"].evidence.status == "in_progress"
    assert (
        "support: >= 3/3 ok shadow pairs (4 recorded); search: 2/3"
        in state["shadow"].evidence.summary
    )
    assert state["nightly"].evidence.status == "in_progress"  # search has no nightly runs
    assert state["review"].done  # 3 distinct pairs, "elsewhere" is not the migration's
    # ann judged support-p0 twice: one standing verdict per pair and reviewer (review.progress)
    assert state["review"].evidence.summary.startswith("3/3 pairs reviewed (3 verdicts")
    assert state["redteam"].evidence.status == "in_progress"
    assert "support: run #1" in state["redteam"].evidence.summary
    assert "worse in injection" in state["redteam"].evidence.summary
    assert state["canary"].done
    assert state["promote"].evidence.status == "todo"
    assert "rollback in 210 ms on 1 replica(s)" in state["rollback"].evidence.summary
    assert state["rollback"].evidence.status == "in_progress"
    assert state["retention"].evidence.summary.startswith("old model kept 30 days")
    # the plan's "to" model is an upstream id: it resolves to the configured name "new"
    assert view.progress() == (5, 12)
    # evidence ticks are recorded once, with actor "evidence"
    events = store.list_plan_events("swap")
    assert sorted(e.item for e in events) == [1, 3, 4, 7, 9]
    assert {e.actor for e in events} == {"evidence"}
    svc.view(plan)
    assert len(store.list_plan_events("swap")) == 5


def test_manual_tick_and_untick_keep_history(store: SqlStore, tmp_path: Path) -> None:
    svc = service(store, None)
    plan = svc.create("swap", from_model="a", to_model="b", workloads=["support"], start=START)
    state = svc.tick(plan, "redteam", note="pentest PT-42", actor="cli:ann")
    assert (state.done, state.done_by, state.note) == (True, "manual", "pentest PT-42")
    state = svc.untick(plan, 8, note="covered the old prompt only", actor="cli:bob")
    assert state.state == "todo"  # due on day 20; the clock is on day 10
    events = [e for e in store.list_plan_events("swap") if e.item == 8]
    assert [(e.action, e.actor) for e in events] == [("tick", "cli:ann"), ("untick", "cli:bob")]
    with pytest.raises(ConfigError, match="no manual tick to withdraw"):
        svc.untick(plan, 8, note="again", actor="cli:bob")
    with pytest.raises(ConfigError, match="needs a note"):
        svc.tick(plan, 8, note="  ", actor="cli:bob")


def test_plan_names_and_choice(store: SqlStore) -> None:
    svc = service(store, None)
    with pytest.raises(ConfigError, match="no migration yet"):
        svc.resolve(None)
    svc.create("one", from_model="a", to_model="b", workloads=["w"])
    assert svc.resolve(None).name == "one"
    assert svc.resolve(None).start_date == datetime.combine(NOW.date(), datetime.min.time(), UTC)
    svc.create("two", from_model="a", to_model="b", workloads=["w"])
    with pytest.raises(
        ConfigError, match=r"2 migrations \(one, two\); choose one with --plan NAME"
    ):
        svc.resolve(None)
    with pytest.raises(ConfigError, match="exists"):
        svc.create("two", from_model="a", to_model="b", workloads=["w"])
    with pytest.raises(ConfigError, match="no migration named 'three'"):
        svc.resolve("three")


def test_recorded_traces_are_counted_up_to_the_cap(store: SqlStore, tmp_path: Path) -> None:
    """The plan counts recorded traces only up to ``count_cap`` and says "at least"."""
    seed(store)
    svc = PlanService(
        store,
        make_config(tmp_path),
        clock=lambda: NOW,
        requirements=Requirements(shadow_pairs=3, review_pairs=3, count_cap=4),
    )
    plan = svc.create(
        "swap", from_model="old", to_model="gpt-5", workloads=["support", "search"], start=START
    )
    state = {s.item.key: s for s in svc.view(plan).items}
    assert (
        state["inventory"].evidence.summary
        == "support: >= 4 requests (gateway); search: 2 requests (import:jsonl)"
    )
    assert "support: >= 3/3 ok shadow pairs (>= 4 recorded)" in state["shadow"].evidence.summary
