"""Sequential canary analysis: canary vs baseline of the same window, always-valid, with
margins in points; the absolute triggers stay as hard guards."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from tests.rollout.rollout_helpers import gate_check, traces, write_config
from typer.testing import CliRunner

from swapsafe.cli.app import app
from swapsafe.cli.rollout_cmd import rollout_app
from swapsafe.config import TriggerConfig, load_config
from swapsafe.rollout.analysis import Analysis, CohortMetrics, analyse
from swapsafe.rollout.controller import Controller
from swapsafe.store import SqlStore
from swapsafe.testing.clock import FakeClock

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TRIGGERS = TriggerConfig(error_rate_above=0.05, min_samples=50)


def cohort(
    model: str, n: int, errors: int, *, slow: int | None = None, p95: float | None = 300.0
) -> CohortMetrics:
    return CohortMetrics(
        model=model,
        requests=n,
        errors=errors,
        error_rate=errors / n if n else None,
        latency_samples=n - errors,
        p95_ms=p95 if n else None,
        cost_per_request=None,
        pairs=0,
        agreement=None,
        feedback_n=0,
        online_score=None,
        slow=slow,
    )


def look(canary: CohortMetrics, baseline: CohortMetrics, n: int = 1, **kw: float) -> Analysis:
    triggers = TRIGGERS.model_copy(update=kw) if kw else TRIGGERS
    return analyse(canary, baseline, triggers, since=T0, until=T0, look=n)


def check(a: Analysis, name: str) -> dict[str, object]:
    (found,) = [c for c in a.checks if c.name == name]
    return {"status": found.status, "detail": found.detail, **(found.sequential or {})}


def test_twice_the_baseline_error_rate_below_the_absolute_trigger_breaches() -> None:
    """4.1% vs 2.0%: the absolute 5% trigger never fires; the comparison with the baseline
    does, and says why in words (this failed before: absolute thresholds only)."""
    a = look(cohort("new", 8000, 328), cohort("old", 16000, 320), n=8)
    assert check(a, "error_rate")["status"] == "pass"  # the hard guard alone sees nothing
    seq = check(a, "error_rate_vs_baseline")
    assert a.outcome == "breach" and seq["status"] == "breach"
    assert seq["verdict"] == "breach" and seq["look"] == 8 and seq["margin_pt"] == 1.0
    lower, upper = seq["interval_pt"]  # type: ignore[misc]
    assert 1.0 < lower < 2.1 < upper
    assert (
        "canary error rate 4.1% vs baseline 2.0%, difference ≥ 1 pt with 95% always-valid "
        "confidence" in a.summary
    )
    assert "look 8" in a.summary and "margin 1 pt" in a.summary
    assert a.numbers()["look"] == 8


def test_equal_cohorts_show_non_inferiority_and_pass() -> None:
    a = look(cohort("new", 20000, 400), cohort("old", 20000, 400), n=12)
    seq = check(a, "error_rate_vs_baseline")
    assert (a.outcome, seq["status"], seq["verdict"]) == ("pass", "pass", "non-inferior")
    assert "difference < 1 pt with 95% always-valid confidence" in str(seq["detail"])


def test_no_conclusion_yet_passes_only_with_enough_samples() -> None:
    early = look(cohort("new", 30, 1), cohort("old", 3000, 60))
    assert check(early, "error_rate_vs_baseline")["status"] == "insufficient"
    assert early.outcome == "insufficient"
    later = look(cohort("new", 60, 2), cohort("old", 6000, 120), n=2)
    seq = check(later, "error_rate_vs_baseline")
    assert (seq["status"], seq["verdict"]) == ("pass", "continue")
    assert later.outcome == "pass"  # the hold may end and promote with enough samples


def test_slow_share_over_the_baseline_p95_breaches_beyond_the_latency_margin() -> None:
    a = look(cohort("new", 4000, 0, slow=800), cohort("old", 8000, 0, slow=400), n=4)
    seq = check(a, "latency_vs_baseline")
    assert seq["status"] == "breach" and seq["margin_pt"] == 5.0
    assert "slower than the baseline's p95 (300 ms) 20.0% vs baseline 5.0%" in str(seq["detail"])
    fine = look(cohort("new", 4000, 0, slow=210), cohort("old", 8000, 0, slow=400), n=4)
    assert check(fine, "latency_vs_baseline")["verdict"] == "non-inferior"


def test_absolute_guards_stay_and_no_sequential_check_without_a_look_or_baseline() -> None:
    spike = look(cohort("new", 100, 30), cohort("old", 100, 25))
    assert check(spike, "error_rate")["status"] == "breach"  # hard guard, whatever the baseline
    recent = analyse(cohort("new", 100, 3), cohort("old", 100, 2), TRIGGERS, since=T0, until=T0)
    assert {c.name for c in recent.checks} == {"error_rate", "p95", "online_score"}
    full = analyse(cohort("new", 100, 3), None, TRIGGERS, since=T0, until=T0, look=3)
    assert "error_rate_vs_baseline" not in {c.name for c in full.checks}


def test_analysis_keeps_alpha_over_1000_holds_of_20_looks() -> None:
    """Equal cohorts at 2% errors, 1% weight (99 baseline requests per canary request): the
    analysis as wired (points -> fractions, verdict -> outcome) breaches in at most alpha of
    the holds, within 3 standard errors of the simulation."""
    holds, looks, per_look, ratio, alpha = 1000, 20, 100, 99, 0.05
    rng = np.random.default_rng(2026)
    kc = rng.binomial(per_look, 0.02, (holds, looks)).cumsum(axis=1)
    kb = rng.binomial(per_look * ratio, 0.02, (holds, looks)).cumsum(axis=1)
    breached = 0
    for h in range(holds):
        for i in range(looks):
            n = per_look * (i + 1)
            a = look(
                cohort("new", n, int(kc[h, i])), cohort("old", n * ratio, int(kb[h, i])), i + 1
            )
            if a.outcome == "breach":
                breached += 1
                break
    assert breached / holds <= alpha + 3 * math.sqrt(alpha * (1 - alpha) / holds)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "error_rate_margin = 0.01",
            "0.01 looks like a proportion; margins are in points (percentage points): "
            "did you mean 1 points? write 1 instead (1 means 1 point)",
        ),
        ("latency_margin = 150", "150 is outside 0-100; margins are in points"),
        ("alpha = 0.5", "0.5 is outside 0.001-0.2; use e.g. 0.05"),
    ],
)
def test_margins_in_points_and_alpha_are_checked_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SWAPSAFE_CONFIG", raising=False)
    (tmp_path / "swapsafe.toml").write_text(
        '[models.old]\nprovider = "scripted"\n\n[models.new]\nprovider = "scripted"\n\n'
        '[workloads.support]\nbaseline = "old"\ncandidate = "new"\n\n'
        f"[workloads.support.triggers]\n{line}\n"
    )
    result = CliRunner().invoke(app, ["config", "check"])
    assert result.exit_code == 2
    key = line.split(" = ")[0]
    assert result.stderr.splitlines() == [
        f"swapsafe.toml:12: workloads.support.triggers.{key}: {expected}"
    ]


def test_trigger_defaults() -> None:
    t = TriggerConfig()
    assert (t.error_rate_margin, t.latency_margin, t.alpha) == (1.0, 5.0, 0.05)
    assert TriggerConfig(error_rate_margin=0, latency_margin=2).error_rate_margin == 0


async def test_status_cli_shows_the_sequential_verdict(
    tmp_path: Path, store_url: str, store: SqlStore
) -> None:
    path = write_config(tmp_path, store_url)
    cfg = load_config(path)
    clock = FakeClock()
    controller = Controller(cfg, store, clock=clock, gates=gate_check(ok=True))
    controller.rollouts.start("support", actor="cli:test")
    traces(store, model="new", at=clock.now(), n=100, errors=2)
    traces(store, model="old", at=clock.now(), n=400, errors=8)
    clock.advance(900)
    await controller.tick()
    result = CliRunner().invoke(
        rollout_app, ["status", "support", "-c", str(path)], env={"COLUMNS": "400"}
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "error rate: continue - canary 2.0% vs baseline 2.0%, 95% CS [" in out
    assert "margin 1 pt, look 3" in out


def test_store_counts_requests_slower_than_a_limit(store: SqlStore) -> None:
    traces(store, model="new", at=T0, n=30, latency_ms=200.0)
    traces(store, model="new", at=T0, n=10, errors=4, latency_ms=900.0)  # 4 failed: not timed
    traces(store, model="old", at=T0, n=5, latency_ms=900.0)
    db = store
    end = T0 + timedelta(hours=1)
    assert db.cohort_slower("support", "new", T0, end, 500.0) == 6
    assert db.cohort_slower("support", "new", T0, end, 900.0) == 0
    assert db.cohort_slower("support", "new", end, end + timedelta(hours=1), 100.0) == 0
