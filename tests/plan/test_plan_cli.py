"""``swapsafe plan ...`` through the CLI: standalone (no config, or only [store]) and errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.plan.plan_helpers import cli_app
from typer.testing import CliRunner

from swapsafe.plan.export import strip_generated

runner = CliRunner()
app = cli_app()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SWAPSAFE_CONFIG", raising=False)
    return tmp_path


def test_standalone_flow_without_a_config_file(here: Path) -> None:
    code, out = run(
        "plan",
        "new",
        "gpt5-swap",
        "--from",
        "gpt-4o",
        "--to",
        "gpt-5",
        "--workloads",
        "support,search",
        "--start",
        "2026-12-01",
    )
    assert code == 0, out
    assert "created migration gpt5-swap" in out
    assert (here / "swapsafe.db").exists()  # the default store in the current directory

    code, out = run("plan", "tick", "1", "--note", "inventory in the team wiki")
    assert code == 0, out
    assert "item 1 (inventory) ticked" in out
    assert "1/12 done" in out
    code, out = run("plan", "tick", "redteam", "--note", "pentest PT-42")
    assert code == 0, out

    code, out = run("plan", "show")
    assert code == 0, out
    for text in (
        "migration gpt5-swap",
        "Week 1: scope + baseline",
        "Weeks 2-3: shadow eval",
        "Week 4: cutover",
        "2/12",
        "(manual)",
        "inventory in the team wiki",
    ):
        assert text in out, text

    code, out = run("plan", "untick", "redteam", "--note", "old prompt only")
    assert code == 0, out
    assert "1/12 done" in out

    code, out = run("plan", "export", "--out", "plan.md")
    assert code == 0, out
    text = (here / "plan.md").read_text()
    assert text.startswith("# Migration plan: gpt5-swap\n")
    assert "- [x] **1. Inventory**" in text
    assert "- [ ] **8. Red-team**" in text
    assert "Note (untick by cli:" in text and "old prompt only" in text
    code, stdout_md = run("plan", "export")
    assert strip_generated(stdout_md) == strip_generated(text)

    code, out = run("plan", "list")
    assert code == 0 and "gpt5-swap" in out and "1/12" in out


def test_config_with_only_a_store_table(here: Path) -> None:
    (here / "cfg").mkdir()
    (here / "cfg" / "swapsafe.toml").write_text('[store]\nurl = "sqlite:///plans.db"\n')
    code, out = run("plan", "new", "m", "--from", "a", "--to", "b", "--workloads", "w", "-c", "cfg")
    assert code == 0, out
    assert (here / "cfg" / "plans.db").exists()  # relative to the config file
    code, out = run("plan", "show", "m", "-c", "cfg/swapsafe.toml")
    assert code == 0, out


def test_full_config_warns_about_unknown_workloads(here: Path) -> None:
    (here / "swapsafe.toml").write_text(
        '[models.old]\nprovider = "openai"\nmodel = "gpt-4o"\n'
        '[models.new]\nprovider = "openai"\nmodel = "gpt-5"\n'
        '[workloads.support]\nbaseline = "old"\ncandidate = "new"\n'
    )
    code, out = run(
        "plan", "new", "m", "--from", "old", "--to", "new", "--workloads", "support,typo"
    )
    assert code == 0, out
    assert "not in the config: typo" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "tick", "13", "--note", "x"), "unknown plan item '13'; use a number 1-12"),
        (("plan", "tick", "1", "--note", " "), "a manual tick needs a note"),
        (("plan", "untick", "2", "--note", "x"), "has no manual tick to withdraw"),
        (("plan", "show", "nope"), "no migration named 'nope' (known: m)"),
        (
            ("plan", "new", "m", "--from", "a", "--to", "b", "--workloads", "w"),
            "a migration named 'm' exists",
        ),
        (
            ("plan", "new", "x", "--from", "a", "--to", "b", "--workloads", ","),
            "give at least one workload",
        ),
        (
            (
                "plan",
                "new",
                "x",
                "--from",
                "a",
                "--to",
                "b",
                "--workloads",
                "w",
                "--start",
                "1/12/2026",
            ),
            "is not a date; use YYYY-MM-DD",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(here: Path, args: tuple[str, ...], message: str) -> None:
    assert run("plan", "new", "m", "--from", "a", "--to", "b", "--workloads", "w")[0] == 0
    code, out = run(*args)
    assert code == 2
    assert message in out
    assert "Traceback" not in out


def test_several_plans_need_plan_option(here: Path) -> None:
    for name in ("one", "two"):
        assert run("plan", "new", name, "--from", "a", "--to", "b", "--workloads", "w")[0] == 0
    code, out = run("plan", "tick", "1", "--note", "x")
    assert code == 2
    assert "2 migrations (one, two); choose one with --plan NAME" in out
    code, out = run("plan", "tick", "1", "--note", "x", "--plan", "two")
    assert code == 0, out
    assert "two: item 1" in out


def test_no_plans_yet_says_how_to_create_one(here: Path) -> None:
    code, out = run("plan", "show")
    assert code == 2
    assert "no migration yet; create one: swapsafe plan new NAME" in out
    code, out = run("plan", "list")
    assert code == 0 and "no migrations yet" in out


def test_missing_explicit_config_and_broken_config_are_errors(here: Path) -> None:
    code, out = run("plan", "list", "-c", "elsewhere.toml")
    assert code == 2 and "not found" in out
    (here / "swapsafe.toml").write_text('[models.old]\nprovider = "nope"\n')
    code, out = run("plan", "list")
    assert code == 2 and "swapsafe.toml" in out


@pytest.mark.parametrize(
    "path",
    [
        ["plan"],
        ["plan", "new"],
        ["plan", "list"],
        ["plan", "show"],
        ["plan", "tick"],
        ["plan", "untick"],
        ["plan", "export"],
        ["scenarios"],
    ],
)
def test_every_command_help_has_an_example(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout
