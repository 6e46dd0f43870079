"""Rich views for ``swapsafe eval``: the live progress bar, summary and comparison tables,
flipped cases side by side with a diff. Model output is escaped before it is printed."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from swapsafe.cli.run_bar import RunBar
from swapsafe.config import Config
from swapsafe.evals.compare import Comparison, ModelSummary
from swapsafe.evals.datasets import load_cases
from swapsafe.evals.runner import Snapshot
from swapsafe.evals.status import RunStanding, run_standing
from swapsafe.stats import lean
from swapsafe.store.records import EvalResult, EvalRun

console = Console()


def run_standing_for(cfg: Config, run: EvalRun, rows: list[EvalResult]) -> RunStanding:
    """:func:`~swapsafe.evals.status.run_standing` against the workload's current golden set."""
    w = cfg.workloads.get(run.workload)
    golden_ids = None
    if w is not None and w.golden is not None:
        with contextlib.suppress(Exception):
            golden_ids = [c.id for c in load_cases(w.golden)]
    return run_standing(run, rows, max_error_rate=cfg.evals.max_error_rate, golden_ids=golden_ids)


def _label(s: Snapshot) -> str:
    rates = "  ".join(
        f"{escape(m)} {100 * t.pass_rate:.0f}%" for m, t in s.models.items() if t.done
    )
    return f"run {s.run_id}  {rates}  ${s.cost_usd:.4f}"


def eval_bar(progress: Progress) -> RunBar:
    """Cases done / total, pass rate so far per model, cost so far and ETA."""
    return RunBar(progress, _label)


def warn_standing(
    cfg: Config, runs: list[EvalRun], results: Callable[[int], list[EvalResult]]
) -> None:
    """Say so when a compared run is incomplete or ad hoc (no gate evidence)."""
    for run in runs:
        standing = run_standing_for(cfg, run, results(run.id or 0))
        if standing.status in ("incomplete", "ad hoc"):
            colour = "red" if standing.status == "incomplete" else "yellow"
            console.print(
                f"[{colour}]run {run.id} is {standing.status}: {escape(standing.reason)}[/]"
            )


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f}"


def _usd(x: float | None) -> str:
    return "-" if x is None else f"${x:.5f}"


def summary_table(title: str, summaries: list[ModelSummary]) -> Table:
    table = Table(title=title)
    for col in (
        "model",
        "answered",
        "pass rate",
        "95% CI",
        "errored",
        "p50 ms",
        "p95 ms",
        "cost/case",
    ):
        table.add_column(col)
    for s in summaries:
        table.add_row(
            escape(s.model),
            str(s.n),
            pct(s.rate) if s.n else "-",  # nothing answered: no rate, not 0%
            f"{pct(s.low)} to {pct(s.high)}" if s.n else "-",
            str(s.errors),
            _ms(s.p50_ms),
            _ms(s.p95_ms),
            _usd(s.cost_per_case),
        )
    return table


def print_comparison(workload: str, cmp: Comparison, max_flips: int) -> None:
    if cmp.counts.n == 0:
        console.print(
            f"[red]no case answered by both {escape(cmp.candidate.model)} and "
            f"{escape(cmp.baseline.model)} (errored: {escape(cmp.baseline.model)} "
            f"{cmp.baseline.errors}, {escape(cmp.candidate.model)} {cmp.candidate.errors}): "
            "no comparison, no verdict[/]"
        )
        return
    console.print(_comparison_table(workload, cmp))
    c = cmp.counts
    console.print(
        f"paired on {int(c.n)} cases: both pass {int(c.both)}, regressed {int(c.regressed)}, "
        f"improved {int(c.improved)}, both fail {int(c.neither)}"
    )
    if cmp.baseline.errors or cmp.candidate.errors:
        console.print(
            f"[orange_red1]errored calls left out of the pairing: "
            f"{escape(cmp.baseline.model)} {cmp.baseline.errors}, "
            f"{escape(cmp.candidate.model)} {cmp.candidate.errors}[/]"
        )
    _print_flips(cmp, max_flips)


def _verdict(cmp: Comparison) -> str:
    r = cmp.result
    verdict = {"pass": "[green]pass[/]", "fail": "[red]fail[/]"}.get(
        r.verdict, "[yellow]inconclusive[/]"
    )
    if r.verdict == "inconclusive":
        leaning = lean(-r.diff, r.margin)
        colour = "orange_red1" if leaning.tone == "warn" else "yellow"
        verdict = f"[{colour}]inconclusive: {leaning.text}[/]"
        verdict += (
            f" (+{r.extra_cases} cases)"
            if r.extra_cases
            else " (the delta itself is beyond the margin)"
        )
    return verdict


def _comparison_table(workload: str, cmp: Comparison) -> Table:
    table = Table(
        title=f"{escape(workload)}: {escape(cmp.candidate.model)} vs {escape(cmp.baseline.model)}"
    )
    for col in (
        "model",
        "pass rate (95% CI)",
        "delta (95% CI)",
        "bootstrap CI",
        "McNemar p",
        "verdict",
        "p50 / p95 ms",
        "cost/case",
    ):
        table.add_column(col)
    verdict = _verdict(cmp)
    for s, first in ((cmp.baseline, True), (cmp.candidate, False)):
        table.add_row(
            escape(s.model),
            f"{pct(s.rate)} ({pct(s.low)} to {pct(s.high)})",
            ""
            if first
            else f"{100 * cmp.diff:+.1f} pts ({100 * cmp.low:+.1f} to {100 * cmp.high:+.1f})",
            "" if first else f"{100 * cmp.boot_low:+.1f} to {100 * cmp.boot_high:+.1f}",
            "" if first else f"{cmp.p_value:.3g}",
            "" if first else f"{verdict} (margin {100 * cmp.result.margin:g} pts)",
            f"{_ms(s.p50_ms)} / {_ms(s.p95_ms)}",
            _usd(s.cost_per_case),
        )
    return table


def _print_flips(cmp: Comparison, max_flips: int) -> None:
    """The flipped cases (pass -> fail first), side by side with a diff."""
    if not cmp.flips:
        console.print("no case flipped")
        return
    console.print(f"\n[bold]{len(cmp.flips)} flipped case(s)[/] (pass → fail first):")
    for flip in cmp.flips[:max_flips]:
        arrow = "[red]pass → fail[/]" if flip.direction == "regressed" else "[green]fail → pass[/]"
        console.print(f"\n[bold]{escape(flip.case_id)}[/] {arrow}")
        console.print(f"  baseline: {escape(flip.baseline_reason)}")
        console.print(f"  candidate: {escape(flip.candidate_reason)}")
        side = Table(show_header=True, expand=True)
        side.add_column(escape(cmp.baseline.model), ratio=1)
        side.add_column(escape(cmp.candidate.model), ratio=1)
        side.add_row(escape(flip.baseline_output[:2000]), escape(flip.candidate_output[:2000]))
        console.print(side)
        diff = flip.diff()
        if diff:
            console.print(escape("\n".join(diff[:40])))
    if len(cmp.flips) > max_flips:
        console.print(f"… and {len(cmp.flips) - max_flips} more (use --flips N)")
