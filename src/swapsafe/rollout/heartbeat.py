"""Is anything watching the canary? The active controller records each pass (a heartbeat with
the time of its next pass); every status view (CLI, /rollout, overview) reads it back here,
and ``rollout start`` warns when no controller has been seen.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from swapsafe.store.records_rollout import Heartbeat

NAME = "rollout"
#: a pass this much later than announced means the controller is gone (or stuck)
GRACE = timedelta(seconds=60)
START_HINT = (
    "run `swapsafe serve` or `swapsafe gateway` (each runs the controller), "
    "or `swapsafe controller` on its own"
)


def holder() -> str:
    """Who beats: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def record_beat(store: Any, now: datetime, interval: float, who: str | None = None) -> None:
    """The controller finished a pass at ``now``; the next is due ``interval`` s later."""
    beat = Heartbeat(NAME, who or holder(), now, now + timedelta(seconds=interval))
    store.beat(beat)


def _ago(delta: timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


@dataclass(frozen=True)
class ControllerSeen:
    """The controller as the status views show it."""

    beat_at: datetime | None
    next_at: datetime | None
    holder: str | None
    now: datetime

    @property
    def state(self) -> str:
        """``running``, ``late`` (missed its next pass) or ``never`` (no heartbeat at all)."""
        if self.beat_at is None or self.next_at is None:
            return "never"
        return "late" if self.now > self.next_at + GRACE else "running"

    @property
    def words(self) -> str:
        """One line: last pass, next analysis, or what to run."""
        if self.beat_at is None or self.next_at is None:
            return f"no rollout controller has run yet: nothing watches the canary; {START_HINT}"
        last = f"last analysis {_ago(self.now - self.beat_at)} ago on {self.holder}"
        if self.state == "late":
            return (
                f"controller not seen since {self.beat_at:%Y-%m-%d %H:%M} UTC ({last}; "
                f"the next was due {_ago(self.now - self.next_at)} ago): {START_HINT}"
            )
        due = self.next_at - self.now
        when = f"in {_ago(due)}" if due.total_seconds() > 0 else "now"
        return f"controller running: {last}, next analysis {when} ({self.next_at:%H:%M} UTC)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "last_beat_at": None if self.beat_at is None else self.beat_at.isoformat(),
            "next_analysis_at": None if self.next_at is None else self.next_at.isoformat(),
            "holder": self.holder,
            "words": self.words,
        }


def controller_seen(store: Any, now: datetime) -> ControllerSeen:
    beat = store.heartbeat(NAME)
    if beat is None:
        return ControllerSeen(None, None, None, now)
    return ControllerSeen(beat.beat_at, beat.next_at, beat.holder, now)
