"""The README's commands work: the two opening commands and every ``swapsafe`` line in it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```bash\n(.*?)```", README, re.S)
LONG_RUNNING = ("swapsafe gateway",)


def swapsafe_env() -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "COLUMNS": "200"}


def test_readme_starts_with_exactly_two_commands() -> None:
    first_lines = README.split("## ")[0]
    blocks = re.findall(r"```bash\n(.*?)```", first_lines, re.S)
    assert len(blocks) == 2
    assert [len(b.strip().splitlines()) for b in blocks] == [1, 1]
    assert blocks[1].strip() == "./scripts/test.sh"
    assert "exec ./scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_first_command_runs_in_an_empty_folder(tmp_path: Path) -> None:
    command = BLOCKS[0].strip()
    head, _, tail = command.partition("pip install -e . && ")
    assert head and tail.startswith("swapsafe init demo")  # the setup part is what CI does
    out = subprocess.run(
        tail,
        shell=True,
        cwd=tmp_path,
        env=swapsafe_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "config OK" in out.stdout


def readme_swapsafe_lines() -> list[str]:
    lines = []
    for block in BLOCKS[2:]:
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("swapsafe ") and not line.startswith(LONG_RUNNING):
                lines.append(line)
    return lines


def test_readme_swapsafe_commands_run_in_order(tmp_path: Path, pg_url: str) -> None:
    lines = readme_swapsafe_lines()
    assert any(line.startswith("swapsafe rollback") for line in lines)
    cwd = tmp_path
    for line in lines:
        line = line.replace("postgresql://postgres@127.0.0.1:5432/test", pg_url)
        if " && cd " in line:
            line, _, directory = line.partition(" && cd ")
            run(line, cwd)
            cwd = cwd / directory.strip()
            continue
        run(line, cwd)


def run(line: str, cwd: Path) -> None:
    out = subprocess.run(
        line, shell=True, cwd=cwd, env=swapsafe_env(), capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, f"{line}\n{out.stdout}\n{out.stderr}"
    assert "Traceback" not in out.stdout + out.stderr


@pytest.mark.parametrize("script", ["bench/gateway.py"])
def test_readme_bench_scripts_have_help(script: str) -> None:
    assert script in README
    out = subprocess.run(
        [sys.executable, str(ROOT / script), "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and "--quick" in out.stdout


ALL_BLOCKS = re.findall(r"```(?:bash|sh)\n(.*?)```", README, re.S)


def documented_commands() -> list[list[str]]:
    import shlex

    commands = []
    for block in ALL_BLOCKS:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].split(" && ")[0].split(" | ")[0].strip()
            if line.startswith("swapsafe ") and "<" not in line:
                commands.append(shlex.split(line)[1:])
    return commands


def test_every_documented_command_and_option_exists() -> None:
    """Every ``swapsafe ...`` line in the README names a real command, and each --option it
    uses is one that command accepts (the runnable ones are also run above)."""
    from typer.testing import CliRunner

    from swapsafe.cli.app import app

    runner = CliRunner()
    commands = documented_commands()
    assert len(commands) > 8
    for tokens in commands:
        path: list[str] = []
        for tok in tokens:
            if tok.startswith("-"):
                break
            probe = runner.invoke(app, [*path, tok, "--help"], env={"COLUMNS": "300"})
            if probe.exit_code != 0 or "Usage:" not in probe.output:
                break
            if path and "Commands" not in runner.invoke(app, [*path, "--help"]).output:
                break
            path.append(tok)
        help_text = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "300"}).output
        assert path, f"unknown command in README: swapsafe {' '.join(tokens)}"
        for tok in tokens:
            if tok.startswith("--"):
                option = tok.split("=", 1)[0]
                assert option in help_text, f"README uses {option} on swapsafe {' '.join(path)}"
