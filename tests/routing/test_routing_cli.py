"""``swapsafe route show|set``, ``rollback`` and ``audit`` through the real CLI app."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from swapsafe.cli.app import app

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Path:
    path = tmp_path / "swapsafe.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            [store]
            url = "{store_url}"

            [models.old]
            provider = "scripted"

            [models.new]
            provider = "scripted"

            [workloads.support]
            baseline = "old"
            candidate = "new"

            [workloads.faq]
            baseline = "old"
            """
        )
    )
    return path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_set_show_rollback_audit(config: Path) -> None:
    code, out = run(
        "route",
        "set",
        "support",
        "--mode",
        "canary",
        "--weight",
        "1",
        "--shadow",
        "--reason",
        "start canary",
        "-c",
        str(config),
    )
    assert code == 0, out
    assert "mode canary, weight 1%, shadow on" in out
    code, out = run("route", "show", "-c", str(config))
    assert code == 0 and "canary" in out and "old → new" in out
    code, out = run("rollback", "support", "--reason", "errors up", "-c", str(config))
    assert code == 0 and "support rolled back" in out
    code, out = run("audit", "--workload", "support", "-c", str(config))
    assert code == 0
    assert out.index("errors up") < out.index("start canary")  # newest first
    text = " ".join(out.split())
    assert "rolled back" in text and "rolled_back" not in text and "None" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("route", "set", "nope", "--mode", "shadow", "--reason", "r"),
            "unknown workload 'nope'; known workloads: faq, support",
        ),
        (
            ("route", "set", "support", "--mode", "canary", "--weight", "150", "--reason", "r"),
            "weight 150.0 is outside 0-100",
        ),
        (
            ("route", "set", "faq", "--mode", "canary", "--weight", "5", "--reason", "r"),
            "workload faq has no candidate model",
        ),
        (("rollback", "nope", "--reason", "r"), "unknown workload 'nope'"),
    ],
)
def test_bad_input_exit_2_one_line(config: Path, args: tuple[str, ...], message: str) -> None:
    code, out = run(*args, "-c", str(config))
    assert code == 2
    assert message in out
    assert "Traceback" not in out


def test_mode_baseline_after_shadow_stops_shadowing_and_says_so(config: Path) -> None:
    c = ("-c", str(config))
    code, out = run("route", "set", "support", "--mode", "shadow", "--reason", "week 2", *c)
    assert code == 0 and "mode shadow, weight 0%, shadow on" in out, out
    code, out = run("route", "set", "support", "--mode", "baseline", "--reason", "pause", *c)
    assert code == 0, out
    assert "mode baseline, weight 0%, shadow off" in out
    assert "mode baseline shadows only with --shadow" in out
    code, out = run("route", "show", *c)
    row = next(line for line in out.splitlines() if "support" in line)
    assert "baseline" in row and " off " in row
    code, out = run(
        "route", "set", "support", "--mode", "baseline", "--shadow", "--reason", "r", *c
    )
    assert code == 0 and "mode baseline, weight 0%, shadow on" in out, out
    code, out = run(
        "route", "set", "support", "--mode", "canary", "--weight", "5", "--reason", "r", *c
    )
    assert code == 0 and "shadow on" in out and "keeps the current shadow setting" in out, out
