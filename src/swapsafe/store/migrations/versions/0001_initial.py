"""Initial schema: traces, routing, audit, evals, review, red-team, plans, baselines, imports.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[int]:
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    return sa.Column("id", big, primary_key=True, autoincrement=True)


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "traces",
        _id(),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("pair_id", sa.String(128), nullable=False),
        _ts("ts"),
        sa.Column("workload", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("http_status", sa.Integer()),
        sa.Column("error_class", sa.String(64)),
        sa.Column("latency_ms", sa.Float()),
        sa.Column("ttft_ms", sa.Float()),
        sa.Column("input_tokens", sa.Integer()),
        sa.Column("output_tokens", sa.Integer()),
        sa.Column("cached_tokens", sa.Integer()),
        sa.Column("cost_usd", sa.Float()),
        sa.Column("bucket", sa.Integer()),
        sa.Column("stream", sa.Boolean(), nullable=False),
        sa.Column("inbound_wire", sa.String(16)),
        sa.Column("request_body", sa.Text()),
        sa.Column("response_body", sa.Text()),
        sa.Column("finish_reason", sa.String(64)),
        sa.Column("source", sa.String(64), nullable=False),
        sa.UniqueConstraint("request_id", name="uq_traces_request_id"),
    )
    op.create_index("ix_traces_workload_ts", "traces", ["workload", "ts"])
    op.create_index("ix_traces_pair_id", "traces", ["pair_id"])
    op.create_index("ix_traces_model_ts", "traces", ["model", "ts"])
    op.create_index("ix_traces_role_ts", "traces", ["role", "ts"])

    op.create_table(
        "routing_state",
        sa.Column("workload", sa.String(200), primary_key=True),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("shadow", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("updated_at", nullable=True),
        sa.Column("updated_by", sa.String(200)),
    )
    meta = op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text()),
        sa.Column("num", sa.BigInteger()),
    )
    op.bulk_insert(meta, [{"key": "routing_version", "value": None, "num": 0}])

    op.create_table(
        "audit_log",
        _id(),
        _ts("ts"),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("workload", sa.String(200)),
        sa.Column("before", sa.JSON()),
        sa.Column("after", sa.JSON()),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_log_workload_ts", "audit_log", ["workload", "ts"])
    op.create_index("ix_audit_log_ts", "audit_log", ["ts"])

    op.create_table(
        "eval_runs",
        _id(),
        sa.Column("workload", sa.String(200), nullable=False),
        sa.Column("tag", sa.String(200)),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("settings", sa.JSON()),
        sa.Column("models", sa.JSON()),
    )
    op.create_index("ix_eval_runs_workload_started", "eval_runs", ["workload", "started_at"])
    op.create_table(
        "eval_results",
        _id(),
        sa.Column(
            "run_id",
            sa.BigInteger(),
            sa.ForeignKey("eval_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("case_id", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("output", sa.Text()),
        sa.Column("passed", sa.Boolean()),
        sa.Column("score", sa.Float()),
        sa.Column("scores", sa.JSON()),
        sa.Column("latency_ms", sa.Float()),
        sa.Column("input_tokens", sa.Integer()),
        sa.Column("output_tokens", sa.Integer()),
        sa.Column("cost_usd", sa.Float()),
        sa.Column("error", sa.Text()),
        sa.UniqueConstraint("run_id", "case_id", "model", name="uq_eval_results_run_case_model"),
    )

    op.create_table(
        "review_pairs",
        _id(),
        sa.Column("workload", sa.String(200), nullable=False),
        sa.Column("pair_id", sa.String(128), nullable=False),
        sa.Column("queue", sa.String(100), nullable=False),
        _ts("sampled_at"),
        sa.Column("disagreement", sa.JSON()),
        sa.UniqueConstraint("queue", "pair_id", name="uq_review_pairs_queue_pair"),
    )
    op.create_index("ix_review_pairs_pair_id", "review_pairs", ["pair_id"])
    op.create_index("ix_review_pairs_workload_sampled", "review_pairs", ["workload", "sampled_at"])
    op.create_table(
        "review_verdicts",
        _id(),
        sa.Column("pair_id", sa.String(128), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("note", sa.Text()),
        _ts("ts"),
    )
    op.create_index("ix_review_verdicts_pair_id", "review_verdicts", ["pair_id"])

    op.create_table(
        "redteam_runs",
        _id(),
        sa.Column("workload", sa.String(200), nullable=False),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("models", sa.JSON()),
        sa.Column("settings", sa.JSON()),
    )
    op.create_index("ix_redteam_runs_workload_started", "redteam_runs", ["workload", "started_at"])
    op.create_table(
        "redteam_findings",
        _id(),
        sa.Column(
            "run_id",
            sa.BigInteger(),
            sa.ForeignKey("redteam_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("probe_id", sa.String(200), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("prompt", sa.Text()),
        sa.Column("output", sa.Text()),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("blocked", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_redteam_findings_run", "redteam_findings", ["run_id"])

    op.create_table(
        "plans",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("from_model", sa.String(200), nullable=False),
        sa.Column("to_model", sa.String(200), nullable=False),
        sa.Column("workloads", sa.JSON()),
        _ts("start_date", nullable=True),
        _ts("created_at"),
    )
    op.create_table(
        "plan_events",
        _id(),
        sa.Column(
            "plan",
            sa.String(200),
            sa.ForeignKey("plans.name", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("note", sa.Text()),
        _ts("ts"),
        sa.Column("evidence", sa.JSON()),
    )
    op.create_index("ix_plan_events_plan_ts", "plan_events", ["plan", "ts"])

    op.create_table(
        "baselines",
        _id(),
        sa.Column("workload", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        _ts("ts"),
        sa.Column("data", sa.JSON()),
    )
    op.create_index("ix_baselines_workload_ts", "baselines", ["workload", "ts"])

    op.create_table(
        "imported_logs",
        sa.Column("file_hash", sa.String(128), primary_key=True),
        sa.Column("path", sa.Text()),
        sa.Column("format", sa.String(64)),
        sa.Column("rows", sa.Integer(), nullable=False),
        _ts("imported_at"),
    )


def downgrade() -> None:
    for name in (
        "imported_logs",
        "baselines",
        "plan_events",
        "plans",
        "redteam_findings",
        "redteam_runs",
        "review_verdicts",
        "review_pairs",
        "eval_results",
        "eval_runs",
        "audit_log",
        "meta",
        "routing_state",
        "traces",
    ):
        op.drop_table(name)
