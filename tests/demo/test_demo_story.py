"""The demo's closing story: five lines or fewer, built from the report's own data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from swapsafe.demo.story import story
from swapsafe.gates.checks import GateReport
from swapsafe.gates.result import GateResult
from swapsafe.report.data import ReportData, WorkloadReport

NOW = datetime(2026, 12, 7, tzinfo=UTC)
PATHS = (Path("d/report.md"), Path("d/plan.md"), Path("d"))


def _workload(name: str, status: str, old: float, new: float, causes: list[str]) -> WorkloadReport:
    golden = GateResult(
        "golden_pass_rate", status, "detail", {"n": 36, "old_pass_rate": old, "new_pass_rate": new}
    )
    rep = WorkloadReport(name, "old", "new", GateReport(name, [golden]), {})
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
    lines = story(data, "A → B", *PATHS)
    assert len(lines) <= 5
    assert lines[0] == "Blocked: A → B is NO-GO on facts."
    assert lines[1] == "Evidence: facts golden pass rate 0% vs 74% on 36 cases (fail)."
    assert lines[2] == "Likely cause: facts: 34 of 34 failed answers continue the prompt"
    assert "d/report.md" in lines[3] and "d/plan.md" in lines[3]
    assert lines[4].startswith("Web UI: swapsafe serve -c d")


def test_a_passing_swap_says_so_and_never_exceeds_five_lines() -> None:
    data = ReportData(NOW, 30, [_workload("w", "pass", 0.7, 0.72, [])])
    lines = story(data, "A → B", *PATHS)
    assert lines[0] == "Passed: A → B is GO on every workload." and len(lines) <= 5
    waiting = ReportData(NOW, 30, [_workload("w", "inconclusive", 0.7, 0.6, ["x"])])
    assert story(waiting, "A → B", *PATHS)[0].startswith("Not yet: A → B needs more evidence")
