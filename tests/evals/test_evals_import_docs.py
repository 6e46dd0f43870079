"""The import and export commands of docs/evals.md, run as written on corpus files."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from tests.evals.evals_helpers import write_config
from tests.evals.test_evals_import_cli import cli

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = ROOT / "tests" / "data"


def section_commands(title: str) -> list[list[str]]:
    text = (ROOT / "docs" / "evals.md").read_text()
    body = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    block = re.findall(r"```bash\n(.*?)```", body, re.S)[0]
    return [shlex.split(line)[1:] for line in block.splitlines() if line.startswith("swapsafe ")]


def test_documented_import_and_export_commands_run(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, store_url)
    shutil.copy(DATA / "promptfoo/getting-started/promptfooconfig.yaml", tmp_path)
    shutil.copytree(DATA / "openai_evals/registry", tmp_path / "registry")
    (tmp_path / "samples.jsonl").write_text('{"input": "Capital of France?", "ideal": "Paris"}\n')
    monkeypatch.chdir(tmp_path)
    imports = section_commands("Importing promptfoo and OpenAI evals")
    assert len(imports) == 5
    for args in imports:
        code, out = cli(*args, "-c", str(config))
        assert code == 0, f"{args}\n{out}"
    assert len((tmp_path / "golden/support.jsonl").read_text().splitlines()) == 4
    assert len((tmp_path / "golden/routing.jsonl").read_text().splitlines()) == 3
    code, out = cli(
        "eval", "run", "-w", "support", "--golden", "golden/support.jsonl", "-c", str(config)
    )
    assert code in (0, 1), out  # the scripted models echo; failing cases are fine here
    for args in section_commands("Exporting a run's results"):
        code, out = cli(*args, "-c", str(config))
        assert code == 0, f"{args}\n{out}"
    assert len((tmp_path / "run1.jsonl").read_text().splitlines()) == 8  # 4 cases x 2 models
    assert (tmp_path / "run1.csv").read_text().startswith("run_id,workload,case_id,model,input")
