"""The README and the reference in docs/ hold: the two opening commands, every ``swapsafe`` line
(run in order where it is a tutorial, checked against the CLI everywhere), the README's length
and links, and the docs site build (``mkdocs build --strict``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = ROOT / "docs"
# The tutorial pages: their bash commands run in order after the README's quickstart. The other
# pages (evals, report, web, ...) are exercised by each area's own tests; here every ``swapsafe``
# line in them is checked against the CLI.
TUTORIAL = ["gateway", "traffic-control", "configuration", "store", "testing", "performance"]
TUTORIAL_TEXT = README + "".join((DOCS / f"{name}.md").read_text() for name in TUTORIAL)
BLOCKS = re.findall(r"```bash\n(.*?)```", TUTORIAL_TEXT, re.S)
ALL_TEXT = README + "".join(p.read_text() for p in sorted(DOCS.glob("*.md")))
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


def test_first_command_is_the_quick_demo() -> None:
    """The install part is what CI does (from the lock); ``swapsafe demo --quick`` itself runs
    end to end in tests/demo/test_demo_e2e.py against the real llama.cpp servers."""
    command = BLOCKS[0].strip()
    head, _, tail = command.partition("pip install -e '.[local]' && ")
    assert head == "python3 -m venv .venv && . .venv/bin/activate && "
    assert tail == "swapsafe demo --quick"
    assert "--quick" in (ROOT / "tests" / "demo" / "test_demo_e2e.py").read_text()


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
    assert script in ALL_TEXT
    out = subprocess.run(
        [sys.executable, str(ROOT / script), "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and "--quick" in out.stdout


ALL_BLOCKS = re.findall(r"```(?:bash|sh)\n(.*?)```", ALL_TEXT, re.S)


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
    """Every ``swapsafe ...`` line in the README and docs/ names a real command, and each
    --option it uses is one that command accepts (the runnable ones are also run above)."""
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


def test_readme_is_a_front_door() -> None:
    """The README stays short (what swapsafe is, the two commands, the quickstart, the
    guarantees, links); the reference lives in docs/, and every link to it resolves."""
    assert len(README.splitlines()) <= 250
    links = re.findall(r"\]\((docs/[^)#]*)", README)
    assert len(links) >= 10
    for link in links:
        assert (ROOT / link).exists(), f"README links to a missing {link}"
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in DOCS.glob("*.md"):
        assert page.name in nav, f"docs/{page.name} is not in mkdocs.yml's nav"


def test_docs_site_builds_strict(tmp_path: Path) -> None:
    """``mkdocs build --strict``: a broken link, anchor or nav entry fails; nothing is fetched."""
    env = {**swapsafe_env(), "NO_MKDOCS_2_WARNING": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    index = (tmp_path / "site" / "index.html").read_text()
    assert "swapsafe" in index
    assert "fonts.googleapis.com" not in index
    assert (tmp_path / "site" / "gateway" / "index.html").exists()
