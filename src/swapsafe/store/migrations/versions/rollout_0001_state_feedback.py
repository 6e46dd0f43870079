"""Rollout controller state per workload, and user feedback tied to served responses.

Revision ID: rollout_0001
Revises: 0001
Create Date: 2025-01-02 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "rollout_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("rollout",)
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "rollout_state",
        sa.Column("workload", sa.String(200), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("step_index", sa.Integer, nullable=False),
        sa.Column("steps", sa.JSON, nullable=False),
        _ts("step_started_at"),
        _ts("started_at"),
        _ts("updated_at"),
        sa.Column("pause_reason", sa.Text),
        sa.Column("analysis_failures", sa.Integer, nullable=False),
        _ts("last_analysis_at", nullable=True),
        sa.Column("last_analysis", sa.JSON),
        _ts("promoted_at", nullable=True),
        _ts("retired_at", nullable=True),
        sa.Column("retention", sa.JSON),
        sa.Column("version", sa.Integer, nullable=False),
    )
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "feedback",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("workload", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        _ts("response_ts"),
        _ts("ts"),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("thumbs", sa.String(8)),
        sa.Column("comment", sa.Text),
        sa.UniqueConstraint("request_id", name="uq_feedback_request_id"),
    )
    op.create_index(
        "ix_feedback_workload_model_ts", "feedback", ["workload", "model", "response_ts"]
    )


def downgrade() -> None:
    op.drop_index("ix_feedback_workload_model_ts", table_name="feedback")
    op.drop_table("feedback")
    op.drop_table("rollout_state")
