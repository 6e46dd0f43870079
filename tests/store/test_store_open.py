"""Opening, migrating and failing to open the store."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from swapsafe.exceptions import StoreError
from swapsafe.store import SqlStore, open_store
from swapsafe.store.engine import StoreTimeouts, mask_url, parse_url
from swapsafe.store.migrate import compare_options, head_revision
from swapsafe.store.tables import metadata

HEAD = head_revision()  # every area's migration branch, e.g. "0002,rollout_0001"


def test_upgrade_is_idempotent(store: SqlStore, store_url: str) -> None:
    assert store.revision() == (HEAD, HEAD)
    store.upgrade()
    store.upgrade()
    again = open_store(store_url)
    try:
        assert again.revision() == (HEAD, HEAD)
    finally:
        again.close()
    counts = store.table_counts()
    assert set(counts) == {t.name for t in metadata.sorted_tables}
    assert counts["traces"] == 0
    assert counts["meta"] == 1  # the routing version counter


def test_open_without_upgrade_reports_no_revision(store_url: str) -> None:
    s = open_store(store_url, upgrade=False)
    try:
        assert s.revision() == (None, HEAD)
        assert s.table_counts() == {}
        s.upgrade()
        assert s.revision() == (HEAD, HEAD)
    finally:
        s.close()


def test_migration_matches_tables_module(store: SqlStore) -> None:
    """tables.py (what the code queries) and the migrations (what the DB has) must agree."""
    with store._engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts=compare_options(conn.dialect.name))
        diffs = compare_metadata(ctx, metadata)
    assert diffs == []


def test_sqlite_pragmas(tmp_path: Path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        with s._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
    finally:
        s.close()


def test_sqlite_busy_timeout_is_the_statement_timeout(tmp_path: Path) -> None:
    s = open_store(f"sqlite:///{tmp_path / 'a.db'}", timeouts=StoreTimeouts(statement=2.5))
    try:
        with s._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
    finally:
        s.close()


def test_sqlite_store_file_is_private(tmp_path: Path) -> None:
    """It holds request and response bodies: 0600, and its WAL files follow its mode."""
    s = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        s.insert_traces([])
        with s._engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x)")
            conn.commit()
        for name in ("a.db", "a.db-wal", "a.db-shm"):
            path = tmp_path / name
            if path.exists():
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    finally:
        s.close()


def test_postgres_url_forms_normalise_to_psycopg() -> None:
    for url in ("postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg://u@h/db"):
        assert parse_url(url).drivername == "postgresql+psycopg"
    assert mask_url("postgresql://u:secret@h:5432/db") == "postgresql://u:***@h:5432/db"


def _one_line(exc: pytest.ExceptionInfo[StoreError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


def test_server_down_is_one_line_with_masked_password() -> None:
    with pytest.raises(StoreError) as exc:
        open_store("postgresql://postgres:s3cret-pw@127.0.0.1:5999/test")
    message = _one_line(exc)
    assert "s3cret-pw" not in message
    assert message.startswith("cannot open store postgresql://postgres:***@127.0.0.1:5999/test:")
    assert "connection refused" in message
    assert "Check [store] url" in message


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("mysql://root:pw@localhost/db", "unsupported scheme 'mysql'"),
        ("not a url at all", "not a database URL"),
        ("sqlite://", "in-memory SQLite is not supported"),
    ],
)
def test_bad_urls(url: str, needle: str) -> None:
    with pytest.raises(StoreError) as exc:
        open_store(url)
    message = _one_line(exc)
    assert needle in message
    assert ":pw@" not in message


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as exc:
        open_store(f"sqlite:///{tmp_path / 'nope' / 'swapsafe.db'}")
    message = _one_line(exc)
    assert f"directory {tmp_path / 'nope'} does not exist" in message


def test_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    open_store(f"sqlite:///{path}").close()
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    try:
        with pytest.raises(StoreError) as exc:
            open_store(f"sqlite:///{path}")
    finally:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    assert "is read-only" in _one_line(exc)


def test_not_a_database_file(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError) as exc:
        open_store(f"sqlite:///{path}")
    assert "not a SQLite database" in _one_line(exc)


def test_unknown_newer_revision_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    open_store(f"sqlite:///{path}").close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(
            text(  # any one branch's head: which ones exist depends on the migrations shipped
                "UPDATE alembic_version SET version_num = '9999' "
                "WHERE version_num = (SELECT MIN(version_num) FROM alembic_version)"
            )
        )
    engine.dispose()
    for upgrade in (True, False):
        with pytest.raises(StoreError) as exc:
            open_store(f"sqlite:///{path}", upgrade=upgrade)
        assert "does not know. Upgrade swapsafe" in _one_line(exc)


def test_repr_and_url_hide_password() -> None:
    s = SqlStore(parse_url("postgresql://u:hunter2@127.0.0.1:5999/db"))
    try:
        assert "hunter2" not in repr(s)
        assert "hunter2" not in s.url
    finally:
        s.close()
