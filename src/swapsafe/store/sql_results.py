"""Basic reads and writes for evals, review, red-team, plans, baselines and log imports.

Deliberately small: later issues add what they need next to these methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Insert, Table, and_, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import UnaryExpression

from swapsafe.store.convert import from_row, from_rows, to_row, utcnow
from swapsafe.store.records import (
    Baseline,
    EvalResult,
    EvalRun,
    Plan,
    PlanEvent,
    RedteamFinding,
    RedteamRun,
    ReviewPair,
    ReviewVerdict,
)
from swapsafe.store.sql_base import SqlBase
from swapsafe.store.tables import (
    baselines,
    eval_results,
    eval_runs,
    imported_logs,
    plan_events,
    plans,
    redteam_findings,
    redteam_runs,
    review_pairs,
    review_verdicts,
    traces,
)

T = TypeVar("T")


def insert_ignore(conn: Connection, table: Table, *conflict: str) -> Insert:
    """INSERT that skips rows clashing on the unique ``conflict`` columns (SQLite and PG)."""
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    return make(table).on_conflict_do_nothing(index_elements=list(conflict))


class ResultsMixin(SqlBase):
    # -- generic helpers ---------------------------------------------------------------------

    def _insert_one(self, table: Table, record: object) -> int:
        with self._write() as conn:
            key = conn.execute(table.insert().values(to_row(record))).inserted_primary_key
        assert key is not None
        return int(key[0])

    def _insert_many(self, table: Table, records: Sequence[object], *conflict: str) -> None:
        if not records:
            return
        with self._write() as conn:
            conn.execute(insert_ignore(conn, table, *conflict), [to_row(r) for r in records])

    def _select(
        self,
        cls: type[T],
        table: Table,
        where: Sequence[ColumnElement[bool]],
        order: Sequence[UnaryExpression[Any] | Any],
        limit: int | None = None,
    ) -> list[T]:
        stmt = select(table).where(and_(True, *where)).order_by(*order)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._read() as conn:
            return from_rows(cls, conn.execute(stmt))

    def _finish(self, table: Table, run_id: int, status: str, at: datetime | None) -> None:
        with self._write() as conn:
            conn.execute(
                table.update()
                .where(table.c.id == run_id)
                .values(status=status, finished_at=at or utcnow())
            )

    # -- evals -------------------------------------------------------------------------------

    def create_eval_run(self, run: EvalRun) -> int:
        """Store a new eval run; returns its id."""
        return self._insert_one(eval_runs, run)

    def finish_eval_run(
        self, run_id: int, status: str = "done", finished_at: datetime | None = None
    ) -> None:
        self._finish(eval_runs, run_id, status, finished_at)

    def add_eval_results(self, rows: Sequence[EvalResult]) -> None:
        """Batch insert; a (run_id, case_id, model) already stored is kept (shards may overlap)."""
        self._insert_many(eval_results, rows, "run_id", "case_id", "model")

    def list_eval_runs(self, workload: str | None = None, limit: int = 100) -> list[EvalRun]:
        """Newest first."""
        where = [] if workload is None else [eval_runs.c.workload == workload]
        order = [eval_runs.c.started_at.desc(), eval_runs.c.id.desc()]
        return self._select(EvalRun, eval_runs, where, order, limit)

    def get_eval_run(self, run_id: int) -> EvalRun | None:
        """One run by id (None when there is none)."""
        found = self._select(EvalRun, eval_runs, [eval_runs.c.id == run_id], [eval_runs.c.id], 1)
        return found[0] if found else None

    def eval_results(self, run_id: int) -> list[EvalResult]:
        c = eval_results.c
        return self._select(EvalResult, eval_results, [c.run_id == run_id], [c.case_id, c.model])

    # -- review ------------------------------------------------------------------------------

    def add_review_pairs(self, pairs: Sequence[ReviewPair]) -> None:
        """Batch insert; a pair already in the same queue is kept as it is."""
        self._insert_many(review_pairs, pairs, "queue", "pair_id")

    def list_review_pairs(
        self, queue: str | None = None, workload: str | None = None, limit: int = 1000
    ) -> list[ReviewPair]:
        """Oldest sample first."""
        c = review_pairs.c
        where = [c.queue == queue] if queue is not None else []
        if workload is not None:
            where.append(c.workload == workload)
        return self._select(ReviewPair, review_pairs, where, [c.sampled_at, c.id], limit)

    def add_review_verdict(self, verdict: ReviewVerdict) -> int:
        return self._insert_one(review_verdicts, verdict)

    def list_review_verdicts(
        self, pair_id: str | None = None, limit: int = 10_000
    ) -> list[ReviewVerdict]:
        """Oldest first; all verdicts, or those of one pair."""
        c = review_verdicts.c
        where = [] if pair_id is None else [c.pair_id == pair_id]
        return self._select(ReviewVerdict, review_verdicts, where, [c.ts, c.id], limit)

    # -- red-team ----------------------------------------------------------------------------

    def create_redteam_run(self, run: RedteamRun) -> int:
        return self._insert_one(redteam_runs, run)

    def finish_redteam_run(
        self, run_id: int, status: str = "done", finished_at: datetime | None = None
    ) -> None:
        self._finish(redteam_runs, run_id, status, finished_at)

    def add_redteam_findings(self, rows: Sequence[RedteamFinding]) -> None:
        if not rows:
            return
        with self._write() as conn:
            conn.execute(redteam_findings.insert(), [to_row(r) for r in rows])

    def list_redteam_runs(self, workload: str | None = None, limit: int = 100) -> list[RedteamRun]:
        """Newest first."""
        c = redteam_runs.c
        where = [] if workload is None else [c.workload == workload]
        return self._select(
            RedteamRun, redteam_runs, where, [c.started_at.desc(), c.id.desc()], limit
        )

    def get_redteam_run(self, run_id: int) -> RedteamRun | None:
        """One run by id (None when there is none)."""
        c = redteam_runs.c
        found = self._select(RedteamRun, redteam_runs, [c.id == run_id], [c.id], 1)
        return found[0] if found else None

    def redteam_findings(self, run_id: int) -> list[RedteamFinding]:
        c = redteam_findings.c
        return self._select(RedteamFinding, redteam_findings, [c.run_id == run_id], [c.id])

    # -- plans -------------------------------------------------------------------------------

    def save_plan(self, plan: Plan) -> None:
        """Create the plan, or replace its fields when one of that name exists."""
        values = to_row(plan)
        with self._write() as conn:
            exists = conn.execute(select(plans.c.name).where(plans.c.name == plan.name)).first()
            if exists is None:
                conn.execute(plans.insert().values(values))
            else:
                conn.execute(plans.update().where(plans.c.name == plan.name).values(values))

    def get_plan(self, name: str) -> Plan | None:
        with self._read() as conn:
            row = conn.execute(select(plans).where(plans.c.name == name)).first()
        return None if row is None else from_row(Plan, row)

    def list_plans(self) -> list[Plan]:
        return self._select(Plan, plans, [], [plans.c.created_at, plans.c.name])

    def add_plan_event(self, event: PlanEvent) -> int:
        return self._insert_one(plan_events, event)

    def list_plan_events(self, plan: str) -> list[PlanEvent]:
        """Oldest first: replaying them gives each item's current state."""
        c = plan_events.c
        return self._select(PlanEvent, plan_events, [c.plan == plan], [c.ts, c.id])

    # -- baselines ---------------------------------------------------------------------------

    def add_baseline(self, baseline: Baseline) -> int:
        return self._insert_one(baselines, baseline)

    def list_baselines(self, workload: str | None = None, limit: int = 100) -> list[Baseline]:
        """Newest first."""
        c = baselines.c
        where = [] if workload is None else [c.workload == workload]
        return self._select(Baseline, baselines, where, [c.ts.desc(), c.id.desc()], limit)

    # -- imported logs -----------------------------------------------------------------------

    def is_imported(self, file_hash: str) -> bool:
        stmt = select(imported_logs.c.file_hash).where(imported_logs.c.file_hash == file_hash)
        with self._read() as conn:
            return conn.execute(stmt).first() is not None

    def mark_imported(
        self, file_hash: str, *, path: str, format: str, rows: int, calls: int, skipped: int
    ) -> bool:
        """Remember what a log file gave (``rows`` added of ``calls`` read); False when these
        exact bytes were recorded before (the first record stays)."""
        values = {
            "file_hash": file_hash,
            "path": path,
            "format": format,
            "rows": rows,
            "calls": calls,
            "skipped": skipped,
            "imported_at": utcnow(),
        }
        with self._write() as conn:
            stmt = insert_ignore(conn, imported_logs, "file_hash").values(values)
            return conn.execute(stmt.returning(imported_logs.c.file_hash)).first() is not None

    def drop_legacy_import(self, file_hash: str) -> int:
        """Delete the rows of an import of these exact bytes made before imports were keyed
        per call (``traffic_0001``: keyed ``imp-<hash>-<line>``, recorded without ``calls``),
        so importing them again re-keys them instead of adding them twice. Returns the rows
        deleted (0 when there is no such import)."""
        c = imported_logs.c
        with self._write() as conn:
            row = conn.execute(select(c.calls).where(c.file_hash == file_hash)).first()
            if row is None or row.calls is not None:
                return 0
            rows = delete(traces).where(
                traces.c.request_id.like(f"imp-{file_hash[:24]}-%"),
                traces.c.source.like("import:%"),
            )
            deleted = conn.execute(rows).rowcount
            conn.execute(delete(imported_logs).where(c.file_hash == file_hash))
        return int(deleted or 0)
