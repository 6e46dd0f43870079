"""Each item's state from its evidence, the tick history and the calendar (pure).

History (``plan_events``) is append-only. Events by ``actor == "evidence"`` record when the
evidence turned an item done or not done; any other actor is a person ticking or unticking by
hand (a manual tick always carries a note). An item is done when its evidence says so or when
its latest manual event is a tick; otherwise it is overdue after its due date, else in progress
or todo as the evidence says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

from swapsafe.plan.facts import Evidence
from swapsafe.plan.items import ITEMS, PHASES, Item, Phase, is_overdue, start_day
from swapsafe.store.records import Plan, PlanEvent

EVIDENCE_ACTOR = "evidence"
State = Literal["todo", "in_progress", "done", "overdue"]
DoneBy = Literal["evidence", "manual"]


@dataclass
class ItemHistory:
    """What the events of one item say, replayed oldest first."""

    manual: PlanEvent | None = None  # the active manual tick, if any
    evidence_done: bool = False  # the last state recorded from evidence
    evidence_since: datetime | None = None  # when evidence last turned the item done
    events: list[PlanEvent] = field(default_factory=list)


def replay(events: Sequence[PlanEvent]) -> dict[int, ItemHistory]:
    """Each item's history (items without events get an empty one)."""
    out = {item.number: ItemHistory() for item in ITEMS}
    for event in sorted(events, key=lambda e: (e.ts, e.id or 0)):
        h = out.setdefault(event.item, ItemHistory())
        h.events.append(event)
        if event.actor == EVIDENCE_ACTOR:
            h.evidence_done = event.action == "tick"
            h.evidence_since = event.ts if h.evidence_done else None
        else:
            h.manual = event if event.action == "tick" else None
    return out


@dataclass(frozen=True)
class ItemState:
    item: Item
    state: State
    due: date
    evidence: Evidence
    done_by: DoneBy | None = None
    done_at: datetime | None = None
    done_actor: str | None = None  # who ticked it ("evidence" or a person)
    note: str | None = None  # the active manual tick's note
    history: tuple[PlanEvent, ...] = ()

    @property
    def done(self) -> bool:
        return self.state == "done"

    @property
    def has_manual_tick(self) -> bool:
        return self.note is not None  # only an active manual tick sets the note


@dataclass(frozen=True)
class PlanView:
    """A migration at one moment: the plan, every item's state and the time it was computed."""

    plan: Plan
    items: tuple[ItemState, ...]
    now: datetime

    @property
    def start(self) -> date:
        return start_day(self.plan.start_date or self.plan.created_at)

    def phase_items(self, phase: Phase) -> tuple[ItemState, ...]:
        return tuple(s for s in self.items if s.item.phase is phase)

    def progress(self, phase: Phase | None = None) -> tuple[int, int]:
        """(done, total) for one phase, or for the whole plan."""
        items = self.items if phase is None else self.phase_items(phase)
        return sum(s.done for s in items), len(items)

    def percent(self, phase: Phase | None = None) -> int:
        done, total = self.progress(phase)
        return round(100 * done / total) if total else 0

    def item(self, number: int) -> ItemState:
        return self.items[number - 1]

    @property
    def phases(self) -> tuple[Phase, ...]:
        return PHASES


def item_state(
    item: Item, evidence: Evidence, history: ItemHistory, start: date, now: datetime
) -> ItemState:
    """Combine evidence, manual ticks and the calendar into one item's state."""
    manual = history.manual
    base = ItemState(
        item=item,
        state=evidence.status,
        due=item.due(start),
        evidence=evidence,
        note=manual.note if manual else None,
        history=tuple(history.events),
    )
    if evidence.status == "done":
        at = evidence.at or history.evidence_since or now
        return replace(base, done_by="evidence", done_at=at, done_actor=EVIDENCE_ACTOR)
    if manual is not None:
        return replace(
            base, state="done", done_by="manual", done_at=manual.ts, done_actor=manual.actor
        )
    if is_overdue(item, start, now):
        return replace(base, state="overdue")
    return base


def build_view(
    plan: Plan, evidence: dict[str, Evidence], events: Sequence[PlanEvent], now: datetime
) -> PlanView:
    """Every item's state. ``evidence`` is keyed by item key (see ``evidence.evaluate``)."""
    start = start_day(plan.start_date or plan.created_at)
    histories = replay(events)
    states = tuple(
        item_state(item, evidence[item.key], histories[item.number], start, now) for item in ITEMS
    )
    return PlanView(plan=plan, items=states, now=now)


def evidence_events(
    plan: str, evidence: dict[str, Evidence], events: Sequence[PlanEvent], now: datetime
) -> list[PlanEvent]:
    """Events to record because an item's evidence turned done (tick) or stopped being (untick)."""
    histories = replay(events)
    out = []
    for item in ITEMS:
        ev = evidence[item.key]
        done = ev.status == "done"
        if done != histories[item.number].evidence_done:
            out.append(
                PlanEvent(
                    plan=plan,
                    item=item.number,
                    action="tick" if done else "untick",
                    actor=EVIDENCE_ACTOR,
                    ts=now,
                    note=None,
                    evidence={"status": ev.status, "summary": ev.summary},
                )
            )
    return out
