"""The CLI: init, config check/show, --version, --help everywhere, the console script."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer
from config_cases import ANTHROPIC_KEY, OPENAI_KEY, VALID
from typer.testing import CliRunner

from swapsafe import __version__
from swapsafe.cli.app import app

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"swapsafe {__version__}\n"


def _commands(group: object, path: list[str]) -> Iterator[list[str]]:
    yield path
    for name, command in getattr(group, "commands", {}).items():
        yield from _commands(command, [*path, name])


@pytest.mark.parametrize("path", list(_commands(typer.main.get_command(app), [])), ids=" ".join)
def test_every_command_help_has_an_example(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout


def test_expected_commands_exist() -> None:
    commands = {" ".join(p) for p in _commands(typer.main.get_command(app), [])}
    assert {"init", "config", "config check", "config show", "db"} <= commands


def test_init_then_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "SWAPSAFE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    target = tmp_path / "svc"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert "Next steps" in result.stdout
    assert (target / "swapsafe.toml").is_file()
    assert (target / "golden" / "support.jsonl").is_file()
    assert (target / "prompts" / "support.txt").is_file()
    check = runner.invoke(app, ["config", "check", "-c", str(target / "swapsafe.toml")])
    assert check.exit_code == 0, check.output
    assert "config OK" in check.stdout
    assert "support-triage" in check.stdout or "support" in check.stdout


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "swapsafe.toml").write_text("# mine\n")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"{tmp_path / 'swapsafe.toml'} already exists; pass --force to overwrite it\n"
    )
    assert (tmp_path / "swapsafe.toml").read_text() == "# mine\n"
    forced = runner.invoke(app, ["init", str(tmp_path), "--force"])
    assert forced.exit_code == 0
    assert "[models.old]" in (tmp_path / "swapsafe.toml").read_text()


def test_show_masks_secrets(project: Callable[[str], Path]) -> None:
    project(VALID + '\n[gateway]\nclient_keys = ["env::OPENAI_API_KEY"]\n')
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert OPENAI_KEY not in result.output and ANTHROPIC_KEY not in result.output
    assert 'api_key = "env::OPENAI_API_KEY"  # (set, ' in result.stdout
    shown = tomllib.loads(result.stdout)
    assert shown["workloads"]["support"]["aliases"] == ["support", "support-triage"]
    assert shown["rollout"]["steps"][0] == {"weight": 1, "hold": 172800}
    as_json = runner.invoke(app, ["config", "show", "--json"])
    assert as_json.exit_code == 0
    assert OPENAI_KEY not in as_json.output
    assert "env::OPENAI_API_KEY (set," in as_json.stdout


def test_show_reports_problems_like_check(project: Callable[[str], Path]) -> None:
    project(VALID.replace('provider = "openai"', 'provider = "azure"'))
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        'swapsafe.toml:2: models.gpt4o.provider: expected one of "openai", "anthropic", '
        '"openai-compatible", "scripted", got "azure"'
    ]


@pytest.mark.slow
def test_console_script(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("swapsafe")
    assert exe.exists(), "install the project: pip install -e /work/main --no-deps"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.pop("SWAPSAFE_CONFIG", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(exe), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )

    assert run("--version").stdout == f"swapsafe {__version__}\n"
    assert run("init").returncode == 0
    ok = run("config", "check")
    assert ok.returncode == 0, ok.stderr
    assert "config OK" in ok.stdout
    (tmp_path / "swapsafe.toml").write_text(VALID.replace("baseline", "baselin"))
    bad = run("config", "check")
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert 'workloads.support.baselin: unknown key; did you mean "baseline"?' in bad.stderr


def test_handle_errors_turns_swapsafe_errors_into_one_line() -> None:
    from swapsafe.cli.common import handle_errors
    from swapsafe.exceptions import RoutingError

    demo = typer.Typer()

    @demo.command()
    @handle_errors
    def boom(kind: str) -> None:
        if kind == "decorated":
            raise RoutingError('unknown workload "x"; known workloads: support')
        with handle_errors:
            raise RoutingError("weight [150] is outside 0-100")

    result = runner.invoke(demo, ["decorated"])
    assert result.exit_code == 2
    assert result.stderr == 'unknown workload "x"; known workloads: support\n'
    result = runner.invoke(demo, ["block"])
    assert result.exit_code == 2
    assert result.stderr == "weight [150] is outside 0-100\n"
