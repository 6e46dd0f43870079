"""The demo's closing story: five lines or fewer, built from the report's own data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from swapsafe.demo.story import Files, Second, story
from swapsafe.gates.checks import GateReport
from swapsafe.gates.result import GateResult
from swapsafe.report.data import ReportData, WorkloadReport

NOW = datetime(2026, 12, 7, tzinfo=UTC)
FILES = Files(Path("d/report.md"), Path("d/report-b.md"), Path("d/plan.md"), Path("d"))


def _workload(
    name: str, status: str, old: float, new: float, causes: list[str], *others: GateResult
) -> WorkloadReport:
    golden = GateResult(
        "golden_pass_rate", status, "detail", {"n": 36, "old_pass_rate": old, "new_pass_rate": new}
    )
    rep = WorkloadReport(name, "old", "new", GateReport(name, [golden, *others]), {})
    rep.causes = causes
    return rep


def test_a_blocked_swap_names_its_evidence_its_cause_and_the_files() -> None:
    data = ReportData(
        NOW,
        30,
        [
            _workload("facts", "fail", 0.74, 0.0, ["34 of 34 failed answers continue the prompt"]),
            _workload("sentiment", "pass", 0.6, 0.6, []),
        ],
    )
    lines = story(data, "A → B", FILES)
    assert len(lines) <= 5
    assert lines[0] == (
        "Blocked: A → B is NO-GO on facts: facts golden pass rate 0% vs 74% on 36 cases (fail)."
    )
    assert lines[1] == "Likely cause: facts: 34 of 34 failed answers continue the prompt"
    assert "d/report.md" in lines[2] and "report-b.md" in lines[2] and "d/plan.md" in lines[2]
    assert lines[3].startswith("Web UI: swapsafe serve -c d")


def test_a_swap_blocked_by_another_gate_names_that_gate_not_a_passing_golden_set() -> None:
    slow = GateResult(
        "p95_latency",
        "fail",
        "p95 latency ratio new/old 2.67, 95% CI [1.91, 3.39] over 34 samples; max 2.5: "
        "above the max",
        {},
    )
    data = ReportData(NOW, 30, [_workload("extract", "pass", 0.66, 0.97, [], slow)])
    assert story(data, "A → B", FILES)[0] == (
        "Blocked: A → B is NO-GO on extract: extract p95 latency ratio new/old 2.67, 95% CI "
        "[1.91, 3.39] over 34 samples; max 2.5: above the max."
    )


def test_the_second_candidate_gets_one_line_with_its_verdict_and_rollout() -> None:
    first = ReportData(NOW, 30, [_workload("facts", "fail", 0.74, 0.0, ["off-task answers"])])
    red = GateResult("redteam", "inconclusive", "too few probes", {})
    final = ReportData(NOW, 30, [_workload("extract", "pass", 0.66, 0.75, [], red)])
    lines = story(first, "A → B", FILES, final, Second("extract v2", "extract", "done"))
    assert len(lines) == 5
    assert lines[2] == (
        "extract v2 is NOT YET (golden pass rate 75% vs 66% on 36 cases (pass); "
        "waiting on redteam); canary promoted to 100%."
    )
    refused = story(first, "A → B", FILES, final, Second("extract v2", "extract", None))
    assert "canary" not in refused[2]


def test_a_passing_swap_says_so_and_never_exceeds_five_lines() -> None:
    data = ReportData(NOW, 30, [_workload("w", "pass", 0.7, 0.72, [])])
    lines = story(data, "A → B", FILES)
    assert lines[0] == "Passed: A → B is GO on every workload." and len(lines) <= 5
    waiting = ReportData(NOW, 30, [_workload("w", "inconclusive", 0.7, 0.6, ["x"])])
    assert story(waiting, "A → B", FILES)[0].startswith("Not yet: A → B needs more evidence")
