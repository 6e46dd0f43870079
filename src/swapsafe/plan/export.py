"""The plan as a timestamped markdown checklist that renders well on GitHub (pure)."""

from __future__ import annotations

from swapsafe import __version__
from swapsafe.plan.adaptation import adaptation
from swapsafe.plan.outlook import Outlook
from swapsafe.plan.scenarios import volume_text
from swapsafe.plan.status import ItemState, PlanView

GENERATED_PREFIX = "Generated at "
STATE_TEXT = {"todo": "to do", "in_progress": "in progress", "done": "done", "overdue": "overdue"}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _when(state: ItemState) -> str:
    if state.done_at is None:
        return ""
    return f"{state.done_at:%Y-%m-%d %H:%M} UTC"


def item_status_text(state: ItemState) -> str:
    """``done 2026-12-02 09:00 UTC by evidence`` / ``overdue (due 2026-12-07)``."""
    if state.done:
        who = "evidence" if state.done_by == "evidence" else f"{state.done_actor} (manual)"
        return f"done {_when(state)} by {who}"
    return f"{STATE_TEXT[state.state]} (due {state.due:%Y-%m-%d})"


def _item(state: ItemState) -> list[str]:
    box = "x" if state.done else " "
    item = state.item
    lines = [f"- [{box}] **{item.number}. {item.title}** — {item_status_text(state)}"]
    lines.append(f"  - Evidence: {_one_line(state.evidence.summary)}")
    for event in state.history:
        if event.actor == "evidence" or not event.note:
            continue
        lines.append(
            f"  - Note ({event.action} by {event.actor}, {event.ts:%Y-%m-%d %H:%M} UTC): "
            f"{_one_line(event.note)}"
        )
    return lines


def outlook_lines(outlook: Outlook | None) -> list[str]:
    if outlook is None:
        return []
    lines = []
    for scenario in outlook.scenarios:
        lines.append(
            f"- **Scenario: {scenario.title}.** Typical risk: {scenario.risk}. "
            f"What matters most: {scenario.matters}."
        )
    lines.append(f"- **Request adapter:** {adaptation(outlook.new).line()}.")
    if outlook.projection is not None:
        p = outlook.projection
        lines.append(f"- **Projected cost:** {p.line()}; at {volume_text(p.volume)}.")
    elif outlook.problem:
        lines.append(f"- **Projected cost:** not available: {outlook.problem}.")
    return lines


def render_markdown(view: PlanView, outlook: Outlook | None = None) -> str:
    """The checklist; the only line that depends on the time of export starts ``Generated at``."""
    plan = view.plan
    done, total = view.progress()
    out = [
        f"# Migration plan: {plan.name}",
        "",
        f"{GENERATED_PREFIX}{view.now:%Y-%m-%d %H:%M:%S} UTC by swapsafe {__version__}.",
        "",
        "| | |",
        "|---|---|",
        f"| From | `{plan.from_model}` |",
        f"| To | `{plan.to_model}` |",
        f"| Workloads | {', '.join(plan.workloads)} |",
        f"| Start | {view.start:%Y-%m-%d} |",
        f"| Progress | {done}/{total} items done ({view.percent()}%) |",
        "",
    ]
    extra = outlook_lines(outlook)
    if extra:
        out += [*extra, ""]
    for phase in view.phases:
        p_done, p_total = view.progress(phase)
        out.append(
            f"## {phase.title} (due {phase.due(view.start):%Y-%m-%d}) — {p_done}/{p_total} done"
        )
        out.append("")
        for state in view.phase_items(phase):
            out += _item(state)
        out.append("")
    out.append(
        "Ticked by evidence: swapsafe found the proof in its store or config. "
        "Manual: ticked by hand with a note."
    )
    return "\n".join(out) + "\n"


def strip_generated(markdown: str) -> str:
    """The markdown without its generated-at line (to compare two exports)."""
    return "\n".join(
        line for line in markdown.splitlines() if not line.startswith(GENERATED_PREFIX)
    )
