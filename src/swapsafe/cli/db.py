"""``swapsafe db``: migrate the store and show its state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from swapsafe.config import load_config
from swapsafe.exceptions import ConfigError, StoreError
from swapsafe.store import SqlStore, open_store

app = typer.Typer(
    help=(
        "Manage the swapsafe store (SQLite or PostgreSQL).\n\n"
        "Example: swapsafe db status --url sqlite:///swapsafe.db"
    ),
    no_args_is_help=True,
)

ConfigOpt = Annotated[
    Path,
    typer.Option("--config", "-c", help="Config file whose [store] url is used."),
]
UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Store URL; overrides [store] url, e.g. postgresql://user@host:5432/swapsafe.",
    ),
]


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]{escape(message)}[/red]", soft_wrap=True)
    return typer.Exit(2)


def _store_url(config: Path, url: str | None) -> str:
    if url:
        return url
    return load_config(config).store.url


@contextmanager
def _opened(config: Path, url: str | None, *, upgrade: bool) -> Iterator[SqlStore]:
    """The store, closed at the end; a store or config error exits 2 with its message."""
    try:
        store = open_store(_store_url(config, url), upgrade=upgrade)
    except (StoreError, ConfigError) as exc:
        raise _fail(str(exc)) from None
    try:
        yield store
    except StoreError as exc:
        raise _fail(str(exc)) from None
    finally:
        store.close()


@app.command()
def upgrade(
    config: ConfigOpt = Path("swapsafe.toml"),
    url: UrlOpt = None,
) -> None:
    """Migrate the store to the latest schema (safe to run again; stores also migrate on first use).

    Example: swapsafe db upgrade --url postgresql://swapsafe@db:5432/swapsafe
    """
    with _opened(config, url, upgrade=True) as store:
        current, _head = store.revision()
    Console().print(f"store {escape(store.url)} is at schema revision [bold]{current}[/bold]")


@app.command()
def status(
    config: ConfigOpt = Path("swapsafe.toml"),
    url: UrlOpt = None,
) -> None:
    """Show the store URL (password masked), schema revisions and rows per table.

    Example: swapsafe db status --config swapsafe.toml
    """
    with _opened(config, url, upgrade=False) as store:
        current, head = store.revision()
        counts = store.table_counts()

    console = Console()
    summary = Table(title="swapsafe store", show_header=False)
    summary.add_column("key", style="bold")
    summary.add_column("value", overflow="fold")
    summary.add_row("URL", escape(store.url))
    summary.add_row("current revision", current or "none (run: swapsafe db upgrade)")
    summary.add_row("head revision", head)
    state = "up to date" if current == head else "[yellow]needs upgrade[/yellow]"
    summary.add_row("schema", state)
    console.print(summary)

    rows = Table(title="rows per table")
    rows.add_column("table")
    rows.add_column("rows", justify="right")
    for name, count in sorted(counts.items()):
        rows.add_row(name, f"{count:,}")
    console.print(rows)
