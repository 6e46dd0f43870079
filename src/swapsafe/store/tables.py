"""SQLAlchemy Core tables. The schema itself is created by Alembic (migrations/versions/)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


def sqlite_utc_text(value: datetime) -> str:
    """How SQLite stores a UtcDateTime: naive UTC, SQLAlchemy's default text format."""
    if value.tzinfo is not None and value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive UTC text).

    Naive datetimes given to the store are taken to be UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# BIGINT primary keys that still autoincrement on SQLite (which needs INTEGER PRIMARY KEY).
BigId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

#: columns of ``ix_traces_report``, in order (migration 0002 creates it; report_0001 appends
#: the compatibility columns)
REPORT_INDEX_COLUMNS = (
    "workload",
    "model",
    "role",
    "ts",
    "status",
    "latency_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "source",
    "http_status",
    "adapted",
    "prompt_variant",
)

traces = Table(
    "traces",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("request_id", String(128), nullable=False),
    Column("pair_id", String(128), nullable=False),
    Column("ts", UtcDateTime(), nullable=False),
    Column("workload", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("model", String(200), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("http_status", Integer),
    Column("error_class", String(64)),
    Column("latency_ms", Float),
    Column("ttft_ms", Float),
    Column("input_tokens", Integer),
    Column("output_tokens", Integer),
    Column("cached_tokens", Integer),
    Column("cost_usd", Float),
    Column("bucket", Integer),
    Column("stream", Boolean, nullable=False, default=False),
    Column("inbound_wire", String(16)),
    Column("request_body", Text),
    Column("response_body", Text),
    Column("finish_reason", String(64)),
    Column("source", String(64), nullable=False, default="gateway"),
    # served rows: "shadowed" or why the due shadow call was skipped; NULL when none was due
    Column("shadow_outcome", String(32)),
    # the short hash of the prompt variant the call was sent with; NULL: none (adapters_0001)
    Column("prompt_variant", String(16)),
    # the request rules that changed the body, comma-separated; NULL: none (adapters_0002)
    Column("adapted", Text),
    UniqueConstraint("request_id", name="uq_traces_request_id"),
    Index("ix_traces_workload_ts", "workload", "ts"),
    Index("ix_traces_pair_id", "pair_id"),
    Index("ix_traces_model_ts", "model", "ts"),
    Index("ix_traces_role_ts", "role", "ts"),
    # Covering index for the per workload x model x role reports (inventory, baseline, gates),
    # on SQLite only: having no hash aggregate, SQLite streams its GROUP BY off it instead of
    # sorting the whole table, and never reads the wide rows (bodies). PostgreSQL
    # hash-aggregates a sequential scan faster than it reads this index before a VACUUM.
    Index("ix_traces_report", *REPORT_INDEX_COLUMNS).ddl_if(dialect="sqlite"),
)

#: Shadow coverage per workload (migration shadow_0001), on SQLite only like ix_traces_report:
#: only rows with a shadow outcome, so a report reads this index instead of every served row.
Index(
    "ix_traces_shadow_coverage",
    traces.c.workload,
    traces.c.ts,
    traces.c.role,
    traces.c.source,
    traces.c.shadow_outcome,
    sqlite_where=traces.c.shadow_outcome.is_not(None),
).ddl_if(dialect="sqlite")

routing_state = Table(
    "routing_state",
    metadata,
    Column("workload", String(200), primary_key=True),
    Column("mode", String(32), nullable=False),
    Column("weight", Float, nullable=False),
    Column("shadow", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime()),
    Column("updated_by", String(200)),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text),
    Column("num", BigInteger),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("ts", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("workload", String(200)),
    Column("before", JSON),
    Column("after", JSON),
    Column("reason", Text, nullable=False),
    Index("ix_audit_log_workload_ts", "workload", "ts"),
    Index("ix_audit_log_ts", "ts"),
)

eval_runs = Table(
    "eval_runs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workload", String(200), nullable=False),
    Column("tag", String(200)),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("status", String(32), nullable=False),
    Column("settings", JSON),
    Column("models", JSON),
    Index("ix_eval_runs_workload_started", "workload", "started_at"),
)

eval_results = Table(
    "eval_results",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", BigInteger, ForeignKey("eval_runs.id", ondelete="CASCADE"), nullable=False),
    Column("case_id", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("output", Text),
    Column("passed", Boolean),
    Column("score", Float),
    Column("scores", JSON),
    Column("latency_ms", Float),
    Column("input_tokens", Integer),
    Column("output_tokens", Integer),
    Column("cost_usd", Float),
    Column("error", Text),
    UniqueConstraint("run_id", "case_id", "model", name="uq_eval_results_run_case_model"),
)

review_pairs = Table(
    "review_pairs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workload", String(200), nullable=False),
    Column("pair_id", String(128), nullable=False),
    Column("queue", String(100), nullable=False),
    Column("sampled_at", UtcDateTime(), nullable=False),
    Column("disagreement", JSON),
    UniqueConstraint("queue", "pair_id", name="uq_review_pairs_queue_pair"),
    Index("ix_review_pairs_pair_id", "pair_id"),
    Index("ix_review_pairs_workload_sampled", "workload", "sampled_at"),
)

review_verdicts = Table(
    "review_verdicts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("pair_id", String(128), nullable=False),
    Column("reviewer", String(200), nullable=False),
    Column("verdict", String(32), nullable=False),
    Column("note", Text),
    Column("ts", UtcDateTime(), nullable=False),
    Index("ix_review_verdicts_pair_id", "pair_id"),
)

redteam_runs = Table(
    "redteam_runs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workload", String(200), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("status", String(32), nullable=False),
    Column("models", JSON),
    Column("settings", JSON),
    Index("ix_redteam_runs_workload_started", "workload", "started_at"),
)

redteam_findings = Table(
    "redteam_findings",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", BigInteger, ForeignKey("redteam_runs.id", ondelete="CASCADE"), nullable=False),
    Column("probe_id", String(200), nullable=False),
    Column("category", String(100), nullable=False),
    Column("model", String(200), nullable=False),
    Column("prompt", Text),
    Column("output", Text),
    Column("success", Boolean, nullable=False),
    Column("reason", Text),
    Column("blocked", Boolean, nullable=False),
    Index("ix_redteam_findings_run", "run_id"),
)

plans = Table(
    "plans",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("from_model", String(200), nullable=False),
    Column("to_model", String(200), nullable=False),
    Column("workloads", JSON),
    Column("start_date", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
)

plan_events = Table(
    "plan_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("plan", String(200), ForeignKey("plans.name", ondelete="CASCADE"), nullable=False),
    Column("item", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("note", Text),
    Column("ts", UtcDateTime(), nullable=False),
    Column("evidence", JSON),
    Index("ix_plan_events_plan_ts", "plan", "ts"),
)

baselines = Table(
    "baselines",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workload", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("ts", UtcDateTime(), nullable=False),
    Column("data", JSON),
    Index("ix_baselines_workload_ts", "workload", "ts"),
)

imported_logs = Table(
    "imported_logs",
    metadata,
    Column("file_hash", String(128), primary_key=True),
    Column("path", Text),
    Column("format", String(64)),
    Column("rows", Integer, nullable=False, default=0),  # rows the import added
    Column("imported_at", UtcDateTime(), nullable=False),
    Column("calls", Integer, nullable=True),  # calls read from the file (traffic_0001)
    Column("skipped", Integer, nullable=True),  # lines that were not calls (traffic_0001)
)

ALL_TABLES: tuple[Table, ...] = tuple(metadata.sorted_tables)
