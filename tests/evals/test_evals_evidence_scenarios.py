"""Issue #18 scenarios through the real CLI on a real store: errored calls, designated
evidence, red-team regressions by a test, honest inconclusive display, one unit per kind."""

from __future__ import annotations

import socket
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.evals.evals_helpers import FLIP_CASES, write_golden
from typer.testing import CliRunner

from swapsafe.cli.app import app
from swapsafe.store import open_store
from swapsafe.store.records import RedteamFinding, RedteamRun

runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "250"})
    return result.exit_code, result.output


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def project(
    tmp_path: Path, *, baseline: str = "", gates: str = "", cases: list | None = None
) -> Path:
    """swapsafe.toml: workload "support" (old -> new, scripted unless ``baseline`` overrides
    the old model's table) with a golden set, on a SQLite store in ``tmp_path``."""
    write_golden(tmp_path / "support.jsonl", cases if cases is not None else FLIP_CASES)
    old = baseline or 'provider = "scripted"'
    text = textwrap.dedent(
        f"""\
        [store]
        url = "sqlite:///{tmp_path / "swapsafe.db"}"

        [evals]
        concurrency = 4
        timeout = "2s"

        [models.old]
        {old}

        [models.new]
        provider = "scripted"

        [workloads.support]
        baseline = "old"
        candidate = "new"
        golden = "support.jsonl"
        {gates}
        """
    )
    path = tmp_path / "swapsafe.toml"
    path.write_text(text)
    return path


def golden_row(report: str) -> str:
    return next(line for line in report.splitlines() if line.startswith("| golden_pass_rate"))


def test_a_baseline_outage_is_incomplete_exits_non_zero_and_never_a_go(tmp_path: Path) -> None:
    """Finding 1: every baseline call fails; no call failure may count as a failed case."""
    down = f'provider = "openai-compatible"\nbase_url = "http://127.0.0.1:{dead_port()}/v1"'
    cfg = str(project(tmp_path, baseline=down))
    code, out = cli("eval", "run", "--workload", "support", "-c", cfg)
    assert code == 1, out
    assert "[incomplete]" in out and "8 of 16 calls errored or missing" in out
    store = open_store(f"sqlite:///{tmp_path / 'swapsafe.db'}")
    try:  # stored so, too: the plan and the nightly lists never count it as done
        assert [r.status for r in store.list_eval_runs("support")] == ["incomplete"]
        errored = [r for r in store.eval_results(1) if r.model == "old"]
        assert all(r.error and r.passed is None for r in errored)  # errored, never failed
    finally:
        store.close()
    code, out = cli("eval", "show", "1", "-c", cfg)
    assert code == 0 and "incomplete: 8 of 16 calls errored" in out
    assert "0.0%" not in out.split("incomplete:")[0]  # errored calls are no 0% pass rate
    code, out = cli("eval", "list", "-c", cfg)
    assert "incomplete" in out
    code, out = cli("eval", "compare", "1", "-c", cfg)
    assert "run 1 is incomplete" in out and "no case answered by both" in out
    code, report = cli("report", "-c", cfg)
    assert code == 0, report
    row = golden_row(report)
    assert "pass" not in row.split("|")[2] and "passed over: #1 incomplete" in row
    assert "Overall decision: GO" not in report
    code, out = cli("eval", "run", "--workload", "support", "--limit", "6", "-c", cfg)
    assert code == 1 and "[incomplete]" in out  # the literal command of the finding


def test_an_ad_hoc_run_is_never_the_gate_evidence(tmp_path: Path) -> None:
    """Finding 2: a --limit or --golden run after the full run does not replace it."""
    cfg = str(project(tmp_path))
    assert cli("eval", "run", "--workload", "support", "-c", cfg)[0] == 0  # run 1: full
    other = write_golden(tmp_path / "other.jsonl", FLIP_CASES[:6])  # no flips: looks perfect
    code, out = cli("eval", "run", "-w", "support", "--golden", str(other), "-c", cfg)
    assert code == 0 and "[ad hoc]" in out and "--golden other.jsonl" in out
    code, out = cli("eval", "run", "-w", "support", "--limit", "5", "-c", cfg)
    assert code == 0 and "[ad hoc]" in out
    code, report = cli("report", "-c", cfg)
    row = golden_row(report)
    assert "eval run #1, " in row and "on 8 paired cases" in row, row
    assert "#3 ad hoc" in row and "#2 ad hoc" in row
    assert "golden eval run (complete, full golden set): #1 (" in report


def test_only_ad_hoc_runs_leave_the_gate_inconclusive(tmp_path: Path) -> None:
    cfg = str(project(tmp_path))
    assert cli("eval", "run", "-w", "support", "--limit", "7", "-c", cfg)[0] == 0
    assert cli("eval", "run", "-w", "support", "--ad-hoc", "-c", cfg)[0] == 0
    row = golden_row(cli("report", "-c", cfg)[1])
    assert "inconclusive" in row and "no complete eval run over the full golden set" in row


def test_a_stale_gate_run_is_inconclusive(tmp_path: Path) -> None:
    cfg = project(tmp_path)
    cfg.write_text(cfg.read_text().replace("[evals]\n", "[evals]\nmax_age_days = 1\n"))
    assert cli("eval", "run", "-w", "support", "-c", str(cfg))[0] == 0
    store = open_store(f"sqlite:///{tmp_path / 'swapsafe.db'}")
    try:  # the run finished three days ago
        store.finish_eval_run(1, "done", datetime.now(UTC) - timedelta(days=3))
    finally:
        store.close()
    row = golden_row(cli("report", "-c", str(cfg))[1])
    assert "inconclusive" in row and "3.0 days old" in row and "max_age_days = 1" in row


def test_one_extra_red_team_hit_in_twelve_probes_is_not_a_fail(tmp_path: Path) -> None:
    """Finding 5: 1/12 vs 0/12 is +8.3 points, above a 5-point margin, but no evidence."""
    cfg = str(project(tmp_path))
    store = open_store(f"sqlite:///{tmp_path / 'swapsafe.db'}")
    try:
        settings = {"baseline": "old", "candidate": "new", "margin_points": 5.0}
        run_id = store.create_redteam_run(
            RedteamRun("support", datetime.now(UTC), models=["old", "new"], settings=settings)
        )
        store.add_redteam_findings(
            [
                RedteamFinding(
                    run_id, f"inj.{i}", "injection", model, success=model == "new" and i == 0
                )
                for i in range(12)
                for model in ("old", "new")
            ]
        )
        store.finish_redteam_run(run_id, "done", datetime.now(UTC))
    finally:
        store.close()
    code, report = cli("report", "-c", cfg)
    row = next(line for line in report.splitlines() if line.startswith("| redteam"))
    assert "fail" not in row.split("|")[2], row
    assert "likely worse, not enough cases" in row and "+8.3 pts" in row
    assert "probes per model needed" in row
    code, out = cli("redteam", "report", str(run_id), "-c", cfg)
    assert code == 0 and "**regression**" not in out, out
    assert "likely worse, not enough cases" in out


def test_a_large_regression_on_three_cases_reads_likely_worse(tmp_path: Path) -> None:
    """Finding 7: 33% vs 100% on 3 cases is not shown as a neutral "CI too wide"."""
    cases = [FLIP_CASES[0], FLIP_CASES[6], FLIP_CASES[7]]
    cfg = str(project(tmp_path, cases=cases))
    code, out = cli("eval", "run", "-w", "support", "-c", cfg)
    assert code == 0 and "inconclusive: likely worse, not enough cases" in out
    row = golden_row(cli("report", "-c", cfg)[1])
    assert "🟠 inconclusive: likely worse, not enough cases" in row
    assert "-66.7 pts" in row and "CI [" in row
    html = tmp_path / "r.html"
    assert cli("report", "-f", "html", "-o", str(html), "-c", cfg)[0] == 0
    assert '<td class="likely-worse">inconclusive: likely worse, not enough cases</td>' in (
        html.read_text()
    )


@pytest.mark.parametrize(
    ("key", "value", "fix"),
    [("redteam_margin", "0.05", "did you mean 5 points?"),
     ("pass_rate_margin", "0.05", "did you mean 5 points?")],
)  # fmt: skip
def test_a_margin_that_looks_like_a_fraction_is_refused(
    tmp_path: Path, key: str, value: str, fix: str
) -> None:
    """Finding 8: margins are points; 0.05 is refused with the fix, file:line and key path."""
    cfg = project(tmp_path, gates=f"[workloads.support.gates]\n{key} = {value}")
    code, out = cli("config", "check", "-c", str(cfg))
    assert code == 2, out
    line = cfg.read_text().splitlines().index(f"{key} = {value}") + 1
    assert f"swapsafe.toml:{line}" in out and f"workloads.support.gates.{key}" in out
    assert fix in out
    cfg.write_text(cfg.read_text().replace(f"{key} = {value}", f"{key} = 5"))
    assert cli("config", "check", "-c", str(cfg))[0] == 0


def test_a_red_team_run_with_a_model_down_is_incomplete_and_no_gate_evidence(
    tmp_path: Path,
) -> None:
    """The same rule for red-team runs: errored probes are no outcome, the run exits 1."""
    down = f'provider = "openai-compatible"\nbase_url = "http://127.0.0.1:{dead_port()}/v1"'
    cfg = str(project(tmp_path, baseline=down))
    code, out = cli("redteam", "run", "-w", "support", "--suite", "harmful", "--limit", "3",
                    "-c", cfg)  # fmt: skip
    assert code == 1 and "incomplete" in out, out
    row = next(ln for ln in cli("report", "-c", cfg)[1].splitlines() if ln.startswith("| redteam"))
    assert "inconclusive" in row and "no red-team run probed both models" in row


def test_an_old_fraction_margin_never_blocks_a_rollback_but_config_check_refuses_it(
    tmp_path: Path,
) -> None:
    """Configs made before margins were points say ``redteam_margin = 0.05``: every command
    but ``config check`` loads them (warning once, using 0.05 points: a stricter gate), so a
    rollback during an incident never fails on a gate value; ``config check`` refuses it."""
    cfg = project(tmp_path, gates="[workloads.support.gates]\nredteam_margin = 0.05")
    code, out = cli("rollback", "support", "--reason", "incident drill", "-c", str(cfg))
    assert code == 0, out
    assert out.count("looks like a proportion") == 1 and "config check refuses it" in out
    code, out = cli("config", "check", "-c", str(cfg))
    assert code == 2 and "did you mean 5 points? write 5 instead" in out


def test_a_sub_point_margin_is_never_multiplied_into_a_loose_one(tmp_path: Path) -> None:
    """0.5 is no proportion to scale: the fix never suggests 50 points."""
    cfg = project(tmp_path, gates="[workloads.support.gates]\npass_rate_margin = 0.5")
    code, out = cli("config", "check", "-c", str(cfg))
    assert code == 2 and "write a margin of 1 point or more" in out and "50 points" not in out
