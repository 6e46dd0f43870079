"""The demo's last word: what happened, in five lines or fewer (pure).

Built from the go/no-go reports the run produced (the same data as the report files), so it can
only say what the evidence says: which swap was blocked and by what with the likely cause the
answers show, what became of the second candidate, and where to look next.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from swapsafe.report.data import ReportData, WorkloadReport


@dataclass(frozen=True)
class Second:
    """The second candidate: its label, the workload it was for, and its rollout's end."""

    label: str
    workload: str
    rollout: str | None  # "done", "rolled_back", ... or None: never started


@dataclass(frozen=True)
class Files:
    report: Path  # the final report
    first_report: Path  # the report of the first candidate's decision
    plan: Path
    workspace: Path


def _pct(value: object) -> str:
    return f"{float(value) * 100:.0f}%" if isinstance(value, int | float) else "?"


def _golden(w: WorkloadReport, named: bool = True) -> str | None:
    g = next((r for r in w.gates.results if r.name == "golden_pass_rate"), None)
    if g is None or not g.numbers.get("n"):
        return None
    nums = g.numbers
    return (
        f"{w.name + ' ' if named else ''}golden pass rate {_pct(nums.get('new_pass_rate'))} vs "
        f"{_pct(nums.get('old_pass_rate'))} on {nums.get('n')} cases ({g.status})"
    )


def _blocked_by(w: WorkloadReport) -> str | None:
    """What blocks a NO-GO workload: its golden gate when that failed, else the first failed
    gate's own words (a failed latency gate names its ratio, interval and max)."""
    failed = [r for r in w.gates.results if r.status == "fail"]
    if not failed or any(r.name == "golden_pass_rate" for r in failed):
        return _golden(w)
    return f"{w.name} {failed[0].detail}"


def verdict_line(data: ReportData, swap: str) -> list[str]:
    """The first candidate's verdict with its strongest evidence, and its likely cause."""
    blocked = [w for w in data.workloads if w.decision == "NO-GO"]
    waiting = [w for w in data.workloads if w.decision == "NOT YET"]
    if blocked:
        head = f"Blocked: {swap} is NO-GO on {', '.join(w.name for w in blocked)}"
    elif waiting:
        head = f"Not yet: {swap} needs more evidence on {', '.join(w.name for w in waiting)}"
    else:
        head = f"Passed: {swap} is GO on every workload"
    evidence = [e for e in (_blocked_by(w) for w in blocked) if e] or [
        e for e in (_golden(w) for w in waiting) if e
    ]
    lines = [head + (f": {'; '.join(evidence[:2])}." if evidence else ".")]
    causes = [f"{w.name}: {w.causes[0]}" for w in blocked if w.causes]
    if causes:
        lines.append("Likely cause: " + causes[0])
    return lines


def second_line(data: ReportData, second: Second) -> str | None:
    w = next((w for w in data.workloads if w.name == second.workload), None)
    if w is None:
        return None
    waiting = [r.name for r in w.gates.results if r.status != "pass"]
    text = f"{second.label} is {w.decision}"
    golden = _golden(w, named=False)
    details = [golden] if golden else []
    if waiting and w.decision != "NO-GO":
        details.append("waiting on " + ", ".join(waiting))
    if details:
        text += f" ({'; '.join(details)})"
    if second.rollout == "done":
        text += "; canary promoted to 100%"
    elif second.rollout:
        text += f"; rollout {second.rollout.replace('_', ' ')}"
    return text + "."


def story(first: ReportData, swap: str, files: Files, final: ReportData | None = None,
          second: Second | None = None) -> list[str]:  # fmt: skip
    """At most five lines: the verdict and its cause, the second candidate, the files."""
    lines = verdict_line(first, swap)
    if final is not None and second is not None:
        line = second_line(final, second)
        if line:
            lines.append(line)
    reports = f"Report: {files.report}"
    if files.first_report != files.report:
        reports += f" (first candidate: {files.first_report.name})"
    lines.append(f"{reports} · plan: {files.plan}")
    lines.append(f"Web UI: swapsafe serve -c {files.workspace} (or swapsafe demo --serve)")
    return lines[:5]
