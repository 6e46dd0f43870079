"""Served trace rows carry their shadow outcome, so shadow coverage follows from the traces.

``traces.shadow_outcome``: "shadowed" when the served request's shadow call was started, the
skip reason (busy_lag, busy_in_flight, concurrency_cap, budget, sampled_out, untranslatable)
when it was due but not made, NULL when none was due (or the row predates this column). A
nullable column without a default: adding it rewrites nothing on SQLite or PostgreSQL.

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


def upgrade() -> None:
    op.add_column("traces", sa.Column("shadow_outcome", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("traces") as batch:
        batch.drop_column("shadow_outcome")
