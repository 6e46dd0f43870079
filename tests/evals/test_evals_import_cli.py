"""``swapsafe golden import`` (promptfoo, OpenAI evals by spec or registry, --skip-unsupported,
a workload's first golden file) and ``swapsafe eval export`` (CLI and web download)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import orjson
import pytest
from starlette.testclient import TestClient
from tests.evals.evals_helpers import FLIP_CASES, write_config
from tests.web.web_helpers import REVIEWER_TOKEN, web_login
from typer.testing import CliRunner

from swapsafe.cli.app import app
from swapsafe.config import load_config
from swapsafe.web.app import create_web_app

DATA = Path(__file__).parent.parent / "data"
runner = CliRunner()


JS = 'case 2: unsupported: assertion type "javascript" (JavaScript is not run; use python)'


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Path:
    return write_config(tmp_path, store_url, golden=FLIP_CASES)


def test_first_import_creates_the_workloads_golden_file(tmp_path: Path, store_url: str) -> None:
    path = write_config(tmp_path, store_url, extra='[workloads.tr]\nbaseline = "old"\n'
                        'golden = "golden/tr.jsonl"\n')  # fmt: skip
    assert cli("config", "check", "-c", str(path))[0] != 0  # the file does not exist yet
    pf = DATA / "promptfoo/getting-started/promptfooconfig.yaml"
    elsewhere = tmp_path / "elsewhere.jsonl"  # --out works too while the config cannot load
    code, out = cli("golden", "import", str(pf), "--format", "promptfoo", "-w", "tr",
                    "--out", str(elsewhere), "-c", str(path))  # fmt: skip
    assert code == 0 and elsewhere.exists() and "new file" in out, out
    code, out = cli(
        "golden", "import", str(pf), "--format", "promptfoo", "-w", "tr", "-c", str(path)
    )
    assert code == 0, out
    assert "wrote 4 cases" in out and "created the golden file of workload tr" in out
    assert "note: provider openai:gpt-4.1 is not called" in out
    assert "note: the cases run on old (temperature 0)" in out
    assert len((tmp_path / "golden/tr.jsonl").read_text().splitlines()) == 4
    code, out = cli("config", "check", "-c", str(path))
    assert code == 0, out
    code, out = cli(
        "golden", "import", str(pf), "--format", "promptfoo", "-w", "tr", "-c", str(path)
    )
    assert code == 2 and "exists; pass --force" in out


def test_skip_unsupported_lists_what_was_left_out(config: Path, tmp_path: Path) -> None:
    pf = DATA / "promptfoo/multiple-configs/config1.yaml"
    out_file = tmp_path / "g.jsonl"
    args = ["golden", "import", str(pf), "--format", "promptfoo", "-w", "support"]
    code, out = cli(*args, "--out", str(out_file), "-c", str(config))
    assert code == 2 and JS in out
    assert not out_file.exists()
    code, out = cli(*args, "--out", str(out_file), "--skip-unsupported", "-c", str(config))
    assert code == 0, out
    assert "wrote 1 cases" in out and "skipped 1 unsupported case(s):" in out
    assert JS in out


def test_openai_evals_by_spec_and_by_registry_name(config: Path, tmp_path: Path) -> None:
    reg = tmp_path / "registry"
    shutil.copytree(DATA / "openai_evals/registry", reg)
    spec = reg / "evals/agent-tool-routing.yaml"
    out_file = tmp_path / "a.jsonl"
    base = ["golden", "import", "--format", "openai-evals", "-w", "support", "-c", str(config)]
    code, out = cli(*base, "--spec", str(spec), "--out", str(out_file))
    assert code == 0, out
    assert "wrote 3 cases" in out
    first = orjson.loads(out_file.read_text().splitlines()[0])
    assert first["assert"] == [{"type": "match"}] and first["ideal"] == "search_contacts"
    code, out = cli(
        *base,
        "--registry",
        str(reg),
        "--eval",
        "accounting_audit",
        "--out",
        str(tmp_path / "b.jsonl"),
    )
    assert code == 0 and "wrote 3 cases" in out, out
    code, out = cli(
        *base,
        "--registry",
        str(reg),
        "--eval",
        "airports-by-country",
        "--out",
        str(tmp_path / "c.jsonl"),
    )
    assert code == 2 and "a Git LFS pointer" in out
    code, out = cli(*base, "--registry", str(reg), "--eval", "nope")
    assert code == 2 and 'no eval named "nope"' in out


def test_promptfoo_providers_map_onto_the_workloads_models(config: Path) -> None:
    from swapsafe.cli.golden_import_cmd import provider_lines

    lines = provider_lines(load_config(config), "support", ["openai:old", "anthropic:claude-x"])
    assert lines == [
        "provider openai:old = model old",
        "provider anthropic:claude-x is not called",
        "the cases run on old and new (temperature 0)",
    ]


def run_eval(config: Path) -> None:
    code, out = cli("eval", "run", "--workload", "support", "-c", str(config))
    assert code == 0, out


def test_export_jsonl_and_csv(config: Path, tmp_path: Path) -> None:
    run_eval(config)
    code, out = cli("eval", "export", "1", "-c", str(config))
    assert code == 0, out
    rows = [orjson.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(rows) == len(FLIP_CASES) * 2  # one row per case and model
    flip = next(r for r in rows if r["case_id"] == "f0" and r["model"] == "new")
    assert flip["input"] == [
        {"role": "system", "content": "You are a support agent."},
        {"role": "user", "content": "flip 0"},
    ]
    assert flip["passed"] is False and flip["errored"] is False
    assert flip["assertions"][0]["type"] == "contains" and flip["assertions"][0]["passed"] is False
    assert flip["cost_usd"] is not None and flip["input_tokens"] is not None
    assert flip["latency_ms"] is not None and "[new]" in flip["output"]
    target = tmp_path / "out.csv"
    code, out = cli("eval", "export", "1", "--format", "csv", "-o", str(target), "-c", str(config))
    assert code == 0 and target.exists(), out
    table = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(table) == 16 and "assert:1:contains" in table[0]
    old = next(r for r in table if r["case_id"] == "f0" and r["model"] == "old")
    assert old["passed"] == "true" and old["assert:1:contains"] == "pass"
    assert cli("eval", "export", "9", "-c", str(config)) == (
        2,
        "no eval run 9; see swapsafe eval list\n",
    )
    code, out = cli("eval", "export", "1", "--format", "xml", "-c", str(config))
    assert code == 2 and 'unknown format "xml"' in out


def test_export_download_from_the_web_ui(config: Path) -> None:
    run_eval(config)
    cfg = load_config(config)
    web = create_web_app(cfg, reviewer_tokens=[REVIEWER_TOKEN])
    with TestClient(web, follow_redirects=False) as c:
        assert c.get("/evals/1/export.csv").status_code in (302, 303, 401)  # login first
        web_login(c, REVIEWER_TOKEN, "rev")
        page = c.get("/evals/1")
        assert page.status_code == 200 and "Eval run #1: support" in page.text
        assert (
            'href="/evals/1/export.jsonl"' in page.text
            and 'href="/evals/1/export.csv"' in page.text
        )
        assert "<td>old</td><td>8</td><td>8</td><td>0</td>" in page.text  # old passes all 8
        assert c.get("/evals/7").status_code == 404
        got = c.get("/evals/1/export.jsonl")
        assert got.status_code == 200
        assert 'filename="eval-run-1.jsonl"' in got.headers["content-disposition"]
        assert len(got.text.splitlines()) == 16
        assert c.get("/evals/1/export.csv").text.startswith("run_id,workload,case_id,model,input")
        assert c.get("/evals/7/export.csv").status_code == 404
        assert c.get("/evals/1/export.xml").status_code == 404
