"""The Store seam: everything the rest of swapsafe may ask of storage."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import Protocol

from swapsafe.store.coverage import ShadowCoverage
from swapsafe.store.records import (
    AuditEntry,
    Baseline,
    EvalResult,
    EvalRun,
    Plan,
    PlanEvent,
    RecentUsage,
    RedteamFinding,
    RedteamRun,
    ReviewPair,
    ReviewVerdict,
    RoutingState,
    TraceQuery,
    TraceRecord,
)
from swapsafe.store.records_rollout import (
    AgreementGroup,
    BucketRaw,
    CohortRaw,
    Feedback,
    Heartbeat,
    PairAgreement,
    RolloutRecord,
)
from swapsafe.store.sql_compat import Compatibility
from swapsafe.store.sql_pairs import ShadowPair
from swapsafe.store.sql_report import FloatArray, TrafficGroup


class Store(Protocol):
    """Synchronous store. The gateway calls it from worker threads, never per request."""

    url: str

    # lifecycle
    def upgrade(self) -> None: ...
    def close(self) -> None: ...
    def ping(self) -> None: ...

    # traces (written in batches by the recorder)
    def insert_traces(self, rows: Sequence[TraceRecord]) -> None: ...
    def query_traces(self, q: TraceQuery) -> list[TraceRecord]: ...
    def count_traces(self, q: TraceQuery, *, cap: int | None = None) -> int: ...
    def recent_usage(self, q: TraceQuery) -> RecentUsage: ...
    def stored_request_ids(self, request_ids: Sequence[str]) -> set[str]: ...

    # routing state: only swapsafe.routing.service calls set_routing_state
    def get_routing_states(self) -> dict[str, RoutingState]: ...
    def routing_version(self) -> int: ...
    def set_routing_state(
        self, state: RoutingState, *, actor: str, reason: str, expected_version: int | None = None
    ) -> RoutingState: ...
    def listen_routing_changes(self, callback: Callable[[], None]) -> Callable[[], None]: ...

    # audit log
    def add_audit(
        self,
        *,
        actor: str,
        action: str,
        workload: str | None,
        before: dict[str, object] | None,
        after: dict[str, object] | None,
        reason: str,
    ) -> int: ...
    def list_audit(self, workload: str | None = None, limit: int = 100) -> list[AuditEntry]: ...

    # --- added with the SQL store --------------------------------------------------------------

    # schema / status
    def revision(self) -> tuple[str | None, str]: ...
    def table_counts(self) -> dict[str, int]: ...

    # traces
    def trace_by_request_id(self, request_id: str) -> TraceRecord | None: ...
    def iter_traces(self, q: TraceQuery, batch: int = 1000) -> Iterator[TraceRecord]: ...
    def shadow_coverage(
        self,
        *,
        workload: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> dict[str, ShadowCoverage]: ...

    # evals
    def create_eval_run(self, run: EvalRun) -> int: ...
    def finish_eval_run(
        self, run_id: int, status: str = "done", finished_at: datetime | None = None
    ) -> None: ...
    def add_eval_results(self, rows: Sequence[EvalResult]) -> None: ...
    def list_eval_runs(self, workload: str | None = None, limit: int = 100) -> list[EvalRun]: ...
    def get_eval_run(self, run_id: int) -> EvalRun | None: ...
    def eval_results(self, run_id: int) -> list[EvalResult]: ...

    # review
    def add_review_pairs(self, pairs: Sequence[ReviewPair]) -> None: ...
    def list_review_pairs(
        self, queue: str | None = None, workload: str | None = None, limit: int = 1000
    ) -> list[ReviewPair]: ...
    def add_review_verdict(self, verdict: ReviewVerdict) -> int: ...
    def list_review_verdicts(
        self, pair_id: str | None = None, limit: int = 10_000
    ) -> list[ReviewVerdict]: ...

    # red-team
    def create_redteam_run(self, run: RedteamRun) -> int: ...
    def finish_redteam_run(
        self, run_id: int, status: str = "done", finished_at: datetime | None = None
    ) -> None: ...
    def add_redteam_findings(self, rows: Sequence[RedteamFinding]) -> None: ...
    def list_redteam_runs(
        self, workload: str | None = None, limit: int = 100
    ) -> list[RedteamRun]: ...
    def get_redteam_run(self, run_id: int) -> RedteamRun | None: ...
    def redteam_findings(self, run_id: int) -> list[RedteamFinding]: ...

    # plans
    def save_plan(self, plan: Plan) -> None: ...
    def get_plan(self, name: str) -> Plan | None: ...
    def list_plans(self) -> list[Plan]: ...
    def add_plan_event(self, event: PlanEvent) -> int: ...
    def list_plan_events(self, plan: str) -> list[PlanEvent]: ...

    # baselines and imported logs
    def add_baseline(self, baseline: Baseline) -> int: ...
    def list_baselines(self, workload: str | None = None, limit: int = 100) -> list[Baseline]: ...
    def is_imported(self, file_hash: str) -> bool: ...
    def mark_imported(
        self, file_hash: str, *, path: str, format: str, rows: int, calls: int, skipped: int
    ) -> bool: ...
    def drop_legacy_import(self, file_hash: str) -> int: ...

    # traffic aggregates (inventory, baseline, gates, report): SQL GROUP BYs, no rows loaded
    def groups(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        workload: str | None = None,
        model: str | None = None,
        with_p95: bool = True,
    ) -> list[TrafficGroup]: ...
    def latencies(
        self,
        keys: Sequence[tuple[str, str, str]],
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> dict[tuple[str, str, str], FloatArray]: ...
    def p95_by_group(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        workload: str | None = None,
        model: str | None = None,
        q: float = 0.95,
    ) -> dict[tuple[str, str, str], float]: ...
    def column(
        self,
        name: str,
        *,
        workload: str,
        model: str,
        role: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        ok_only: bool = True,
        limit: int | None = None,
    ) -> list[float]: ...
    def error_counts(
        self,
        *,
        workload: str,
        model: str,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> tuple[int, int]: ...
    def shadow_pairs(
        self,
        *,
        workload: str,
        new_model: str,
        old_model: str,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50_000,
    ) -> list[ShadowPair]: ...
    def daily_cost(
        self, *, workload: str, role: str, since: datetime, until: datetime
    ) -> list[tuple[date, float, int]]: ...
    def compatibility(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        workload: str | None = None,
    ) -> dict[tuple[str, str, str], Compatibility]: ...

    # rollout state, user feedback, cohort aggregates (the controller and the gateway)
    def get_rollout(self, workload: str) -> RolloutRecord | None: ...
    def list_rollouts(self) -> list[RolloutRecord]: ...
    def save_rollout(self, record: RolloutRecord, *, expected_version: int) -> RolloutRecord: ...
    def add_feedback(self, item: Feedback) -> int: ...
    def list_feedback(
        self, workload: str | None = None, model: str | None = None, limit: int = 1000
    ) -> list[Feedback]: ...
    def cohort_stats(
        self, workload: str, model: str, since: datetime, until: datetime
    ) -> CohortRaw: ...
    def cohort_slower(
        self, workload: str, model: str, since: datetime, until: datetime, limit_ms: float
    ) -> int: ...
    def cohort_series(
        self, workload: str, models: tuple[str, ...], since: datetime, until: datetime, buckets: int
    ) -> dict[tuple[str, int], BucketRaw]: ...

    # stored shadow agreement and loop heartbeats (review, pages, controller)
    def unjudged_pairs(
        self, workload: str, rule: int, since: datetime | None, until: datetime | None, limit: int
    ) -> list[tuple[str, datetime]]: ...
    def traces_of_pairs(self, pair_ids: Sequence[str]) -> list[TraceRecord]: ...
    def save_agreements(self, rows: Sequence[PairAgreement]) -> None: ...
    def agreement_groups(
        self,
        workload: str,
        rule: int,
        since: datetime | None,
        until: datetime | None,
        models: tuple[str, str] | None = None,
    ) -> list[AgreementGroup]: ...
    def agreement_by_served_model(
        self, workload: str, rule: int, since: datetime, until: datetime
    ) -> dict[str, tuple[int, int]]: ...
    def beat(self, beat: Heartbeat) -> None: ...
    def heartbeat(self, name: str) -> Heartbeat | None: ...
