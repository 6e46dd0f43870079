"""``swapsafe golden import|add-from-traces``: build golden sets from other eval formats and from
recorded traffic. Files are written atomically: an import that fails writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from swapsafe.cli.common import config_option, fail, handle_errors, load_or_exit
from swapsafe.cli.eval_cmd import cli_store, closes_stores
from swapsafe.cli.golden_import_cmd import import_cmd
from swapsafe.config.values import parse_duration
from swapsafe.evals.datasets import append_cases, load_cases
from swapsafe.evals.mining import mine_cases
from swapsafe.evals.scorers import lookup

golden_app = typer.Typer(
    help="Build golden sets: import files, mine real traffic.\n\n"
    "Example: swapsafe golden import promptfooconfig.yaml --format promptfoo --workload support",
    no_args_is_help=True,
)
console = Console()


golden_app.command("import")(handle_errors(import_cmd))


@golden_app.command("add-from-traces")
@handle_errors
@closes_stores
def add_from_traces(
    workload: str = typer.Option(
        ..., "--workload", "-w", help="Workload whose served traffic to mine."
    ),
    n: int = typer.Option(100, "--n", min=1, help="How many new distinct cases to add."),
    since: str | None = typer.Option(
        None, "--since", help="Only traffic of the last period, e.g. 7d, 24h."
    ),
    assertion: str = typer.Option(
        "similar", "--assert", help="Scorer for text answers (tool calls use tool-call)."
    ),
    seed: int = typer.Option(0, "--seed", help="Sampling seed."),
    out: Path | None = typer.Option(
        None, "--out", help="Golden file to append to (default: the workload's)."
    ),
    config: Path = config_option,
) -> None:
    """Sample distinct real requests with the baseline's answer as reference into the golden file.

    Example:

        swapsafe golden add-from-traces --workload support --n 100 --since 7d
    """
    cfg = load_or_exit(config)
    if workload not in cfg.workloads:
        raise fail(f'unknown workload "{workload}" (workloads: {", ".join(sorted(cfg.workloads))})')
    w = cfg.workloads[workload]
    target = out or w.golden or cfg.root / "golden" / f"{workload}.jsonl"
    try:
        start = datetime.now(UTC) - timedelta(seconds=parse_duration(since)) if since else None
    except ValueError as exc:
        raise fail(f"--since: {exc}") from None
    if lookup(assertion) is None:
        raise fail(f'--assert: unknown scorer "{assertion}"')
    existing = load_cases(target) if target.exists() and target.stat().st_size else []
    mined = mine_cases(
        cli_store(cfg),
        workload,
        w.baseline,
        n,
        existing=existing,
        since=start,
        assertion=assertion,
        seed=seed,
    )
    if not mined:
        raise fail(
            f"no new distinct served requests of {w.baseline} with recorded bodies for {workload}"
        )
    append_cases(target, mined)
    console.print(
        f"added {len(mined)} cases to {escape(str(target))} ({len(existing) + len(mined)} in all)"
    )
