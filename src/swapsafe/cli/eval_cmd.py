"""``swapsafe eval run|show|compare|list|plan-size``: golden-set evals
from the command line (``swapsafe golden ...`` lives in ``golden_cmd``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from swapsafe import stats
from swapsafe.cli.common import config_option, fail, handle_errors, load_or_exit
from swapsafe.cli.eval_prompt import prompt_option
from swapsafe.cli.eval_views import (
    console,
    eval_bar,
    pct,
    print_comparison,
    run_standing_for,
    summary_table,
    warn_standing,
)
from swapsafe.cli.output import err
from swapsafe.cli.run_bar import run_with_bar
from swapsafe.config import Config
from swapsafe.evals.cases import Case
from swapsafe.evals.compare import by_model, compare, summarize
from swapsafe.evals.datasets import load_cases
from swapsafe.evals.runner import EvalJob, load_run_cases, run_eval
from swapsafe.evals.status import AD_HOC, GATE, RunStanding, ad_hoc_reason
from swapsafe.evals.variants import label_variants, prompt_reason, prompt_variants
from swapsafe.store import open_store
from swapsafe.store.protocol import Store
from swapsafe.store.records import EvalResult, EvalRun

eval_app = typer.Typer(
    help="Run golden-set evals and compare models.\n\n"
    "Example: swapsafe eval run --workload support --tag nightly",
    no_args_is_help=True,
)

P = ParamSpec("P")
R = TypeVar("R")
_open_stores: list[Store] = []

_judge_option: Any = typer.Option(
    None, "--judge", help="Model (name from the config) that grades llm-judge assertions."
)


def _judge(cfg: Config, judge: str | None) -> str | None:
    return judge or getattr(cfg.evals, "judge", None)


def cli_store(cfg: Config) -> Store:
    """The store; closed when the command ends (see :func:`closes_stores`)."""
    store = open_store(cfg.store.url)
    _open_stores.append(store)
    return store


def closes_stores(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        finally:
            while _open_stores:
                _open_stores.pop().close()

    return wrapper


def _margin(cfg: Config, workload: str) -> tuple[float, float]:
    w = cfg.workloads.get(workload)
    if w is None:
        return 0.02, 0.95
    return w.gates.pass_rate_margin / 100, w.gates.confidence


def _get_run(store: Store, run_id: int) -> EvalRun:
    run = store.get_eval_run(run_id)
    if run is not None:
        return run
    raise fail(f"no eval run {run_id}; see swapsafe eval list")


def _pick(models: list[str], preferred: str | None, exclude: str | None = None) -> str | None:
    if preferred in models and preferred != exclude:
        return preferred
    return next((m for m in models if m != exclude), None)


@eval_app.command("run")
@handle_errors
@closes_stores
def run(
    workload: str | None = typer.Option(None, "--workload", "-w", help="Workload to evaluate."),
    models: str | None = typer.Option(
        None, "--models", help="Comma-separated model names (default: baseline,candidate)."
    ),
    concurrency: int | None = typer.Option(
        None, "--concurrency", min=1, help="Calls in flight (default: [evals] concurrency)."
    ),
    tag: str | None = typer.Option(None, "--tag", help="Label the run, e.g. nightly."),
    golden: Path | None = typer.Option(
        None,
        "--golden",
        help="Golden file to run instead of the workload's (JSONL, YAML, CSV, promptfoo).",
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N cases."),
    resume: int | None = typer.Option(
        None, "--resume", help="Complete an interrupted run (skips finished casexmodel pairs)."
    ),
    judge: str | None = _judge_option,
    ad_hoc: bool = typer.Option(
        False,
        "--ad-hoc",
        help="Keep this run out of the go/no-go gate (implied by --limit, --golden and --models).",
    ),
    prompt: list[str] = prompt_option,
    config: Path = config_option,
) -> None:
    """Run the golden set against the workload's models (temperature 0) and store every result.

    A failed call (after retries) is errored, not failed; more errored calls than
    [evals] max_error_rate make the run incomplete: it exits 1 and is never gate evidence.
    Only a complete run over the workload's full golden set feeds the gate.
    Ctrl-C or SIGTERM stops cleanly and keeps what finished; --resume RUN_ID completes it.

    Example:

        swapsafe eval run --workload support --models gpt-4o,claude-sonnet --concurrency 16
        swapsafe eval run --resume 12
    """
    cfg = load_or_exit(config)
    store = cli_store(cfg)
    previous = _get_run(store, resume) if resume is not None else None
    if previous is not None:
        workload = previous.workload
        settings = previous.settings or {}
        golden = golden or (Path(settings["golden"]) if settings.get("golden") else None)
        models = models or ",".join(previous.models or [])
        concurrency = concurrency or int(settings.get("concurrency") or cfg.evals.concurrency)
        tag = tag or previous.tag
        judge = judge or settings.get("judge")
    if not workload:
        raise fail("name a workload: --workload NAME (or --resume RUN_ID)")
    chosen = [m.strip() for m in models.split(",") if m.strip()] if models else None
    job = _eval_job(
        cfg, workload, previous, golden=golden, limit=limit, models=chosen, ad_hoc=ad_hoc
    )
    job = replace(
        job, concurrency=concurrency or cfg.evals.concurrency, tag=tag, judge=_judge(cfg, judge)
    )
    _run_and_show(cfg, store, _with_variants(job, prompt, cfg, previous))


def _with_variants(
    job: EvalJob, prompt: list[str], cfg: Config, previous: EvalRun | None
) -> EvalJob:
    """The job with its ``--prompt`` variants (checked against a resumed run's); a new run that
    tries an unconfigured prompt is ad hoc: never gate evidence."""
    variants = prompt_variants(prompt, cfg, previous)
    if variants and previous is None:
        job = replace(job, settings={"evidence": AD_HOC, "ad_hoc_reason": prompt_reason(variants)})
    return replace(job, variants=variants)


def _eval_job(
    cfg: Config,
    workload: str,
    previous: EvalRun | None,
    *,
    golden: Path | None,
    limit: int | None,
    models: list[str] | None,
    ad_hoc: bool,
) -> EvalJob:
    """The job ``eval run`` starts (or resumes): its cases, models and gate-evidence marker."""
    if workload not in cfg.workloads:
        raise fail(f'unknown workload "{workload}" (workloads: {", ".join(sorted(cfg.workloads))})')
    path = golden or cfg.workloads[workload].golden
    if path is None:
        raise fail(
            f'workload "{workload}" has no golden set; set golden = "..." or pass --golden FILE'
        )
    cases: list[Case] = load_cases(path)
    if previous is not None:
        cases = load_run_cases(previous, cases)
    elif limit:
        cases = cases[:limit]
    w = cfg.workloads[workload]
    why = ad_hoc_reason(
        limit=limit,
        golden=golden.resolve() if golden is not None else None,
        workload_golden=Path(w.golden).resolve() if w.golden is not None else None,
        models=models,
        gate_models=[w.baseline, w.candidate or w.baseline],
        flag=ad_hoc,
    )
    marker = {"evidence": AD_HOC, "ad_hoc_reason": why} if why else {"evidence": GATE}
    return EvalJob(
        workload,
        cases,
        concurrency=cfg.evals.concurrency,
        models=models,
        run_id=previous.id if previous is not None else None,
        golden=path.resolve(),
        settings=None if previous is not None else marker,
    )


def _run_and_show(cfg: Config, store: Store, job: EvalJob) -> None:
    """Runs the job under a progress bar (Ctrl-C or SIGTERM keeps what finished, exit 130),
    then shows it; exit 1 when the run is incomplete."""
    run_id = run_with_bar(
        eval_bar,
        lambda view: run_eval(cfg, store, job, progress=view),
        kept="results",
        command="eval",
    )
    standing = _show(cfg, store, run_id, max_flips=10)
    if standing.status == "incomplete":
        err.print(f"[red]run {run_id} is incomplete: {escape(standing.reason)}[/]")
        raise typer.Exit(1)


def _show(cfg: Config, store: Store, run_id: int, max_flips: int) -> RunStanding:
    run_ = _get_run(store, run_id)
    rows = store.eval_results(run_id)
    grouped = by_model(rows)
    order = [m for m in (run_.models or []) if m in grouped] + [
        m for m in grouped if m not in (run_.models or [])
    ]
    conf = _margin(cfg, run_.workload)[1]
    standing = run_standing_for(cfg, run_, rows)
    title = (
        f"run {run_id}: {escape(run_.workload)} "
        + escape(f"[{standing.status}]")
        + (f" tag {escape(run_.tag)}" if run_.tag else "")
    )
    console.print(summary_table(title, [summarize(m, grouped[m], conf) for m in order]))
    if standing.status in ("incomplete", "ad hoc"):
        colour = "red" if standing.status == "incomplete" else "yellow"
        console.print(f"[{colour}]{escape(standing.status)}: {escape(standing.reason)}[/]")
    judge_cost = sum(
        float((a.get("details") or {}).get("judge_cost_usd") or 0)
        for r in rows
        for a in (r.scores or {}).get("assertions", [])
    )
    if judge_cost:
        console.print(f"judge cost: ${judge_cost:.5f}")
    if len(order) >= 2:
        w = cfg.workloads.get(run_.workload)
        base = _pick(order, w.baseline if w else None) or order[0]
        cand = _pick(order, w.candidate if w else None, exclude=base) or order[1]
        margin, conf = _margin(cfg, run_.workload)
        print_comparison(
            run_.workload,
            compare(grouped[base], grouped[cand], margin=margin, conf=conf),
            max_flips,
        )
    return standing


@eval_app.command("show")
@handle_errors
@closes_stores
def show(
    run_id: int = typer.Argument(..., help="Eval run id (see swapsafe eval list)."),
    flips: int = typer.Option(10, "--flips", help="Show at most N flipped cases."),
    config: Path = config_option,
) -> None:
    """Show a run: pass rates with CIs, latency, cost, and (two models) the paired comparison.

    Example:

        swapsafe eval show 12
    """
    cfg = load_or_exit(config)
    _show(cfg, cli_store(cfg), run_id, flips)


@eval_app.command("compare")
@handle_errors
@closes_stores
def compare_cmd(
    run_a: int = typer.Argument(..., help="Run with the baseline (or a run with two models)."),
    run_b: int | None = typer.Argument(None, help="Run with the candidate."),
    baseline: str | None = typer.Option(
        None, "--baseline", help="Baseline model (default: the workload's)."
    ),
    candidate: str | None = typer.Option(
        None, "--candidate", help="Candidate model (default: the workload's)."
    ),
    flips: int = typer.Option(10, "--flips", help="Show at most N flipped cases."),
    config: Path = config_option,
) -> None:
    """Compare two models on the same cases: delta with CI, verdict against the margin, flips.

    Example:

        swapsafe eval compare 12          # the two models of run 12
        swapsafe eval compare 11 12       # run 11's baseline vs 12's candidate, or 2 variants
    """
    cfg = load_or_exit(config)
    store = cli_store(cfg)
    a = _get_run(store, run_a)
    b = _get_run(store, run_b) if run_b is not None else a
    rows_a, rows_b = (
        by_model(store.eval_results(a.id or 0)),
        by_model(store.eval_results(b.id or 0)),
    )
    w = cfg.workloads.get(a.workload)
    base = _pick(list(rows_a), baseline or (w.baseline if w else None))
    cand = _pick(
        list(rows_b),
        candidate or (w.candidate if w else None),
        exclude=base if run_b is None else None,
    )
    if base is None or cand is None or (run_b is None and base == cand):
        raise fail(f"run {run_a} has no two models to compare; name a second run or --candidate")
    margin, conf = _margin(cfg, a.workload)
    warn_standing(cfg, [a] if b is a else [a, b], store.eval_results)
    comparison = compare(rows_a[base], rows_b[cand], margin=margin, conf=conf)
    print_comparison(a.workload, label_variants(comparison, a, b), flips)


@eval_app.command("list")
@handle_errors
@closes_stores
def list_runs(
    workload: str | None = typer.Option(None, "--workload", "-w", help="Only this workload."),
    limit: int = typer.Option(30, "--limit", help="Newest N runs."),
    config: Path = config_option,
) -> None:
    """List eval runs, newest first, including missed nightly runs.

    Example:

        swapsafe eval list --workload support
    """
    cfg = load_or_exit(config)
    store = cli_store(cfg)
    table = Table(title="eval runs")
    for col in ("id", "workload", "tag", "status", "started", "models", "results", "pass rates"):
        table.add_column(col)
    for r in store.list_eval_runs(workload, limit):
        results: list[EvalResult] = (
            store.eval_results(r.id) if r.id and r.status != "missed" else []
        )
        grouped = by_model(results)
        rates = ", ".join(
            f"{escape(m)} {pct(s.rate)}" for m, rs in grouped.items() for s in [summarize(m, rs)]
        )
        when = r.started_at.strftime("%Y-%m-%d %H:%M")
        status = r.status if r.status == "missed" else run_standing_for(cfg, r, results).status
        if status == "incomplete":
            status = "[red]incomplete[/]"
        if status == "missed":
            status = "[red]missed[/]"
            when += " (scheduled)"
        table.add_row(
            str(r.id),
            escape(r.workload),
            escape(r.tag or ""),
            status,
            when,
            escape(",".join(r.models or [])),
            str(len(results)),
            rates,
        )
    console.print(table)


@eval_app.command("plan-size")
@handle_errors
@closes_stores
def plan_size(
    margin: float = typer.Option(
        ..., "--margin", help="Non-inferiority margin in percentage points."
    ),
    baseline_rate: float = typer.Option(
        ..., "--baseline-rate", help="Expected baseline pass rate (0-1)."
    ),
    discordance: float = typer.Option(
        ..., "--discordance", help="Expected share of cases where the models disagree (0-1)."
    ),
    power: float = typer.Option(
        0.8, "--power", help="Chance to show non-inferiority when it holds."
    ),
    confidence: float = typer.Option(0.95, "--confidence", help="Two-sided confidence level."),
    expected_diff: float = typer.Option(
        0.0, "--expected-diff", help="Expected candidate - baseline, in points."
    ),
) -> None:
    """How many golden cases a non-inferiority verdict needs (paired design).

    Example:

        swapsafe eval plan-size --margin 2 --baseline-rate 0.9 --discordance 0.1
    """
    try:
        n = stats.plan_size(
            margin / 100,
            baseline_rate,
            discordance,
            power=power,
            conf=confidence,
            expected_diff=expected_diff / 100,
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    console.print(
        f"{n} cases to show non-inferiority within {margin:g} points "
        f"(baseline {baseline_rate:g}, discordance {discordance:g}, power {power:g}, "
        f"{100 * confidence:g}% CI)"
    )
