"""Served trace rows carry their shadow outcome, so shadow coverage follows from the traces.

``traces.shadow_outcome``: "shadowed" when the served request's shadow call was started, the
skip reason (busy_lag, busy_in_flight, concurrency_cap, budget, sampled_out, untranslatable)
when it was due but not made, NULL when none was due (or the row predates this column). A
nullable column without a default: adding it rewrites nothing on SQLite or PostgreSQL.

On SQLite, a partial covering index over the rows that have an outcome: the per-workload
coverage query reads it instead of every served row of the window (0.3 s instead of 4 s for a
workload's 160,000 of 1,000,000 rows). Creating it scans the table once (about 4 s per million
rows). PostgreSQL does not get it, as with ix_traces_report (0002).

Revision ID: shadow_0001
Revises: 0002
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "shadow_0001"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A fixed copy, not an import of tables.py: a migration must keep meaning what it meant.
_INDEX_COLUMNS = ["workload", "ts", "role", "source", "shadow_outcome"]


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.add_column("traces", sa.Column("shadow_outcome", sa.String(32), nullable=True))
    if _sqlite():
        op.create_index(
            "ix_traces_shadow_coverage",
            "traces",
            _INDEX_COLUMNS,
            sqlite_where=sa.text("shadow_outcome IS NOT NULL"),
        )


def downgrade() -> None:
    if _sqlite():
        op.drop_index("ix_traces_shadow_coverage", table_name="traces")
    with op.batch_alter_table("traces") as batch:
        batch.drop_column("shadow_outcome")
