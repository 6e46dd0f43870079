"""The controller's heartbeat, and the shadow agreement of each pair computed once.

``controller_heartbeat``: the active rollout controller writes its last pass and the time of
its next one, so every status view can say whether anything watches the canary.

``shadow_agreement``: one row per shadow pair (the ``review.agreement`` verdict and the
numbers the pages aggregate), so the overview, the rollout page and the report count
agreement in SQL instead of parsing both response bodies of every pair on every load.

``ix_traces_shadow_pairs``: a partial index of the shadow calls (workload, time, pair id,
source), so finding the pairs not judged yet reads neither the served rows nor the bodies.
On a large store it takes a few seconds to create (one pass over the traces).

Revision ID: rollout_0002
Revises: rollout_0001
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# covering index of the agreement counts (a fixed copy: a migration keeps meaning what it meant)
_COUNTS = [
    "workload",
    "rule",
    "served_ts",
    "served_model",
    "day",
    "agree",
    "both_ok",
    "kinds",
    "similarity",
]

revision: str = "rollout_0002"
down_revision: str | None = "rollout_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "controller_heartbeat",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        _ts("beat_at"),
        _ts("next_at"),
    )
    op.create_table(
        "shadow_agreement",
        sa.Column("pair_id", sa.String(128), primary_key=True),
        sa.Column("rule", sa.Integer, nullable=False),
        sa.Column("workload", sa.String(200), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        _ts("served_ts"),
        sa.Column("served_model", sa.String(200), nullable=False),
        sa.Column("old_model", sa.String(200), nullable=False),
        sa.Column("new_model", sa.String(200), nullable=False),
        sa.Column("agree", sa.Integer, nullable=False),
        sa.Column("both_ok", sa.Integer, nullable=False),
        sa.Column("kinds", sa.String(100), nullable=False),
        sa.Column("similarity", sa.Float),
    )
    op.create_index("ix_shadow_agreement_counts", "shadow_agreement", _COUNTS)
    shadow = sa.text("role = 'shadow'")
    op.create_index(
        "ix_traces_shadow_pairs",
        "traces",
        ["workload", "ts", "pair_id", "source"],
        sqlite_where=shadow,
        postgresql_where=shadow,
    )


def downgrade() -> None:
    op.drop_index("ix_traces_shadow_pairs", table_name="traces")
    op.drop_index("ix_shadow_agreement_counts", table_name="shadow_agreement")
    op.drop_table("shadow_agreement")
    op.drop_table("controller_heartbeat")
