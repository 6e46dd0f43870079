"""Trace rows record which request rules of the model adapter changed the request.

``traces.adapted``: the labels of the ``[models.NAME.request]`` rules (profile included) that
changed the body sent upstream, comma-separated (``rename:max_tokens>max_completion_tokens,
drop:temperature``); NULL when none fired (or the row predates this column). Inventory and the
report count the share of adapted requests per workload and model from it. A nullable column
without a default: adding it rewrites nothing on SQLite or PostgreSQL.

Revision ID: adapters_0002
Revises: adapters_0001
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "adapters_0002"
down_revision: str | None = "adapters_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("traces", sa.Column("adapted", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("traces") as batch:
        batch.drop_column("adapted")
