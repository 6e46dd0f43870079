"""``swapsafe eval export RUN``: one row per case and model of a stored eval run."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from swapsafe.cli.common import config_option, fail, handle_errors, load_or_exit
from swapsafe.cli.eval_cmd import cli_store, closes_stores
from swapsafe.evals.datasets import write_atomic
from swapsafe.evals.export import FORMATS, export_run


def export(
    run_id: int = typer.Argument(..., help="Eval run id (see swapsafe eval list)."),
    fmt: str = typer.Option("jsonl", "--format", help=f"{' or '.join(FORMATS)}."),
    out: Path | None = typer.Option(None, "--out", "-o", help="File to write (default: stdout)."),
    config: Path = config_option,
) -> None:
    """Export a run's per-case results: input, output, each assertion's result, errored,
    latency, tokens and cost, one row per case and model.

    Example:

        swapsafe eval export 12 --format csv -o run12.csv
    """
    if fmt not in FORMATS:
        raise fail(f'unknown format "{fmt}"; use {" or ".join(FORMATS)}')
    cfg = load_or_exit(config)
    data = export_run(cfg, cli_store(cfg), run_id, fmt)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_atomic(out, data)
        typer.echo(f"wrote {out}", err=True)


export_command = handle_errors(closes_stores(export))
