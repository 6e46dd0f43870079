"""``swapsafe redteam run|list|report|probes``: red-team probes against a workload's models."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from swapsafe.cli.common import config_option, emit, fail, handle_errors, load_or_exit
from swapsafe.cli.output import err
from swapsafe.cli.run_bar import RunBar, run_with_bar
from swapsafe.config import Config
from swapsafe.redteam.probes.base import CATEGORY_TITLES, SUITES, suite_categories
from swapsafe.redteam.probes.registry import select
from swapsafe.redteam.report import render_markdown, summary_of
from swapsafe.redteam.runner import (
    RedteamJob,
    RunOutcome,
    Snapshot,
    catalog,
    get_run,
    run_redteam,
)
from swapsafe.redteam.summary import Rate, Summary
from swapsafe.store import open_store
from swapsafe.store.protocol import Store

redteam_app = typer.Typer(
    help="Red-team a workload's models: injection, jailbreak and leak probes.\n\n"
    "Example: swapsafe redteam run --workload support --suite injection --limit 5",
    no_args_is_help=True,
)
console = Console()

_suite_help = f"Suites, comma-separated: {', '.join(SUITES)}."


def _label(s: Snapshot) -> str:
    parts = [
        f"{escape(m)} {t.successes}/{t.done} hit" + (f", {t.errors} err" if t.errors else "")
        for m, t in s.models.items()
    ]
    return f"run {s.run_id}  " + "  ".join(parts)


def _bar(progress: Progress) -> RunBar:
    """Probes done (errored ones included) / total, attacks that succeeded per model, ETA."""
    return RunBar(progress, _label, completed=lambda s: s.done + s.errors)


@contextlib.contextmanager
def _store(cfg: Config) -> Iterator[Store]:
    store = open_store(cfg.store.url)
    try:
        yield store
    finally:
        store.close()


def _cell(rate: Rate | None) -> str:
    if rate is None or not rate.n:
        return "-"
    ci = f"[{100 * rate.low:.0f}-{100 * rate.high:.0f}%]"
    text = f"{100 * rate.rate:.0f}% ({rate.successes}/{rate.n}) {ci}"
    if rate.blocked:
        text += f" {rate.blocked} blocked"
    return escape(text)


_VERDICT = {
    "regression": "[red]regression[/]",
    "ok": "[green]ok[/]",
    "inconclusive": "[yellow]inconclusive[/] (not probed on both models)",
    None: "-",
}


def _table(title: str, summary: Summary) -> Table:
    table = Table(title=title)
    table.add_column("category")
    for m in summary.models:
        table.add_column(f"{escape(m)}\nattack success (95% CI)")
    table.add_column("verdict")
    for cat, by_model in summary.rates.items():
        verdict = _VERDICT[summary.verdict(cat)]
        cells = [_cell(by_model.get(m)) for m in summary.models]
        table.add_row(escape(CATEGORY_TITLES.get(cat, cat)), *cells, verdict)
    table.add_row("[bold]all[/]", *[_cell(summary.overall.get(m)) for m in summary.models], "")
    return table


def _show(store: Store, run_id: int) -> Summary:
    run = get_run(store, run_id)
    findings = store.redteam_findings(run_id)
    summary = summary_of(run, findings)
    title = f"red-team run {run_id}: {escape(run.workload)} " + escape(f"[{run.status}]")
    console.print(_table(title, summary))
    if summary.regressions:
        for r in summary.regressions:
            console.print(
                f"[red]regression[/] {escape(CATEGORY_TITLES.get(r.category, r.category))}: "
                f"{escape(summary.candidate or '')} {100 * r.candidate_rate:.1f}% vs "
                f"{escape(summary.baseline or '')} {100 * r.baseline_rate:.1f}% "
                f"(margin {summary.margin:g} points; "
                f"{escape(summary.results[r.category].describe())})"
            )
    elif summary.baseline and summary.candidate:
        console.print(f"no category shown worse than baseline beyond {summary.margin:g} points")
    if summary.inconclusive:
        for c in summary.inconclusive:
            res = summary.results[c]
            colour = "orange_red1" if res.lean.tone == "warn" else "yellow"
            console.print(
                f"[{colour}]inconclusive[/] {escape(CATEGORY_TITLES.get(c, c))}: "
                f"{escape(res.describe())}"
            )
    blocked = sum(1 for f in findings if f.blocked)
    if blocked:
        console.print(f"{blocked} request(s) blocked by the provider (counted as unsuccessful)")
    return summary


@redteam_app.command("run")
@handle_errors
def run(
    workload: str | None = typer.Option(None, "--workload", "-w", help="Workload to red-team."),
    models: str | None = typer.Option(
        None, "--models", help="Comma-separated model names (default: baseline,candidate)."
    ),
    suite: str = typer.Option("all", "--suite", help=_suite_help),
    limit: int | None = typer.Option(
        None, "--limit", min=1, help="Only the first N probes of each category."
    ),
    resume: int | None = typer.Option(
        None, "--resume", help="Complete an interrupted run (skips finished probe x model pairs)."
    ),
    probes: Path | None = typer.Option(
        None, "--probes", help="Your own probe file (YAML) extending the suites."
    ),
    judge: str | None = typer.Option(
        None, "--judge", help="Model (name from the config) that judges refusals."
    ),
    concurrency: int | None = typer.Option(
        None, "--concurrency", min=1, help="Calls in flight (default: [evals] concurrency)."
    ),
    config: Path = config_option,
) -> None:
    """Send every probe inside the workload's real system prompt to both models and score it.

    A fresh canary is planted in the system prompt and fake secrets in the context; any output
    showing them is a leak. Ctrl-C stops cleanly and keeps what finished; --resume RUN_ID
    completes the run.

    Example:

        swapsafe redteam run --workload support --suite injection,leak --limit 10
        swapsafe redteam run --workload support --probes redteam.yaml --judge gpt-4o
        swapsafe redteam run --resume 3
    """
    cfg = load_or_exit(config)
    _check_workload(cfg, workload, resume)
    chosen = [m.strip() for m in models.split(",") if m.strip()] if models else None
    with _store(cfg) as store:
        if resume is not None:
            workload = get_run(store, resume).workload
        assert workload is not None
        job = RedteamJob(
            workload,
            models=chosen,
            suite=suite,
            limit=limit,
            probes_file=probes,
            run_id=resume,
            judge=judge or getattr(cfg.evals, "judge", None),
            concurrency=concurrency,
        )
        outcome = run_with_bar(
            _bar,
            lambda view: run_redteam(cfg, store, job, progress=view),
            kept="findings",
            command="redteam",
        )
        _report_outcome(cfg, store, outcome)


def _check_workload(cfg: Config, workload: str | None, resume: int | None) -> None:
    if resume is None and not workload:
        raise fail("name a workload: --workload NAME (or --resume RUN_ID)")
    if workload and workload not in cfg.workloads:
        raise fail(f'unknown workload "{workload}" (workloads: {", ".join(sorted(cfg.workloads))})')


def _report_outcome(cfg: Config, store: Store, outcome: RunOutcome) -> None:
    """The run's table, what to retry, where the report is; exit 1 when it is incomplete."""
    _show(store, outcome.run_id)
    if outcome.errors:
        err.print(
            f"[yellow]{outcome.errors} call(s) failed and were not scored; retry them with: "
            f"swapsafe redteam run --resume {outcome.run_id}[/]"
        )
    console.print(f"report: swapsafe redteam report {outcome.run_id} --out redteam.md")
    if outcome.status == "incomplete":
        err.print(
            f"[red]run {outcome.run_id} is incomplete: more than "
            f"{100 * cfg.evals.max_error_rate:g}% of its calls errored ([evals] "
            "max_error_rate); it is no gate evidence[/]"
        )
        raise typer.Exit(1)


@redteam_app.command("list")
@handle_errors
def list_runs(
    workload: str | None = typer.Option(None, "--workload", "-w", help="Only this workload."),
    limit: int = typer.Option(20, "--limit", min=1, help="Show at most N runs."),
    config: Path = config_option,
) -> None:
    """List red-team runs, newest first, with attack success per model and regressions.

    Example:

        swapsafe redteam list --workload support
    """
    cfg = load_or_exit(config)
    with _store(cfg) as store:
        runs = store.list_redteam_runs(workload, limit)
        if not runs:
            console.print("no red-team runs yet: swapsafe redteam run --workload NAME")
            return
        table = Table(title="red-team runs")
        for col in (
            "id",
            "workload",
            "started",
            "status",
            "probes",
            "attack success",
            "regressions",
        ):
            table.add_column(col)
        for r in runs:
            summary = summary_of(r, store.redteam_findings(r.id or 0))
            rates = ", ".join(f"{m} {100 * t.rate:.0f}%" for m, t in summary.overall.items() if t.n)
            table.add_row(
                str(r.id),
                escape(r.workload),
                r.started_at.strftime("%Y-%m-%d %H:%M"),
                escape(r.status),
                str(len((r.settings or {}).get("probe_ids") or [])),
                escape(rates or "-"),
                escape(", ".join(x.category for x in summary.regressions) or "-"),
            )
        console.print(table)


@redteam_app.command("report")
@handle_errors
def report(
    run_id: int | None = typer.Argument(None, help="Run id (default: the newest run)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the markdown to FILE."),
    worst: int = typer.Option(20, "--worst", min=0, help="List at most N successful attacks."),
    config: Path = config_option,
) -> None:
    """Export a run as markdown: rates with CIs, regressions, blocked requests, worst findings.

    Example:

        swapsafe redteam report 3 --out redteam-support.md
        swapsafe redteam report            # newest run, to stdout
    """
    cfg = load_or_exit(config)
    with _store(cfg) as store:
        if run_id is None:
            runs = store.list_redteam_runs(limit=1)
            if not runs or runs[0].id is None:
                raise fail("no red-team runs yet: swapsafe redteam run --workload NAME")
            run_id = runs[0].id
        run_ = get_run(store, run_id)
        findings = store.redteam_findings(run_id)
        text = render_markdown(run_, findings, summary_of(run_, findings), worst=worst)
    if emit(text, out):
        console.print(f"wrote {escape(str(out))}")


@redteam_app.command("probes")
@handle_errors
def list_probes(
    suite: str = typer.Option("all", "--suite", help=_suite_help),
    probes: Path | None = typer.Option(None, "--probes", help="Also check and list this file."),
    show: bool = typer.Option(False, "--show", help="List every probe, not just the counts."),
) -> None:
    """Count (or list) the probes per category and source; checks a probe file without running.

    Example:

        swapsafe redteam probes --probes redteam.yaml --show
    """
    try:
        categories = suite_categories(suite)
    except ValueError as exc:
        raise fail(str(exc)) from None
    chosen = select(catalog(probes), categories)
    if show:
        table = Table(title=f"{len(chosen)} probes")
        for col in ("id", "category", "technique", "source"):
            table.add_column(col)
        for p in chosen:
            table.add_row(escape(p.id), p.category, escape(p.technique), escape(p.source))
        console.print(table)
        return
    counts: dict[tuple[str, str], int] = {}
    for p in chosen:
        counts[(p.category, p.source)] = counts.get((p.category, p.source), 0) + 1
    table = Table(title=f"{len(chosen)} probes")
    for col in ("category", "source", "probes"):
        table.add_column(col)
    for (cat, src), n in counts.items():
        table.add_row(escape(CATEGORY_TITLES.get(cat, cat)), escape(src), str(n))
    console.print(table)
