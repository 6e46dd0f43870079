"""Trace rows record the prompt variant their call was sent with.

``traces.prompt_variant``: the short hash of the ``[workloads.W.prompts.MODEL]`` variant the
gateway applied to the request (``wire/prompt_variant.py``), NULL when the request went as the
application wrote it (or the row predates this column). A nullable column without a default:
adding it rewrites nothing on SQLite or PostgreSQL.

Revision ID: adapters_0001
Revises: 0001
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "adapters_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("traces", sa.Column("prompt_variant", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("traces") as batch:
        batch.drop_column("prompt_variant")
