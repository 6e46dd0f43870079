"""``ix_traces_report`` also covers the compatibility counts, on SQLite only (as in 0002).

The report's compatibility table counts per workload, model and role the requests an adapter
changed (``adapted``), the 4xx refusals (``http_status``) and the prompt variants
(``prompt_variant``). Those columns were not in the index, so the count read every trace row
of the window from the table (1.9 s on 1,000,000 traces). The index is rebuilt with them
appended: the same seeks serve the traffic aggregates and the compatibility counts, reading
only the index. Rebuilding takes about 3 s per million rows. Dropping an index drops its
planner statistics: where the store had been ANALYZEd, the new index is analyzed too (about
0.5 s per million rows), so the planner does not judge it without them. PostgreSQL is
unchanged.

On the adapters branch (after adapters_0002 adds ``adapted``), depending on 0002, which
created the index.

Revision ID: report_0001
Revises: adapters_0002
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Fixed copies, not imports of tables.py: a migration must keep meaning what it meant.
_BEFORE = [
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
_AFTER = [*_BEFORE, "http_status", "adapted", "prompt_variant"]

revision: str = "report_0001"
down_revision: str | None = "adapters_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0002"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rebuild(columns: list[str]) -> None:
    bind = op.get_bind()
    stat = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
    analyzed = bind.execute(sa.text(stat)).first() is not None
    op.drop_index("ix_traces_report", table_name="traces")
    op.create_index("ix_traces_report", "traces", columns)
    if analyzed:
        bind.execute(sa.text("ANALYZE ix_traces_report"))


def upgrade() -> None:
    if _sqlite():
        _rebuild(_AFTER)


def downgrade() -> None:
    if _sqlite():
        _rebuild(_BEFORE)
