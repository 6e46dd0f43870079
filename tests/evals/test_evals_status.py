"""The one rule for an eval run's standing (pure): complete, incomplete, ad hoc."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from swapsafe.evals.status import AD_HOC, ad_hoc_reason, run_standing
from swapsafe.store.records import EvalResult, EvalRun

IDS = [f"c{i}" for i in range(50)]


def _run(**settings: object) -> EvalRun:
    return EvalRun(
        "support", datetime(2026, 1, 1, tzinfo=UTC), status="done", models=["old", "new"],
        settings={"case_ids": IDS, **settings}, id=1,
    )  # fmt: skip


def _rows(errored: int) -> list[EvalResult]:
    rows = []
    for i, c in enumerate(IDS):
        for m in ("old", "new"):
            failed = m == "old" and i < errored
            rows.append(
                EvalResult(
                    1, c, m, passed=None if failed else True, error="down" if failed else None
                )
            )
    return rows


def test_errors_up_to_the_max_are_complete_beyond_are_incomplete() -> None:
    ok = run_standing(_run(), _rows(2), max_error_rate=0.02)  # 2 of 100 pairs
    assert ok.status == "complete" and ok.gate_evidence and ok.errored == 2
    bad = run_standing(_run(), _rows(3), max_error_rate=0.02)
    assert bad.status == "incomplete" and not bad.gate_evidence
    assert "3 of 100 calls errored or missing (3.0%, max 2%)" in bad.reason


def test_missing_pairs_count_as_errored() -> None:
    rows = [r for r in _rows(0) if r.case_id != "c0"]
    assert run_standing(_run(), rows, max_error_rate=0.0).status == "incomplete"


def test_ad_hoc_runs_and_subsets_are_not_gate_evidence() -> None:
    marked = run_standing(_run(evidence=AD_HOC, ad_hoc_reason="--limit 5"), _rows(0),
                          max_error_rate=0.02)  # fmt: skip
    assert marked.status == "ad hoc" and "--limit 5" in marked.reason
    subset = run_standing(_run(), _rows(0), max_error_rate=0.02, golden_ids=[*IDS, "c99"])
    assert (
        subset.status == "ad hoc" and "1 of the workload's golden set are missing" in subset.reason
    )
    interrupted = EvalRun("support", datetime(2026, 1, 1, tzinfo=UTC), status="interrupted")
    assert run_standing(interrupted, [], max_error_rate=0.02).status == "interrupted"


def test_ad_hoc_reason_of_a_new_run() -> None:
    golden = Path("/p/support.jsonl")
    full = {"golden": None, "workload_golden": golden, "models": None,
            "gate_models": ["old", "new"], "flag": False}  # fmt: skip
    assert ad_hoc_reason(limit=None, **full) is None
    assert ad_hoc_reason(limit=5, **full) == "--limit 5"
    assert ad_hoc_reason(limit=None, **{**full, "golden": Path("/p/o.jsonl")}) == "--golden o.jsonl"
    assert ad_hoc_reason(limit=None, **{**full, "golden": golden}) is None
    assert ad_hoc_reason(limit=None, **{**full, "models": ["new"]}) is not None
    assert ad_hoc_reason(limit=None, **{**full, "flag": True}) == "--ad-hoc"
