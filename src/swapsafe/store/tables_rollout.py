"""Tables of the rollout area: the controller's state per workload and user feedback.

They share ``tables.metadata``; the schema is created by the ``rollout_0001`` migration branch.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Index, Integer, String, Table, Text, UniqueConstraint

from swapsafe.store.tables import BigId, UtcDateTime, metadata

rollout_state = Table(
    "rollout_state",
    metadata,
    Column("workload", String(200), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("step_index", Integer, nullable=False),
    Column("steps", JSON, nullable=False),
    Column("step_started_at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("pause_reason", Text),
    Column("analysis_failures", Integer, nullable=False, default=0),
    Column("last_analysis_at", UtcDateTime()),
    Column("last_analysis", JSON),
    Column("promoted_at", UtcDateTime()),
    Column("retired_at", UtcDateTime()),
    Column("retention", JSON),
    Column("version", Integer, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("request_id", String(128), nullable=False),
    Column("workload", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("response_ts", UtcDateTime(), nullable=False),
    Column("ts", UtcDateTime(), nullable=False),
    Column("score", Float, nullable=False),
    Column("thumbs", String(8)),
    Column("comment", Text),
    UniqueConstraint("request_id", name="uq_feedback_request_id"),
    Index("ix_feedback_workload_model_ts", "workload", "model", "response_ts"),
)
