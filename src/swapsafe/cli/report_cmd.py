"""``swapsafe import-logs | inventory | baseline [show] | criteria export | report``.

Week 1 of a migration: import existing logs, see which workloads use which model, take a
baseline, export the go/no-go criteria; then the go/no-go report at any time.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from swapsafe.cli.common import config_option, emit, fail, handle_errors, load_or_exit, write_out
from swapsafe.cli.compat_view import print_compat
from swapsafe.cli.output import err as err_console
from swapsafe.config import Config, parse_duration
from swapsafe.report import render_report
from swapsafe.report.criteria import digest, render_criteria
from swapsafe.report.markdown import figure
from swapsafe.store import open_store
from swapsafe.store.protocol import Store
from swapsafe.traffic.baseline import compare_latest, compute_baselines, store_baselines
from swapsafe.traffic.importers import FORMATS, ImportSummary, import_file, unknown_format
from swapsafe.traffic.inventory import build_inventory, to_csv, to_json

console = Console()

baseline_app = typer.Typer(
    help="Take a dated baseline per workload and model, or compare the latest ones.\n\n"
    "Example: swapsafe baseline --workload support && swapsafe baseline show",
    invoke_without_command=True,
)
criteria_app = typer.Typer(
    help="The go/no-go criteria document.\n\nExample: swapsafe criteria export --out criteria.md",
    no_args_is_help=True,
)


def _actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except Exception:  # no user name in some containers
        return "cli:unknown"


@contextmanager
def _store(cfg: Config) -> Iterator[Store]:
    store = open_store(cfg.store.url)
    try:
        yield store
    finally:
        store.close()


def _window(value: str | None, option: str) -> timedelta | None:
    if value is None:
        return None
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise fail(f"{option}: {exc}") from None
    if seconds <= 0:
        raise fail(f"{option}: must be longer than 0, e.g. 7d")
    return timedelta(seconds=seconds)


# -- import-logs ----------------------------------------------------------------------------


@handle_errors
def import_logs(
    file: Path = typer.Argument(..., help="Log file to import."),
    format: str = typer.Option(..., "--format", "-f", help="openai-jsonl | otel-genai | csv"),
    workload_from: str | None = typer.Option(
        None,
        help="Field holding the workload name (dotted path, span attribute or column); "
        "an error when no call in the file has it.",
    ),
    workload: str | None = typer.Option(None, help="Workload for rows that name none."),
    batch_model: str | None = typer.Option(
        None, help="Model of an OpenAI Batch output file in which every line failed."
    ),
    config: Path = config_option,
) -> None:
    """Import existing LLM call logs as served traffic; safe to re-run.

    Every call is keyed by its own id (request/response id, OTel traceId+spanId, or a hash
    of the row), so importing a file again after appending lines or fixing a bad row adds
    only the calls not stored yet. A file from which no call can be read is an error (exit 2)
    and is not recorded.

    Example:

        swapsafe import-logs calls.jsonl --format openai-jsonl --workload-from metadata.feature
        swapsafe import-logs spans.json --format otel-genai --workload-from service.name
        swapsafe import-logs usage.csv --format csv --workload support
    """
    if format not in FORMATS:
        raise fail(str(unknown_format(format)))
    if not file.is_file():
        raise fail(f"{file}: no such file")
    cfg = load_or_exit(config)
    options = {"workload_from": workload_from, "workload": workload, "batch_model": batch_model}
    summary = _import_with_progress(cfg, file, format, options)
    _print_import(file, summary)


def _import_with_progress(
    cfg: Config, file: Path, fmt: str, options: dict[str, str | None]
) -> ImportSummary:
    lines = max(1, file.read_bytes().count(b"\n"))
    columns = (BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with (
        _store(cfg) as store,
        Progress(
            TextColumn("[bold]importing"), *columns, console=err_console, transient=True
        ) as progress,
    ):
        task = progress.add_task("import", total=lines)
        return import_file(
            cfg, store, file, fmt,
            workload_from=options["workload_from"], workload=options["workload"],
            batch_model=options["batch_model"], on_progress=lambda n: progress.advance(task, n),
        )  # fmt: skip


def _print_import(file: Path, summary: ImportSummary) -> None:
    stored = f"; {summary.already_stored} already stored" if summary.already_stored else ""
    console.print(
        f"{file}: read {summary.calls} calls ({summary.format}): {summary.imported} new{stored}",
        markup=False,
    )
    if summary.rekeyed:
        console.print(f"replaced {summary.rekeyed} rows of an earlier import of this file")
    if summary.imported and summary.workloads:
        table = Table(title="calls read")
        for col in ("workload", "calls"):
            table.add_column(col)
        for name, n in sorted(summary.workloads.items()):
            table.add_row(name, str(n))
        console.print(table)
    if summary.unassigned:
        console.print(
            f"[yellow]{summary.unassigned} calls have no workload (stored as 'unassigned'): "
            "use --workload-from FIELD or --workload NAME[/yellow]"
        )
    if summary.skipped:
        console.print(f"[yellow]skipped {len(summary.skipped)} lines that are not calls:[/yellow]")
        for s in summary.skipped[:10]:
            console.print(f"  line {s.line}: {s.reason}", markup=False)
        if len(summary.skipped) > 10:
            console.print(f"  ... and {len(summary.skipped) - 10} more")


# -- inventory ------------------------------------------------------------------------------


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


@handle_errors
def inventory(
    since: str | None = typer.Option(None, help="Only calls in this window, e.g. 7d, 24h."),
    model: str | None = typer.Option(None, help="Highlight workloads still on this (old) model."),
    format: str = typer.Option("table", "--format", "-f", help="table | json | csv"),
    config: Path = config_option,
) -> None:
    """Workloads x models: requests/day, tokens, cost/day, p95 latency and error rate.

    Served calls only (gateway traffic and imported logs); shadow calls are listed apart
    and never counted in the volumes or cost.

    Example:

        swapsafe inventory --since 7d --model gpt-4o
        swapsafe inventory --format csv > inventory.csv
    """
    if format not in ("table", "json", "csv"):
        raise fail(f"--format: unknown {format!r}; use table, json or csv")
    window = _window(since, "--since")
    cfg = load_or_exit(config)
    with _store(cfg) as store:
        inv = build_inventory(cfg, store, since=window, model=model)
    if format == "json":
        typer.echo(to_json(inv))
        return
    if format == "csv":
        typer.echo(to_csv(inv), nl=False)
        return
    period = f"last {since}" if since else f"{inv.days:.1f} days of recorded traffic"
    for title, rows in (
        ("served traffic", inv.rows),
        ("shadow calls (not counted above)", inv.shadow),
    ):
        if not rows and title.startswith("shadow"):
            continue
        table = Table(title=f"{title}, {period}")
        for col in ("workload", "model", "req/day", "in tok/req", "out tok/req", "cost/day",
                    "p95 ms", "errors"):  # fmt: skip
            table.add_column(col, justify="left" if col in ("workload", "model") else "right")
        for r in rows:
            style = "bold yellow" if r.on_old_model else None
            table.add_row(
                r.workload, r.model + (" ← old" if r.on_old_model else ""),
                f"{r.requests_per_day:,.1f}", f"{r.input_tokens_per_request:,.0f}",
                f"{r.output_tokens_per_request:,.0f}", _money(r.cost_per_day),
                "-" if r.p95_latency_ms is None else f"{r.p95_latency_ms:,.0f}",
                f"{100 * r.error_rate:.1f}%", style=style,
            )  # fmt: skip
        console.print(table)
    print_compat(console, [*inv.rows, *inv.shadow])
    if not inv.rows:
        console.print("no served traffic recorded: run the gateway or `swapsafe import-logs`")
    if inv.old_model is not None:
        still = inv.on_old_model
        names = ", ".join(still) if still else "none"
        console.print(f"{len(still)} workloads still on {inv.old_model}: {names}")


# -- baseline -------------------------------------------------------------------------------


@baseline_app.callback()
@handle_errors
def baseline(
    ctx: typer.Context,
    workload: list[str] = typer.Option([], help="Only this workload (repeatable)."),
    since: str = typer.Option("7d", help="Traffic window the figures are taken over."),
    config: Path = config_option,
) -> None:
    """Store a dated baseline per workload and model: pass rate, errors, cost, latency (with CIs).

    Example:

        swapsafe baseline --workload support
        swapsafe baseline show
    """
    if ctx.invoked_subcommand is not None:
        return
    window = _window(since, "--since")
    assert window is not None
    cfg = load_or_exit(config)
    for name in workload:
        if name not in cfg.workloads:
            raise fail(f"--workload: unknown {name!r} (configured: {', '.join(cfg.workloads)})")
    now = datetime.now(UTC)
    with _store(cfg) as store, err_console.status("computing baselines"):
        snaps = compute_baselines(cfg, store, workloads=workload or None, window=window, now=now)
        ids = store_baselines(store, snaps, now=now)
    table = Table(title=f"baselines stored {now:%Y-%m-%d %H:%M} UTC (last {since})")
    for col in ("id", "workload", "model", "pass rate", "requests", "error rate", "cost/req",
                "p50 ms", "p95 ms", "out tok/req"):  # fmt: skip
        table.add_column(col)
    for i, s in zip(ids, snaps, strict=True):
        d = s.data
        table.add_row(
            str(i), s.workload, s.model, figure(d, "pass_rate", "%"), str(d.get("requests", 0)),
            figure(d, "error_rate", "%"), figure(d, "cost_per_request", "$"),
            figure(d, "p50_ms", "n"), figure(d, "p95_ms", "n"),
            figure(d, "output_tokens_per_request", "n"),
        )  # fmt: skip
    console.print(table)


@baseline_app.command("show")
@handle_errors
def baseline_show(
    workload: str | None = typer.Option(None, help="Only this workload."),
    config: Path = config_option,
) -> None:
    """Compare the latest baseline with the previous one, per workload and model.

    Example:

        swapsafe baseline show --workload support
    """
    cfg = load_or_exit(config)
    with _store(cfg) as store:
        comparisons = compare_latest(store, workload)
    if not comparisons:
        console.print("no baselines stored yet: run `swapsafe baseline`")
        return
    for c in comparisons:
        when = f"{c.latest.ts:%Y-%m-%d %H:%M}"
        prev = f"{c.previous.ts:%Y-%m-%d %H:%M}" if c.previous else "none"
        table = Table(title=f"{c.workload} / {c.model}: #{c.latest.id} {when} vs {prev}")
        for col in ("metric", "previous", "latest", "change"):
            table.add_column(col)
        for label, unit, old, new in c.changes():
            table.add_row(label, _fmt(old, unit), _fmt(new, unit), _delta(old, new, unit))
        console.print(table)


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "%":
        return f"{100 * value:.1f}%"
    if unit == "$":
        return f"${value:.5f}"
    return f"{value:,.1f}" if isinstance(value, float) else str(value)


def _delta(old: Any, new: Any, unit: str) -> str:
    if old is None or new is None:
        return "-"
    if unit == "%":
        return f"{100 * (new - old):+.1f} pts"
    return f"{(new - old) / old:+.1%}" if old else f"{new - old:+g}"


# -- criteria / report ----------------------------------------------------------------------


@criteria_app.command("export")
@handle_errors
def criteria_export(
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
    config: Path = config_option,
) -> None:
    """Render every workload's gates and rollback triggers as markdown to sign off.

    Records a ``criteria.export`` audit entry with the document's SHA-256.

    Example:

        swapsafe criteria export --out criteria.md
    """
    cfg = load_or_exit(config)
    text = render_criteria(cfg, now=datetime.now(UTC))
    with _store(cfg) as store:
        if out is not None:
            write_out(text, out)
        store.add_audit(
            actor=_actor(), action="criteria.export", workload=None, before=None,
            after={"workloads": sorted(cfg.workloads), "sha256": digest(text),
                   "out": None if out is None else str(out)},
            reason="go/no-go criteria exported",
        )  # fmt: skip
    if out is None:
        typer.echo(text, nl=False)
    else:
        console.print(f"wrote {out} ({len(cfg.workloads)} workloads)")


@handle_errors
def report(
    workload: list[str] = typer.Option([], help="Only this workload (repeatable)."),
    format: str = typer.Option("md", "--format", "-f", help="md | html"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
    config: Path = config_option,
) -> None:
    """The go/no-go report: decision per workload, gates, baseline vs candidate, cost.

    Example:

        swapsafe report --format html --out report.html
        swapsafe report --workload support
    """
    if format not in ("md", "html"):
        raise fail(f"--format: unknown {format!r}; use md or html")
    cfg = load_or_exit(config)
    with _store(cfg) as store, err_console.status("evaluating gates"):
        text = render_report(cfg, store, workload or None, "html" if format == "html" else "md")
    if emit(text, out):
        console.print(f"wrote {out}")
