"""Tables of the rollout area: the controller's state per workload and user feedback.

They share ``tables.metadata``; the schema is created by the ``rollout_0001`` migration branch.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Index, Integer, String, Table, Text, UniqueConstraint

from swapsafe.store.tables import BigId, UtcDateTime, metadata, traces

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

#: One row per background loop ("rollout"): who runs it and when it last and next looks.
controller_heartbeat = Table(
    "controller_heartbeat",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("beat_at", UtcDateTime(), nullable=False),
    Column("next_at", UtcDateTime(), nullable=False),
)

#: The shadow agreement of each pair (review.agreement.compare), computed once per pair so
#: pages and the controller aggregate it in SQL instead of re-reading both response bodies.
shadow_agreement = Table(
    "shadow_agreement",
    metadata,
    Column("pair_id", String(128), primary_key=True),
    Column("rule", Integer, nullable=False),
    Column("workload", String(200), nullable=False),
    Column("day", String(10), nullable=False),
    Column("served_ts", UtcDateTime(), nullable=False),
    Column("served_model", String(200), nullable=False),
    Column("old_model", String(200), nullable=False),
    Column("new_model", String(200), nullable=False),
    Column("agree", Integer, nullable=False),
    Column("both_ok", Integer, nullable=False),
    Column("kinds", String(100), nullable=False),
    Column("similarity", Float),
    # covering: the per-day and per-model counts read this index only
    Index(
        "ix_shadow_agreement_counts",
        "workload",
        "rule",
        "served_ts",
        "served_model",
        "day",
        "agree",
        "both_ok",
        "kinds",
        "similarity",
    ),
)

#: Shadow calls only, with what finding the unjudged pairs reads (no wide rows visited).
Index(
    "ix_traces_shadow_pairs",
    traces.c.workload,
    traces.c.ts,
    traces.c.pair_id,
    traces.c.source,
    sqlite_where=traces.c.role == "shadow",
    postgresql_where=traces.c.role == "shadow",
)
