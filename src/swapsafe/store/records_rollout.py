"""Plain records of the rollout area (controller state, feedback, cohort aggregates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

RolloutStatus = Literal["running", "paused", "done", "rolled_back", "aborted"]
ACTIVE: tuple[str, ...] = ("running", "paused")


@dataclass(frozen=True)
class RolloutRecord:
    """The rollout controller's state for one workload (one row of ``rollout_state``).

    ``steps`` is the ``[rollout] steps`` list as it was when the rollout started
    (``[{"weight": 1.0, "hold": 172800.0}, ...]``); ``step_index`` points into it.
    """

    workload: str
    status: RolloutStatus
    step_index: int
    steps: list[dict[str, float]]
    step_started_at: datetime
    started_at: datetime
    updated_at: datetime
    pause_reason: str | None = None
    analysis_failures: int = 0
    last_analysis_at: datetime | None = None
    last_analysis: dict[str, Any] | None = None
    promoted_at: datetime | None = None
    retired_at: datetime | None = None
    #: last retention health check: {"at", "ok", "latency_ms", "error"}
    retention: dict[str, Any] | None = None
    version: int = 0

    @property
    def weight(self) -> float:
        return float(self.steps[self.step_index]["weight"])

    @property
    def hold(self) -> float:
        return float(self.steps[self.step_index]["hold"])

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


@dataclass
class Feedback:
    """A user's score for one served response (thumbs up = 1.0, down = 0.0)."""

    request_id: str
    workload: str
    model: str
    response_ts: datetime
    ts: datetime
    score: float
    thumbs: str | None = None
    comment: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class CohortRaw:
    """SQL aggregates of the served traces of one model over a window."""

    total: int = 0  # served calls that count (client disconnects left out)
    errors: int = 0
    ok: int = 0
    p95_ms: float | None = None
    cost_sum: float = 0.0
    cost_n: int = 0
    feedback_n: int = 0
    feedback_mean: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PairAgreement:
    """The shadow agreement of one pair, as stored in ``shadow_agreement``."""

    pair_id: str
    rule: int  # version of the agreement rule that judged it (a new rule judges again)
    workload: str
    day: str  # YYYY-MM-DD (UTC) of the pair's earlier call, as ShadowPair.day
    served_ts: datetime
    served_model: str
    old_model: str
    new_model: str
    agree: int
    both_ok: int
    kinds: str  # the disagreement kinds, comma-separated, in KINDS order
    similarity: float | None = None


@dataclass(frozen=True)
class AgreementGroup:
    """Stored pair agreements of one workload and day with the same verdict and kinds."""

    day: str
    agree: int
    both_ok: int
    kinds: str
    pairs: int
    similarity_sum: float
    similarity_n: int


@dataclass(frozen=True)
class Heartbeat:
    """The last pass of a background loop (``name``: "rollout") and when the next one is due."""

    name: str
    holder: str
    beat_at: datetime
    next_at: datetime


@dataclass(frozen=True)
class BucketRaw:
    """Served calls of one model in one time bucket: counted requests, errors, p95."""

    total: int
    errors: int
    p95_ms: float | None
