"""The markdown export: a snapshot with a fixed clock, and GitHub checklist syntax."""

from __future__ import annotations

from pathlib import Path

from tests.plan.plan_helpers import START, at, facts, gate_facts

from swapsafe import __version__
from swapsafe.plan.evidence import evaluate
from swapsafe.plan.export import render_markdown, strip_generated
from swapsafe.plan.outlook import outlook
from swapsafe.plan.scenarios import Volume
from swapsafe.plan.status import build_view, evidence_events
from swapsafe.store.records import Plan, PlanEvent

SNAPSHOT = Path(__file__).parent / "snapshots" / "plan_export.md"


def _markdown(now_days: float = 8) -> str:
    plan = Plan("gpt5-swap", "gpt-4o", "gpt-5", START, ["support", "search"], START)
    f = facts()
    f.workloads["support"].requests, f.workloads["support"].sources = 1200, ("gateway",)
    f.workloads["search"].requests, f.workloads["search"].sources = 30, ("import:jsonl",)
    f.workloads["support"].config = gate_facts(explicit=True)
    evidence = evaluate(f)
    events = evidence_events(plan.name, evidence, [], at(1, 9))
    events += [
        PlanEvent(plan.name, 8, "tick", "cli:ann", at(2, 10), "external pentest PT-42"),
        PlanEvent(plan.name, 6, "tick", "cli:ann", at(2, 11), "wrong item"),
        PlanEvent(plan.name, 6, "untick", "cli:ann", at(2, 12), "ticked by mistake"),
    ]
    view = build_view(plan, evidence, events, at(now_days, 12))
    look = outlook(
        None,
        None,
        from_model="gpt-4o",
        to_model="gpt-5",
        now=at(8),
        volume=Volume(10_000, 1000, 200),
    )
    return render_markdown(view, look)


def test_export_matches_the_snapshot() -> None:
    expected = SNAPSHOT.read_text(encoding="utf-8").replace("{version}", __version__)
    assert _markdown() == expected


def test_export_is_a_github_checklist() -> None:
    text = _markdown()
    boxes = [line for line in text.splitlines() if line.startswith("- [")]
    assert len(boxes) == 12
    assert sum(line.startswith("- [x]") for line in boxes) == 2
    assert "- [x] **8. Red-team** — done 2026-12-03 10:00 UTC by cli:ann (manual)" in text
    assert "- [x] **1. Inventory** — done 2026-12-02 09:00 UTC by evidence" in text
    assert "- [ ] **2. Baseline** — overdue (due 2026-12-07)" in text


def test_only_the_generated_line_depends_on_the_time_of_export() -> None:
    a, b = _markdown(8), _markdown(8.5)
    assert a != b
    assert strip_generated(a) == strip_generated(b)
