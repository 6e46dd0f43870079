"""Log imports keyed per call: the import history records what each file gave.

Imports now key every call by its own identity (request / response id, OTel traceId + spanId,
or a hash of the row), so a file's hash no longer decides whether it may be imported: the
``imported_logs`` table becomes a history of what each file gave. It gains ``calls`` (calls
read from the file) and ``skipped`` (lines that were not calls); ``rows`` stays the number of
rows the import added. Records of files that imported nothing (``rows = 0``, written before a
failed import stopped being recorded) are removed: they were never an import.

Nullable columns without a default: adding them rewrites nothing on SQLite or PostgreSQL.

Revision ID: traffic_0001
Revises: 0001
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "traffic_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("traffic",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("imported_logs") as batch:
        batch.add_column(sa.Column("calls", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("skipped", sa.Integer(), nullable=True))
    op.execute("DELETE FROM imported_logs WHERE rows = 0")


def downgrade() -> None:
    with op.batch_alter_table("imported_logs") as batch:
        batch.drop_column("skipped")
        batch.drop_column("calls")
