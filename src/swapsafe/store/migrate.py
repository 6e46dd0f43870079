"""Alembic, run programmatically from the migrations shipped inside the package."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from swapsafe.exceptions import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit key: serialises concurrent upgrades from several PostgreSQL replicas.
_PG_LOCK_KEY = 0x5A5A_0001


def alembic_config(connection: Connection | None = None) -> Config:
    """An in-memory Alembic config; no alembic.ini is needed at run time."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def compare_options(dialect: str) -> dict[str, Any]:
    """Options for comparing tables.py with a database (autogenerate, drift test).

    Alembic ignores ``Index.ddl_if``: an index meant for another dialect is left out here.
    """

    def include_object(obj: object, name: str | None, type_: str, *_: object) -> bool:
        cond = getattr(obj, "_ddl_if", None) if type_ == "index" else None
        return cond is None or cond.dialect in (None, dialect)

    return {"compare_type": True, "include_object": include_object}


def head_revisions() -> tuple[str, ...]:
    """Every head: areas may add their own branch off 0001 (one migration chain per area)."""
    return tuple(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))


def head_revision() -> str:
    return ",".join(head_revisions())


def current_revisions(connection: Connection) -> tuple[str, ...]:
    return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))


def current_revision(connection: Connection) -> str | None:
    return ",".join(current_revisions(connection)) or None


def check_known(current: Iterable[str], shown_url: str) -> None:
    """Refuse a database migrated by a newer swapsafe than this one.

    ``current``: the database's revisions, one per area's migration branch.
    """
    script = ScriptDirectory.from_config(alembic_config())
    for rev in current:
        try:
            script.get_revision(rev)
        except Exception:
            raise StoreError(
                f"store {shown_url} is at schema revision {rev!r}, which this swapsafe "
                "does not know. Upgrade swapsafe (pip install -U swapsafe)."
            ) from None


def upgrade(engine: Engine, shown_url: str) -> None:
    """Bring the schema to head in one transaction (no-op when it already is)."""
    with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        current = current_revisions(conn)
        check_known(current, shown_url)
        if current == head_revisions():
            return
        command.upgrade(alembic_config(conn), "heads")
