"""The go/no-go report as markdown (also the source of the figures the HTML report shows)."""

from __future__ import annotations

from typing import Any

from swapsafe.gates.checks import GateResult
from swapsafe.report.compat import compat_lines
from swapsafe.report.data import ReportData, WorkloadReport

STATUS_MARK = {"pass": "✅ pass", "fail": "❌ fail", "inconclusive": "⏳ inconclusive"}
#: an inconclusive gate whose point estimate is already worse than the margin (red-orange)
LIKELY_WORSE_MARK = "🟠"


def status_mark(g: GateResult) -> str:
    """The status cell: pass / fail, or inconclusive with which way the data lean."""
    if g.status != "inconclusive" or g.lean is None:
        return STATUS_MARK[g.status]
    icon = LIKELY_WORSE_MARK if g.tone == "likely-worse" else "⏳"
    return f"{icon} {g.label}"


def cell(text: object) -> str:
    """Text safe inside a markdown table cell."""
    text = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _num(value: Any, kind: str) -> str:
    if value is None:
        return "-"
    v = float(value)
    if kind == "%":
        return f"{100 * v:.1f}%"
    if kind == "$":
        return f"${v:.5f}" if v < 1 else f"${v:,.2f}"
    if kind == "ms":
        return f"{v:,.0f} ms"
    if kind == "int":
        return f"{int(v):,}"
    return f"{v:,.1f}"


def figure(data: dict[str, Any], key: str, kind: str) -> str:
    """``value [low, high]`` when a CI is stored next to the value."""
    value = data.get(key)
    text = _num(value, kind)
    low, high = data.get(f"{key}_low"), data.get(f"{key}_high")
    if value is not None and low is not None and high is not None:
        text += f" [{_num(low, kind)}, {_num(high, kind)}]"
    return text


SIDE_METRICS: tuple[tuple[str, str, str], ...] = (
    ("golden pass rate", "pass_rate", "%"),
    ("golden cases", "golden_cases", "int"),
    ("requests", "requests", "int"),
    ("error rate", "error_rate", "%"),
    ("cost / request", "cost_per_request", "$"),
    ("p50 latency", "p50_ms", "ms"),
    ("p95 latency", "p95_ms", "ms"),
    ("input tokens / request", "input_tokens_per_request", "n"),
    ("output tokens / request", "output_tokens_per_request", "n"),
)


def side_rows(rep: WorkloadReport) -> list[tuple[str, list[str]]]:
    models = [m for m in (rep.baseline, rep.candidate) if m]
    rows = []
    for label, key, kind in SIDE_METRICS:
        rows.append((label, [figure(rep.sides.get(m, {}), key, kind) for m in models]))
    roles = [rep.sides.get(m, {}).get("traffic_role") or "-" for m in models]
    rows.append(("traffic measured from", roles))
    return rows


def projection_lines(rep: WorkloadReport) -> list[str]:
    p = rep.projection
    if p is None:
        return ["No served traffic recorded yet: nothing to project."]
    change = "" if p.change is None else f" ({100 * p.change:+.1f}%)"
    lines = [
        f"At {p.requests_per_day:,.1f} requests/day: **{_num(p.now_monthly_usd, '$')}** per "
        f"month now, **{_num(p.after_monthly_usd, '$')}** after the swap{change}.",
        f"Candidate tokens per request: {p.candidate_input_tokens:,.1f} in, "
        f"{p.candidate_output_tokens:,.1f} out (from {p.output_source}).",
    ]
    lines += [f"Note: {n}" for n in p.notes]
    return lines


def coverage_line(rep: WorkloadReport) -> str:
    """One sentence on shadow coverage, so 40% coverage is never read as 100%."""
    if rep.coverage is None:
        return "Shadow coverage: no served request in shadow mode recorded in the window."
    text = rep.coverage.summary()
    return text[0].upper() + text[1:] + "."


def _workload(rep: WorkloadReport) -> list[str]:
    out = [f"## {cell(rep.name)}: {rep.decision}", ""]
    out.append(f"Baseline `{rep.baseline}` → candidate `{rep.candidate or 'none configured'}`")
    out += ["", "### Gates", "", "| gate | status | evidence |", "|---|---|---|"]
    for g in rep.gates.results:
        out.append(f"| {g.name} | {status_mark(g)} | {cell(g.detail)} |")
    models = [m for m in (rep.baseline, rep.candidate) if m]
    out += ["", "### Baseline vs candidate", ""]
    out.append("| metric | " + " | ".join(f"{cell(m)}" for m in models) + " |")
    out.append("|---|" + "---|" * len(models))
    for label, values in side_rows(rep):
        out.append(f"| {label} | " + " | ".join(cell(v) for v in values) + " |")
    conf = rep.gates.results[0].numbers.get("confidence")
    out += ["", f"Intervals are {float(conf or 0.95):.0%} confidence intervals."]
    out += ["", "### Cost projection (30-day month)", "", *projection_lines(rep)]
    out += ["", "### Shadow agreement", "", coverage_line(rep), ""]
    if rep.agreement:
        agree = sum(a for _, a, _ in rep.agreement)
        total = sum(n for _, _, n in rep.agreement)
        out.append(
            f"{agree}/{total} shadow pairs agree ({100 * agree / total:.1f}%) over "
            f"{len(rep.agreement)} days."
        )
        out += ["", "| day | agreeing | pairs |", "|---|---|---|"]
        out += [f"| {d.isoformat()} | {a} | {n} |" for d, a, n in rep.agreement[-14:]]
    else:
        out.append("No shadow pairs recorded yet.")
    out += compat_lines(rep)
    out += ["", "### Red-team", ""]
    if rep.redteam:
        out.append(f"Run #{rep.redteam_run_id}: attack success rate per category.")
        out += ["", f"| category | {cell(rep.baseline)} | {cell(rep.candidate)} |", "|---|---|---|"]
        for cat, r in sorted(rep.redteam.items()):
            out.append(
                f"| {cell(cat)} | {r.old_success}/{r.old_total} ({_num(r.old_rate, '%')}) | "
                f"{r.new_success}/{r.new_total} ({_num(r.new_rate, '%')}) |"
            )
    else:
        out.append("No red-team run yet.")
    out += ["", "### Human review", ""]
    if rep.review:
        out += ["| verdict | count |", "|---|---|"]
        out += [f"| {cell(k)} | {v} |" for k, v in sorted(rep.review.items())]
    else:
        out.append("No review verdicts yet.")
    out += ["", "### Evidence", ""]
    out += [f"- {label}: {value}" for label, value in rep.evidence] or ["- none recorded yet"]
    return [*out, ""]


def render_markdown(data: ReportData) -> str:
    out = [
        "# swapsafe go/no-go report",
        "",
        f"Generated {data.generated_at:%Y-%m-%d %H:%M} UTC from the evidence of the last "
        f"{data.window_days} days.",
        "",
        f"**Overall decision: {data.decision}**",
        "",
        "| workload | baseline → candidate | decision | open or failing gates |",
        "|---|---|---|---|",
    ]
    for w in data.workloads:
        open_gates = [g.name for g in w.gates.results if g.status != "pass"]
        out.append(
            f"| {cell(w.name)} | {cell(w.baseline)} → {cell(w.candidate or '-')} | "
            f"{w.decision} | {cell(', '.join(open_gates) or 'none')} |"
        )
    out += ["", *why_lines(data)]
    for w in data.workloads:
        out += _workload(w)
    return "\n".join(out).rstrip() + "\n"


def why_lines(data: ReportData) -> list[str]:
    """Why each workload is not a GO, in plain words: the gates that block it with their
    numbers, then what the candidate's failed answers have in common."""
    out: list[str] = []
    for w in data.workloads:
        if w.decision == "GO":
            continue
        out.append(f"**Why {cell(w.name)} is {w.decision}:**")
        blocking: dict[str, list[str]] = {}  # one line per distinct reason, with its gates
        for g in w.gates.results:
            if g.status != "pass":
                blocking.setdefault(f"{g.status}: {g.detail}", []).append(g.name)
        out += [f"- {', '.join(names)}: {reason}" for reason, names in blocking.items()]
        out += [f"- likely cause: {cause}" for cause in w.causes]
        out.append("")
    return out
