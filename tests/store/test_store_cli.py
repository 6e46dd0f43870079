"""`swapsafe db upgrade|status` through Typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from swapsafe.cli.db import app
from swapsafe.store.migrate import head_revision

runner = CliRunner()


def test_upgrade_then_status(store_url: str) -> None:
    result = runner.invoke(app, ["upgrade", "--url", store_url])
    assert result.exit_code == 0, result.output
    assert f"schema revision {head_revision()}" in result.stdout

    result = runner.invoke(app, ["status", "--url", store_url])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "current revision" in out and "head revision" in out and "up to date" in out
    for table in ("traces", "routing_state", "audit_log", "eval_results", "plan_events"):
        assert table in out


def test_status_before_upgrade_says_what_to_do(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--url", f"sqlite:///{tmp_path / 'fresh.db'}"])
    assert result.exit_code == 0, result.output
    assert "swapsafe db upgrade" in result.stdout and "needs upgrade" in result.stdout


def test_status_masks_password(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--url", "postgresql://u:topsecret@127.0.0.1:5999/x"])
    assert result.exit_code == 2
    assert "topsecret" not in result.output
    assert "u:***@127.0.0.1:5999" in result.stderr


def test_bad_url_exits_2_with_one_line() -> None:
    for args in (["status", "--url", "mysql://x@y/z"], ["upgrade", "--url", "garbage"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("cannot open store")
        assert "Traceback" not in result.output


def test_missing_directory_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["upgrade", "--url", f"sqlite:///{tmp_path / 'no' / 'x.db'}"])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_help_has_examples() -> None:
    for args in (["--help"], ["upgrade", "--help"], ["status", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0
        assert "Example" in result.stdout
