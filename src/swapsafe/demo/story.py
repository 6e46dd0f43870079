"""The demo's last word: what happened, in five lines or fewer (pure).

Built from the go/no-go report the run produced (the same data as ``report.md``), so it can only
say what the evidence says: which swap was blocked and by what, the likely cause the answers
show, and where to look next.
"""

from __future__ import annotations

from pathlib import Path

from swapsafe.report.data import ReportData, WorkloadReport


def _pct(value: object) -> str:
    return f"{float(value) * 100:.0f}%" if isinstance(value, int | float) else "?"


def _golden(w: WorkloadReport) -> str | None:
    g = next((r for r in w.gates.results if r.name == "golden_pass_rate"), None)
    if g is None or not g.numbers.get("n"):
        return None
    nums = g.numbers
    return (
        f"{w.name} golden pass rate {_pct(nums.get('new_pass_rate'))} vs "
        f"{_pct(nums.get('old_pass_rate'))} on {nums.get('n')} cases ({g.status})"
    )


def story(data: ReportData, swap: str, report: Path, plan: Path, workspace: Path) -> list[str]:
    """At most five lines: the verdict, its strongest evidence, the likely cause, the files."""
    blocked = [w for w in data.workloads if w.decision == "NO-GO"]
    waiting = [w for w in data.workloads if w.decision == "NOT YET"]
    if blocked:
        head = f"Blocked: {swap} is NO-GO on {', '.join(w.name for w in blocked)}"
    elif waiting:
        head = f"Not yet: {swap} needs more evidence on {', '.join(w.name for w in waiting)}"
    else:
        head = f"Passed: {swap} is GO on every workload"
    lines = [head + "."]
    evidence = [e for e in (_golden(w) for w in blocked or waiting) if e]
    if evidence:
        lines.append("Evidence: " + "; ".join(evidence[:3]) + ".")
    causes = [f"{w.name}: {w.causes[0]}" for w in blocked if w.causes]
    if causes:
        lines.append("Likely cause: " + causes[0])
    lines.append(f"Report: {report} · plan: {plan}")
    lines.append(f"Web UI: swapsafe serve -c {workspace} (or swapsafe demo --serve)")
    return lines[:5]
