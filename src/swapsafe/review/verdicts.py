"""Verdict values and the effective verdict of each (pair, reviewer) (pure).

Verdict rows are append-only: every key press is one row, saved at once. ``undo`` is a row
too: it takes back that reviewer's most recent action not yet undone (a verdict or a skip).
:func:`effective` replays a reviewer's rows in id order as a stack, so repeated undos walk
back through history and nothing is ever deleted from the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from swapsafe.store.records import ReviewVerdict

OLD_BETTER = "old_better"
SAME = "same"
NEW_BETTER = "new_better"
BOTH_BAD = "both_bad"
SKIP = "skip"
UNDO = "undo"

#: verdicts that count as a judgement (skip and undo do not)
JUDGEMENTS = (OLD_BETTER, SAME, NEW_BETTER, BOTH_BAD)
ACTIONS = (*JUDGEMENTS, SKIP)

LABELS = {
    OLD_BETTER: "old better",
    SAME: "same",
    NEW_BETTER: "new better",
    BOTH_BAD: "both bad",
    SKIP: "skipped",
}

#: keyboard shortcut -> verdict (the review page and docs use this table)
KEYS = {"1": OLD_BETTER, "2": SAME, "3": NEW_BETTER, "4": BOTH_BAD, "s": SKIP}


@dataclass(frozen=True)
class Effective:
    pair_id: str
    reviewer: str
    verdict: str  # one of ACTIONS
    note: str | None
    row_id: int | None
    ts: datetime | None = None


def _order(v: ReviewVerdict) -> tuple[int, float]:
    return (v.id if v.id is not None else 0, v.ts.timestamp())


def effective(rows: Iterable[ReviewVerdict]) -> dict[tuple[str, str], Effective]:
    """(pair_id, reviewer) -> the action that stands after replaying undos."""
    stacks: dict[str, list[ReviewVerdict]] = {}
    for row in sorted(rows, key=_order):
        stack = stacks.setdefault(row.reviewer, [])
        if row.verdict == UNDO:
            if stack:
                stack.pop()
        elif row.verdict in ACTIONS:
            stack.append(row)
    out: dict[tuple[str, str], Effective] = {}
    for reviewer, stack in stacks.items():
        for row in stack:  # later rows for the same pair win
            out[(row.pair_id, reviewer)] = Effective(
                row.pair_id, reviewer, row.verdict, row.note, row.id, row.ts
            )
    return out


def last_action(rows: Iterable[ReviewVerdict], reviewer: str) -> ReviewVerdict | None:
    """The reviewer's most recent action still standing (what ``undo`` would take back)."""
    stack: list[ReviewVerdict] = []
    for row in sorted((r for r in rows if r.reviewer == reviewer), key=_order):
        if row.verdict == UNDO:
            if stack:
                stack.pop()
        elif row.verdict in ACTIONS:
            stack.append(row)
    return stack[-1] if stack else None


def judged(eff: dict[tuple[str, str], Effective]) -> list[Effective]:
    """Only real judgements (no skips), sorted by pair then reviewer."""
    return sorted(
        (e for e in eff.values() if e.verdict in JUDGEMENTS), key=lambda e: (e.pair_id, e.reviewer)
    )
