"""Migration traffic_0001 on a store that has import records from before it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from swapsafe.store import open_store
from swapsafe.store.migrate import alembic_config


def test_import_records_that_added_nothing_are_dropped(store_url: str) -> None:
    store = open_store(store_url)
    try:
        with store._engine.begin() as conn:  # type: ignore[attr-defined]
            command.downgrade(alembic_config(conn), "traffic_0001-1")
            for digest, rows in (("a" * 64, 0), ("b" * 64, 3)):
                conn.execute(
                    text(
                        "INSERT INTO imported_logs (file_hash, path, format, rows, imported_at) "
                        "VALUES (:h, 'x.jsonl', 'openai-jsonl', :r, CURRENT_TIMESTAMP)"
                    ),
                    {"h": digest, "r": rows},
                )
        store.upgrade()
        with store._engine.connect() as conn:  # type: ignore[attr-defined]
            left = conn.execute(
                text("SELECT file_hash, rows, calls, skipped FROM imported_logs")
            ).all()
        assert [tuple(r) for r in left] == [("b" * 64, 3, None, None)]
        assert store.drop_legacy_import("b" * 64) == 0  # no rows keyed by it
    finally:
        store.close()
