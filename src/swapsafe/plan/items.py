"""The 12 items of a model migration, their three phases and their due dates (pure).

A migration starts on its start date (day 0). Week 1 ends on day 6, weeks 2-3 on day 20 and
week 4 on day 27: an item is due on the last day of its phase and overdue the day after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from swapsafe.exceptions import ConfigError


@dataclass(frozen=True, slots=True)
class Phase:
    number: int
    title: str
    first_day: int  # days after the start date
    last_day: int

    def due(self, start: date) -> date:
        return start + timedelta(days=self.last_day)


@dataclass(frozen=True, slots=True)
class Item:
    number: int
    key: str
    title: str
    phase: Phase
    what: str  # what swapsafe does for it
    evidence: str  # the evidence that ticks it

    def due(self, start: date) -> date:
        return self.phase.due(start)


WEEK_1 = Phase(1, "Week 1: scope + baseline", 0, 6)
WEEKS_2_3 = Phase(2, "Weeks 2-3: shadow eval", 7, 20)
WEEK_4 = Phase(3, "Week 4: cutover", 21, 27)
PHASES: tuple[Phase, ...] = (WEEK_1, WEEKS_2_3, WEEK_4)

ITEMS: tuple[Item, ...] = (
    Item(
        1,
        "inventory",
        "Inventory",
        WEEK_1,
        "groups recorded or imported traffic into workloads x model x volume x tokens x cost",
        "traffic recorded or imported for every workload",
    ),
    Item(
        2,
        "baseline",
        "Baseline",
        WEEK_1,
        "pass rate, cost/request, P50/P95 latency, error rate per workload",
        "a baseline snapshot per workload",
    ),
    Item(
        3,
        "gate",
        "Quality gate",
        WEEK_1,
        "per-workload non-regression gates tested as non-inferiority on paired data",
        "gates configured for every workload",
    ),
    Item(
        4,
        "criteria",
        "Go/no-go criteria",
        WEEK_1,
        "rollback triggers as config, rendered into a document",
        "triggers configured and exported",
    ),
    Item(
        5,
        "shadow",
        "Shadow mode",
        WEEKS_2_3,
        "gateway sends traffic to both models, serves only the old one",
        "N ok shadow calls recorded per workload",
    ),
    Item(
        6,
        "nightly",
        "Nightly golden eval",
        WEEKS_2_3,
        "both models scored against the golden set on a schedule",
        "nightly eval runs with both models on 3 nights per workload",
    ),
    Item(
        7,
        "review",
        "Diff 200 real requests, human review",
        WEEKS_2_3,
        "samples shadow pairs (disagreement first) into a side-by-side review UI",
        "200 reviewed pairs",
    ),
    Item(
        8,
        "redteam",
        "Red-team",
        WEEKS_2_3,
        "injection, jailbreak and leak probes with the workload's system prompt, both models",
        "a red-team run of the new model, no category worse than the old one",
    ),
    Item(
        9,
        "canary",
        "Canary 1% for 48 h",
        WEEK_4,
        "sticky 1% split with automatic analysis against the triggers",
        "1% step held 48 h with passing analysis",
    ),
    Item(
        10,
        "promote",
        "Promote 10 → 50 → 100%, 24 h pauses",
        WEEK_4,
        "the rollout controller advances only when the analysis passes",
        "steps 10, 50 and 100% completed",
    ),
    Item(
        11,
        "rollback",
        "Rollback rehearsed and wired",
        WEEK_4,
        "one-click rollback; rehearse flips it under live traffic and times it",
        "rehearsal recorded with its timing",
    ),
    Item(
        12,
        "retention",
        "Old model deployable 30 days",
        WEEK_4,
        "retention window; the old model is health-checked; retire is refused before it ends",
        "retention window set and the last health check passed",
    ),
)

_BY_KEY = {item.key: item for item in ITEMS}
_ALIASES = {
    "go-no-go": "criteria",
    "gonogo": "criteria",
    "quality-gate": "gate",
    "gates": "gate",
    "eval": "nightly",
    "diff": "review",
    "red-team": "redteam",
    "retain": "retention",
}


def item_by_ref(ref: str | int) -> Item:
    """The item named by its number (1-12) or key (``shadow``); ConfigError otherwise."""
    text = str(ref).strip().lower()
    if text.isdigit() and 1 <= int(text) <= len(ITEMS):
        return ITEMS[int(text) - 1]
    item = _BY_KEY.get(_ALIASES.get(text, text))
    if item is None:
        keys = ", ".join(i.key for i in ITEMS)
        raise ConfigError(f"unknown plan item {ref!r}; use a number 1-12 or one of: {keys}")
    return item


def items_of(phase: Phase) -> tuple[Item, ...]:
    return tuple(i for i in ITEMS if i.phase is phase)


def start_day(start: datetime | date) -> date:
    """The start date of a migration as a calendar date (UTC)."""
    return start.date() if isinstance(start, datetime) else start


def is_overdue(item: Item, start: date, now: datetime) -> bool:
    """True once the last day of the item's phase has passed (UTC calendar days)."""
    return now.date() > item.due(start)


def current_phase(start: date, now: datetime) -> Phase | None:
    """The phase the calendar is in, or None before the start and after week 4."""
    day = (now.date() - start).days
    for phase in PHASES:
        if phase.first_day <= day <= phase.last_day:
            return phase
    return None
