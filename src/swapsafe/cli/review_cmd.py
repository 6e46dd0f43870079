"""``swapsafe review sample|status|export``: human review of shadow pairs from the CLI."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from swapsafe.cli.common import config_option, emit, fail, handle_errors, load_or_exit
from swapsafe.review.export import FORMATS, export_rows, render
from swapsafe.review.service import DEFAULT_QUEUE, ReviewService
from swapsafe.review.stats import (
    pair_verdicts,
    reviewer_counts,
    reviewer_kappa,
    win_tie_loss,
)
from swapsafe.review.verdicts import judged
from swapsafe.store import open_store

app = typer.Typer(
    help="Sample shadow pairs for human review, follow progress, export verdicts.\n\n"
    "Example: swapsafe review sample --workload support --n 200",
    no_args_is_help=True,
)
console = Console()

queue_option = typer.Option(DEFAULT_QUEUE, "--queue", help="Review queue name.")


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


@app.command("sample")
@handle_errors
def sample(
    config: Path = config_option,
    workload: list[str] = typer.Option(
        [], "--workload", "-w", help="Workload(s) to sample from (default: all)."
    ),
    n: int = typer.Option(200, "--n", min=1, help="How many pairs to add to the queue."),
    disagreement_share: float = typer.Option(
        0.5, "--disagreement-share", min=0.0, max=1.0, help="Share of places for disagreeing pairs."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (reproducible sample)."),
    days: int | None = typer.Option(None, "--days", min=1, help="Only pairs of the last N days."),
    queue: str = queue_option,
) -> None:
    """Sample shadow pairs into the review queue.

    Stratified by workload and day, disagreements first, never the same request twice, pairs
    without bodies skipped.

    Example:

        swapsafe review sample --workload support --n 200 --disagreement-share 0.5 --seed 7
    """
    cfg = load_or_exit(config)
    store = open_store(cfg.store.url)
    try:
        since = datetime.now(UTC) - timedelta(days=days) if days else None
        with console.status("Loading shadow pairs and computing agreement..."):
            rows = ReviewService(store, cfg).sample(
                workload,
                n,
                disagreement_share=disagreement_share,
                seed=seed,
                queue=queue,
                since=since,
            )
        total = len(ReviewService(store, cfg).queue(queue))
    finally:
        store.close()
    if not rows:
        console.print(
            "No new pairs to sample (no shadow pairs with bodies, or all already queued)."
        )
        return
    by_workload = Counter(r.workload for r in rows)
    disagree = Counter(r.workload for r in rows if (r.disagreement or {}).get("types"))
    table = Table(title=f"Sampled {len(rows)} pairs into queue {queue!r} ({total} in queue)")
    table.add_column("Workload")
    table.add_column("Pairs", justify="right")
    table.add_column("Disagreeing", justify="right")
    for name, count in sorted(by_workload.items()):
        table.add_row(name, str(count), str(disagree[name]))
    console.print(table)


@app.command("status")
@handle_errors
def status(config: Path = config_option, queue: str = queue_option) -> None:
    """Progress and results: win / tie / loss with 95% CIs, reviewers, Cohen's kappa.

    Example:

        swapsafe review status --queue default
    """
    cfg = load_or_exit(config)
    store = open_store(cfg.store.url)
    try:
        service = ReviewService(store, cfg)
        pairs = service.queue(queue)
        in_queue = {p.pair_id: p.workload for p in pairs}
        eff = {k: v for k, v in service.effective().items() if k[0] in in_queue}
    finally:
        store.close()
    judgements = judged(eff)
    verdicts = pair_verdicts(judgements)
    table = Table(title=f"Review queue {queue!r}: {len(verdicts)} / {len(pairs)} pairs judged")
    for col in ("Workload", "Queued", "Judged", "Win (new)", "Tie", "Loss (new)", "Loss 95% CI"):
        table.add_column(col, justify="left" if col == "Workload" else "right")
    queued = Counter(in_queue.values())
    rows = {r.workload: r for r in win_tie_loss(verdicts, in_queue)}
    for name in sorted(queued):
        r = rows.get(name)
        if r is None:
            table.add_row(name, str(queued[name]), "0", "-", "-", "-", "-")
            continue
        table.add_row(
            name,
            str(queued[name]),
            str(r.pairs),
            f"{r.win.count} ({_pct(r.win.rate)})",
            f"{r.tie.count} ({_pct(r.tie.rate)})",
            f"{r.loss.count} ({_pct(r.loss.rate)})",
            f"{_pct(r.loss.low)}-{_pct(r.loss.high)}",
        )
    console.print(table)
    people = Table(title="Reviewers")
    for col in ("Reviewer", "Judged", "Skipped"):
        people.add_column(col, justify="left" if col == "Reviewer" else "right")
    for c in reviewer_counts(eff.values()):
        people.add_row(c.reviewer, str(c.judged), str(c.skipped))
    console.print(people)
    kappa = reviewer_kappa(judgements)
    value = "n/a" if kappa.kappa is None else f"{kappa.kappa:.2f}"
    console.print(f"Cohen's kappa on {kappa.pairs} pairs reviewed twice: {value}")


@app.command("export")
@handle_errors
def export(
    config: Path = config_option,
    format: str = typer.Option("csv", "--format", "-f", help="csv or jsonl."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output file (default: stdout)."),
    workload: str | None = typer.Option(None, "--workload", "-w", help="Only this workload."),
    queue: str = queue_option,
) -> None:
    """Export verdicts (one row per reviewer and pair) as CSV or JSONL.

    Example:

        swapsafe review export --format csv --out verdicts.csv
        swapsafe review export --format jsonl | jq .verdict
    """
    if format not in FORMATS:
        raise fail(f"unknown --format {format!r}; use csv or jsonl")
    cfg = load_or_exit(config)
    if workload is not None and workload not in cfg.workloads:
        raise fail(f"unknown workload {workload!r}; known: {', '.join(sorted(cfg.workloads))}")
    store = open_store(cfg.store.url)
    try:
        rows = export_rows(ReviewService(store, cfg), queue=queue, workload=workload)
    finally:
        store.close()
    text = "".join(render(rows, format))
    if emit(text, out):
        console.print(f"Wrote {len(rows)} verdicts to {out}", highlight=False)
