"""Plain data the evidence rules read: gathered from the store and config by ``service.py``.

Nothing here does I/O; tests build these by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from swapsafe.redteam.regression import RedteamVerdict

Status = Literal["todo", "in_progress", "done"]


@dataclass(frozen=True)
class Requirements:
    """How much evidence ticks an item."""

    shadow_pairs: int = 100  # ok shadow calls per workload
    nightly_nights: int = 3  # distinct nights with a nightly eval of both models
    review_pairs: int = 200  # reviewed shadow pairs over the migration's workloads
    canary_weight: float = 1.0
    canary_hold_s: float = 48 * 3600.0
    promote_weights: tuple[float, ...] = (10.0, 50.0, 100.0)
    count_cap: int = 10_000  # recorded traces are counted up to here ("at least 10,000")


@dataclass(frozen=True)
class GateFacts:
    """A workload's gates and triggers from the config (``explicit`` = written in the file)."""

    gates: dict[str, Any]
    triggers: dict[str, Any]
    gates_explicit: bool = False
    triggers_explicit: bool = False


@dataclass(frozen=True)
class EvalRunFacts:
    id: int
    started_at: datetime
    status: str
    tag: str | None
    models: tuple[str, ...]


@dataclass(frozen=True)
class RedteamRunFacts:
    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    models: tuple[str, ...]
    verdict: RedteamVerdict  # by swapsafe.redteam.regression.judge, the gate's rule


@dataclass(frozen=True)
class BaselineFacts:
    id: int
    model: str
    ts: datetime


@dataclass(frozen=True)
class AuditFacts:
    id: int
    ts: datetime
    action: str
    workload: str | None
    after: dict[str, Any]


@dataclass
class WorkloadFacts:
    """Everything recorded about one workload of the migration."""

    name: str
    config: GateFacts | None = None  # None: the workload is not in the config
    requests: int = 0  # served traces (recorded or imported), counted up to the count cap
    requests_capped: bool = False  # the count stopped at the cap: at least ``requests``
    sources: tuple[str, ...] = ()
    shadow_ok: int = 0
    shadow_total: int = 0  # shadow traces, counted up to the count cap
    shadow_total_capped: bool = False
    shadow_ok_capped: bool = False  # counting stopped once the requirement was met
    baselines: list[BaselineFacts] = field(default_factory=list)
    eval_runs: list[EvalRunFacts] = field(default_factory=list)
    redteam_runs: list[RedteamRunFacts] = field(default_factory=list)
    reviewed_pairs: int = 0
    verdicts: int = 0
    last_verdict_at: datetime | None = None


@dataclass
class MigrationFacts:
    """The migration, its workloads' facts and the audit log since its start."""

    from_models: frozenset[str]  # the plan's old model and config names that resolve to it
    to_models: frozenset[str]
    since: datetime  # the plan's start: older audit entries are ignored
    workloads: dict[str, WorkloadFacts]
    audit: list[AuditFacts] = field(default_factory=list)
    retain_old_for_s: float | None = None  # None: no config file
    requirements: Requirements = field(default_factory=Requirements)


@dataclass(frozen=True)
class Evidence:
    """What the store says about one item: a status, one summary line and the raw numbers."""

    status: Status
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None  # when the evidence became complete, when known
