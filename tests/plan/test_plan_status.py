"""Items, due dates and states: evidence + manual ticks + the calendar (overdue)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from tests.plan.plan_helpers import START, at, facts

from swapsafe.exceptions import ConfigError
from swapsafe.plan.evidence import evaluate
from swapsafe.plan.facts import Evidence
from swapsafe.plan.items import ITEMS, PHASES, item_by_ref
from swapsafe.plan.status import build_view, evidence_events, item_state, replay
from swapsafe.store.records import Plan, PlanEvent

PLAN = Plan("swap", "old", "new", START, ["support", "search"], START)


def test_twelve_items_in_three_phases_due_at_the_end_of_their_week() -> None:
    assert [len([i for i in ITEMS if i.phase is p]) for p in PHASES] == [4, 4, 4]
    start = date(2026, 12, 1)
    assert item_by_ref("1").due(start) == date(2026, 12, 7)
    assert item_by_ref("shadow").due(start) == date(2026, 12, 21)
    assert item_by_ref(12).due(start) == date(2026, 12, 28)


@pytest.mark.parametrize(
    ("ref", "number"), [("5", 5), ("shadow", 5), (" Red-Team ", 8), ("12", 12)]
)
def test_item_by_number_or_key(ref: str, number: int) -> None:
    assert item_by_ref(ref).number == number


@pytest.mark.parametrize("ref", ["0", "13", "shadows", ""])
def test_unknown_item_says_what_is_accepted(ref: str) -> None:
    with pytest.raises(ConfigError, match="use a number 1-12 or one of: inventory, baseline"):
        item_by_ref(ref)


def _event(item: int, action: str, actor: str, ts: datetime, note: str | None = "n") -> PlanEvent:
    return PlanEvent("swap", item, action, actor, ts, note)  # type: ignore[arg-type]


def test_state_todo_in_progress_overdue_done() -> None:
    item = item_by_ref("baseline")  # due 2026-12-07
    todo = Evidence("todo", "nothing")
    busy = Evidence("in_progress", "some")
    empty = replay([])[item.number]
    on_due_day = datetime(2026, 12, 7, 23, 59, tzinfo=UTC)
    day_after = datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
    assert item_state(item, todo, empty, START.date(), on_due_day).state == "todo"
    assert item_state(item, busy, empty, START.date(), on_due_day).state == "in_progress"
    assert item_state(item, busy, empty, START.date(), day_after).state == "overdue"
    done = item_state(item, Evidence("done", "all", at=at(3)), empty, START.date(), day_after)
    assert (done.state, done.done_by, done.done_at) == ("done", "evidence", at(3))


def test_manual_tick_needs_history_and_untick_withdraws_it() -> None:
    events = [
        _event(8, "tick", "cli:ann", at(9), "pentest PT-42"),
        _event(8, "untick", "cli:bob", at(10), "old prompt only"),
        _event(8, "tick", "cli:ann", at(11), "retested"),
    ]
    h = replay(events)[8]
    state = item_state(item_by_ref(8), Evidence("todo", "-"), h, START.date(), at(30))
    assert (state.state, state.done_by, state.done_actor) == ("done", "manual", "cli:ann")
    assert (state.done_at, state.note) == (at(11), "retested")
    assert len(state.history) == 3
    h = replay(events[:2])[8]
    state = item_state(item_by_ref(8), Evidence("todo", "-"), h, START.date(), at(30))
    assert state.state == "overdue"
    assert not state.has_manual_tick


def test_evidence_wins_over_manual_and_keeps_the_note() -> None:
    h = replay([_event(1, "tick", "cli:ann", at(1), "spreadsheet")])[1]
    state = item_state(item_by_ref(1), Evidence("done", "ok"), h, START.date(), at(2))
    assert (state.done_by, state.note, state.done_at) == ("evidence", "spreadsheet", at(2))


def test_evidence_events_record_changes_once() -> None:
    f = facts("support")
    f.workloads["support"].requests = 10
    evidence = evaluate(f)
    first = evidence_events("swap", evidence, [], at(1))
    assert [(e.item, e.action, e.actor) for e in first] == [(1, "tick", "evidence")]
    assert evidence_events("swap", evidence, first, at(2)) == []
    f.workloads["support"].requests = 0
    gone = evidence_events("swap", evaluate(f), first, at(3))
    assert [(e.item, e.action) for e in gone] == [(1, "untick")]


def test_view_progress_per_phase_and_overall() -> None:
    f = facts("support")
    f.workloads["support"].requests = 10
    evidence = evaluate(f)
    events = [*evidence_events("swap", evidence, [], at(1)), _event(5, "tick", "cli:ann", at(2))]
    view = build_view(PLAN, evidence, events, at(2))
    assert view.progress() == (2, 12)
    assert [view.progress(p) for p in PHASES] == [(1, 4), (1, 4), (0, 4)]
    assert view.percent() == 17
    assert view.item(1).done_at == at(1)  # when evidence was first seen complete
