"""Shared fixtures: a fresh PostgreSQL schema per test, and a store URL for both backends.

PostgreSQL comes from SWAPSAFE_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test).
With CI=true an unreachable server fails the run; locally those tests are skipped with a reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def pg_base_url() -> str:
    return os.environ.get("SWAPSAFE_TEST_POSTGRES_URL") or DEFAULT_PG_URL


def _libpq(url: str) -> str:
    """A SQLAlchemy-style URL as a libpq URI (psycopg does not know '+psycopg')."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The base PostgreSQL URL, after checking that the server answers."""
    url = pg_base_url()
    try:
        import psycopg

        with psycopg.connect(_libpq(url), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        masked = make_url(url).render_as_string(hide_password=True)
        reason = f"PostgreSQL not reachable at {masked} (set SWAPSAFE_TEST_POSTGRES_URL): {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason.splitlines()[0], pytrace=False)
        pytest.skip(reason.splitlines()[0])
    return url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a brand-new schema, dropped after the test."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_libpq(pg_server), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(pg_server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(pg_server), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for an empty store, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'swapsafe.db'}"
    return str(request.getfixturevalue("pg_url"))
