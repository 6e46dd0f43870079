"""Red-team results for people and for the gates: summaries and the markdown report.

:func:`redteam_summary` is what :mod:`swapsafe.gates.checks` (and the planner) can read:
per-category per-model attack success rates with Wilson CIs, the regressions and the inconclusive
categories of the newest run (by :func:`swapsafe.redteam.regression.redteam_verdict`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from swapsafe.redteam.probes.base import CATEGORY_TITLES
from swapsafe.redteam.summary import Rate, Summary, summarize, worst_findings
from swapsafe.store.protocol import Store
from swapsafe.store.records import RedteamFinding, RedteamRun

#: how many recent runs are searched for the newest usable one
RUNS_SEARCHED = 20
MAX_SHOWN = 1500


def latest_run(store: Store, workload: str) -> RedteamRun | None:
    """The workload's newest red-team run that did not fail."""
    for run in store.list_redteam_runs(workload, limit=RUNS_SEARCHED):
        if run.status != "failed" and run.id is not None:
            return run
    return None


def _margin_points(settings: dict[str, Any]) -> float:
    """The run's margin in points (runs before margins were in points stored a fraction)."""
    if settings.get("margin_points") is not None:
        return float(settings["margin_points"])
    if settings.get("margin") is not None:
        return 100 * float(settings["margin"])
    return 5.0


def summary_of(
    run: RedteamRun,
    findings: Sequence[RedteamFinding],
    *,
    margin: float | None = None,
    confidence: float | None = None,
) -> Summary:
    settings = run.settings or {}
    return summarize(
        findings,
        run.models or [],
        baseline=settings.get("baseline"),
        candidate=settings.get("candidate"),
        margin=float(margin if margin is not None else _margin_points(settings)),
        confidence=float(
            confidence if confidence is not None else settings.get("confidence", 0.95)
        ),
    )


def redteam_summary(
    store: Store,
    workload: str,
    *,
    run_id: int | None = None,
    margin: float | None = None,
) -> dict[str, Any]:
    """Rates, CIs, regressions and inconclusive categories of the newest run (or ``run_id``).

    ``{"run_id": None, "categories": {}, "regressions": [], "inconclusive": []}`` without a
    run. Rates are attack success shares (lower is better); ``regressions`` lists categories
    where the candidate is worse than the baseline by more than ``margin`` (default: the run's
    ``gates.redteam_margin``), ``inconclusive`` those only one of the two was probed on.
    """
    run: RedteamRun | None
    if run_id is None:
        run = latest_run(store, workload)
    else:
        found = store.get_redteam_run(run_id)
        run = found if found is not None and found.workload == workload else None
    if run is None or run.id is None:
        return {
            "run_id": None,
            "workload": workload,
            "categories": {},
            "regressions": [],
            "inconclusive": [],
        }
    summary = summary_of(run, store.redteam_findings(run.id), margin=margin)
    return {
        "run_id": run.id,
        "workload": run.workload,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        **summary.to_json(),
    }


# -- markdown ---------------------------------------------------------------------------------


_VERDICT = {"regression": "**regression**", "ok": "ok", "inconclusive": "inconclusive", None: "-"}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _cell(rate: Rate | None) -> str:
    if rate is None or not rate.n:
        return "-"
    return (
        f"{_pct(rate.rate)} ({rate.successes}/{rate.n}; CI {_pct(rate.low)} to {_pct(rate.high)})"
    )


def _md(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _clip(text: str | None) -> str:
    text = text or ""
    return (
        text
        if len(text) <= MAX_SHOWN
        else text[:MAX_SHOWN] + f"\n… ({len(text) - MAX_SHOWN} more characters)"
    )


def _when(ts: datetime | None) -> str:
    return ts.strftime("%Y-%m-%d %H:%M UTC") if ts else "-"


def render_markdown(
    run: RedteamRun,
    findings: Sequence[RedteamFinding],
    summary: Summary,
    *,
    worst: int = 20,
) -> str:
    """The report of one run: rates with CIs, regressions, blocked requests, worst findings."""
    out = _header(run, summary)
    out += ["", "## Attack success rate per category (lower is better)", ""]
    out += _rates_table(summary)
    out += ["", "## Regressions", ""]
    out += _regressions(summary)
    out += ["", "## Blocked by provider", ""]
    out += _blocked(findings)
    out += ["", "## Worst findings", ""]
    out += _worst(worst_findings(findings, summary, worst))
    return "\n".join(out).rstrip() + "\n"


def _header(run: RedteamRun, summary: Summary) -> list[str]:
    settings = run.settings or {}
    out = [f"# Red-team report: {run.workload}, run #{run.id}", ""]
    out.append(
        f"- status: {run.status}; started {_when(run.started_at)}, "
        f"finished {_when(run.finished_at)}"
    )
    out.append(f"- models: {', '.join(summary.models)}")
    if summary.baseline and summary.candidate:
        out.append(f"- baseline: {summary.baseline}; candidate: {summary.candidate}")
    out.append(
        f"- probes: {len(settings.get('probe_ids') or [])} "
        f"(suites: {settings.get('suite', 'all')}); "
        f"sources: {', '.join(settings.get('sources') or []) or '-'}"
    )
    out.append(
        f"- system prompt: {settings.get('system_prompt', 'workload')}, "
        "with a fresh canary planted; "
        f"refusals judged by {settings.get('judge') or 'patterns'}"
    )
    return out


def _rates_table(summary: Summary) -> list[str]:
    models = summary.models
    out = ["| category | " + " | ".join(_md(m) for m in models) + " | verdict |"]
    out.append("|---" * (len(models) + 2) + "|")
    for cat, by_model in summary.rates.items():
        verdict = _VERDICT[summary.verdict(cat)]
        cells = " | ".join(_cell(by_model.get(m)) for m in models)
        out.append(f"| {CATEGORY_TITLES.get(cat, cat)} | {cells} | {verdict} |")
    overall = " | ".join(_cell(summary.overall.get(m)) for m in models)
    out.append(f"| **all** | {overall} | |")
    return out


def _regressions(summary: Summary) -> list[str]:
    out = []
    if summary.regressions:
        for r in summary.regressions:
            out.append(
                f"- {CATEGORY_TITLES.get(r.category, r.category)}: {summary.candidate} "
                f"{_pct(r.candidate_rate)} vs {summary.baseline} {_pct(r.baseline_rate)} "
                f"(+{100 * r.delta:.1f} points, margin {summary.margin:g}; "
                f"{summary.results[r.category].describe()})"
            )
    elif summary.baseline and summary.candidate:
        out.append(
            f"None: no category where {summary.candidate} is worse than {summary.baseline} by "
            f"more than {summary.margin:g} points."
        )
    else:
        out.append("Not compared: the run does not have both a baseline and a candidate.")
    if summary.inconclusive:
        names = "; ".join(
            f"{CATEGORY_TITLES.get(c, c)} ({summary.results[c].describe()})"
            for c in summary.inconclusive
        )
        out += [
            "",
            f"Inconclusive: {names}. Too few probes to tell, or only one of the two models was "
            "probed there; the red-team gate stays inconclusive until it is settled.",
        ]
    return out


def _blocked(findings: Sequence[RedteamFinding]) -> list[str]:
    blocked = [f for f in findings if f.blocked]
    if not blocked:
        return ["None."]
    out = [
        "Requests the upstream refused at the API level (content filter); "
        "counted as unsuccessful attacks.",
        "",
        "| model | category | blocked |",
        "|---|---|---|",
    ]
    counts: dict[tuple[str, str], int] = {}
    for f in blocked:
        counts[(f.model, f.category)] = counts.get((f.model, f.category), 0) + 1
    for (model, cat), n in sorted(counts.items()):
        out.append(f"| {_md(model)} | {CATEGORY_TITLES.get(cat, cat)} | {n} |")
    return out


def _worst(shown: Sequence[RedteamFinding]) -> list[str]:
    if not shown:
        return ["No attack succeeded."]
    out: list[str] = []
    for i, f in enumerate(shown, start=1):
        out += [
            f"### {i}. {f.probe_id} ({CATEGORY_TITLES.get(f.category, f.category)}) on {f.model}",
            "",
            f"Why: {f.reason or '-'}",
            "",
            "Prompt:",
            "",
            _fence(_clip(f.prompt)),
            "",
            "Output:",
            "",
            _fence(_clip(f.output)),
            "",
        ]
    return out
