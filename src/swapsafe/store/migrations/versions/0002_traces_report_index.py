"""Covering index for the traffic reports (inventory, baseline, gates), on SQLite only.

SQLite has no hash aggregate: without this index every GROUP BY workload, model, role sorts
the whole window of traces (about 2.5 s per million rows). With it the scan streams in group
order and reads only the index. Creating it takes about 2 s per million existing rows.
PostgreSQL does not get it: it hash-aggregates a sequential scan, and its planner would pick
this index for ordered aggregates and then visit the heap for every row until a VACUUM.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

# A fixed copy, not an import of tables.py: a migration must keep meaning what it meant.
_COLUMNS = [
    "workload",
    "model",
    "role",
    "ts",
    "status",
    "latency_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "source",
]

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if _sqlite():
        op.create_index("ix_traces_report", "traces", _COLUMNS)


def downgrade() -> None:
    if _sqlite():
        op.drop_index("ix_traces_report", table_name="traces")
