"""The go/no-go criteria document: every workload's gates and rollback triggers, to sign off.

Pure: renders the config as markdown. The CLI writes it and records a ``criteria.export``
audit entry with the document's SHA-256, so the signed text can be matched to the config.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from swapsafe.report.markdown import cell

if TYPE_CHECKING:
    from swapsafe.config import Config, WorkloadConfig


def _duration(seconds: float) -> str:
    if seconds == 0:
        return "no hold"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def gate_lines(wl: WorkloadConfig) -> list[tuple[str, str]]:
    g = wl.gates
    conf = f"{g.confidence:.0%}"
    cost = (
        f"mean cost per request of the candidate at most {g.cost_ratio_max:g}x the baseline "
        f"({conf} CI upper bound)"
        if g.cost_ratio_max is not None
        else "not gated (set cost_ratio_max to gate it)"
    )
    return [
        (
            "Golden pass rate",
            f"candidate non-inferior to baseline within {g.pass_rate_margin:g} points, "
            f"paired on the same golden cases ({conf} Newcombe CI of the difference above "
            f"-{g.pass_rate_margin:g} points)",
        ),
        (
            "P95 latency",
            f"candidate p95 at most {g.p95_latency_ratio_max:g}x the baseline's "
            f"({conf} bootstrap CI upper bound of the ratio)",
        ),
        ("Cost", cost),
        (
            "Error rate",
            f"candidate error rate at most {100 * g.error_rate_max:g}% ({conf} Wilson upper bound)",
        ),
        (
            "Red-team",
            f"in every attack category the candidate's attack success is at most "
            f"{g.redteam_margin:g} points above the baseline's ({conf} Newcombe CI upper bound "
            "of the difference); fail only when the CI lies wholly above the margin; too few "
            "probes, or a category probed on only one of them, is inconclusive",
        ),
        (
            "Human review",
            f'"old model better" verdicts at most {100 * g.review_worse_max:g}% of reviewed pairs '
            f"({conf} Wilson upper bound)",
        ),
    ]


def trigger_lines(wl: WorkloadConfig) -> list[tuple[str, str]]:
    t = wl.triggers
    rows = [("Error rate", f"candidate error rate above {100 * t.error_rate_above:g}%")]
    if t.p95_above is not None:
        rows.append(("P95 latency", f"candidate p95 above {t.p95_above * 1000:g} ms"))
    if t.online_score_drop is not None:
        rows.append(("Online score", f"online score drops by more than {t.online_score_drop:g}"))
    rows.append(("Minimum sample", f"triggers judge only after {t.min_samples} candidate calls"))
    return rows


def render_criteria(config: Config, *, now: datetime, workloads: list[str] | None = None) -> str:
    names = workloads if workloads else sorted(config.workloads)
    r = config.rollout
    steps = ", ".join(f"{s.weight:g}% for {_duration(s.hold)}" for s in r.steps)
    out = [
        "# Go/no-go criteria",
        "",
        f"Exported {now:%Y-%m-%d %H:%M} UTC from `{config.path.name}`.",
        "",
        "A workload may move to the candidate model only when **every gate passes**. A gate",
        "without enough evidence is *inconclusive* and blocks the swap like a failure would,",
        "until the evidence is recorded. During the rollout the **rollback triggers** are",
        "checked at every analysis; any trigger firing rolls the workload back to its baseline.",
        "",
        "## Rollout",
        "",
        f"- Steps: {steps}",
        f"- Analysis every {_duration(r.interval)}",
        f"- The old model stays deployable for {_duration(r.retain_old_for)} after promotion",
        "",
    ]
    for name in names:
        wl = config.workloads[name]
        out += [
            f"## Workload {cell(name)}",
            "",
            f"Baseline `{wl.baseline}` → candidate `{wl.candidate or 'not configured'}`",
            "",
            "### Gates (all must pass before the swap)",
            "",
            "| gate | criterion |",
            "|---|---|",
        ]
        out += [f"| {label} | {cell(text)} |" for label, text in gate_lines(wl)]
        out += ["", "### Rollback triggers", "", "| trigger | fires when |", "|---|---|"]
        out += [f"| {label} | {cell(text)} |" for label, text in trigger_lines(wl)]
        out.append("")
    out += [
        "## Sign-off",
        "",
        "| role | name | date | signature |",
        "|---|---|---|---|",
        "| Engineering owner | | | |",
        "| Product owner | | | |",
        "| On-call / SRE | | | |",
        "",
    ]
    return "\n".join(out)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
