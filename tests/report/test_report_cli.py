"""The CLI: import-logs, inventory, baseline [show], criteria export, report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.report.report_helpers import cli_app, seed_eval, seed_shadow, write_config
from typer.testing import CliRunner

from swapsafe.store import TraceQuery, open_store

DATA = Path(__file__).parent / "data"
ENV = {
    "OPENAI_API_KEY": "sk-test-openai-0000",
    "ANTHROPIC_API_KEY": "sk-ant-test-0000",
    "COLUMNS": "200",
}


@pytest.fixture
def cfg(tmp_path: Path, store_url: str) -> Path:
    return write_config(tmp_path, store_url)


def run(*args: str | Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli_app(), [str(a) for a in args], env=ENV)


def test_import_logs_summary_and_reimport(cfg: Path, store_url: str) -> None:
    first = run("import-logs", DATA / "calls.jsonl", "--format", "openai-jsonl",
                "--workload-from", "metadata.feature", "-c", cfg)  # fmt: skip
    assert first.exit_code == 0, first.output
    assert "read 5 calls (openai-jsonl): 5 new" in first.output
    assert "skipped 4 lines that are not calls" in first.output
    assert "line 5: invalid JSON" in first.output
    assert "1 calls have no workload" in first.output
    again = run("import-logs", DATA / "calls.jsonl", "--format", "openai-jsonl", "-c", cfg)
    assert again.exit_code == 0 and "0 new; 5 already stored" in again.output
    store = open_store(store_url)
    try:
        assert store.count_traces(TraceQuery()) == 5
    finally:
        store.close()


def test_import_logs_bad_input_is_one_line(cfg: Path, tmp_path: Path) -> None:
    bad = run("import-logs", DATA / "calls.jsonl", "--format", "xml", "-c", cfg)
    assert bad.exit_code == 2 and "unknown 'xml'" in bad.output and "Traceback" not in bad.output
    missing = run("import-logs", tmp_path / "nope.csv", "--format", "csv", "-c", cfg)
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_inventory_formats(cfg: Path) -> None:
    run("import-logs", DATA / "usage.csv", "--format", "csv", "--workload-from", "team", "-c", cfg)
    table = run("inventory", "--model", "gpt-4o", "-c", cfg)
    assert table.exit_code == 0, table.output
    assert "served traffic" in table.output and "← old" in table.output
    assert "2 workloads still on old: search, support" in table.output
    data = json.loads(run("inventory", "--format", "json", "-c", cfg).output)
    assert {r["workload"] for r in data["served"]} == {"support", "search"}
    assert data["shadow"] == []
    csv_text = run("inventory", "--format", "csv", "--since", "3650d", "-c", cfg).output
    assert csv_text.startswith("workload,model,role,")
    assert run("inventory", "--since", "soon", "-c", cfg).exit_code == 2


def test_baseline_and_show(cfg: Path, store_url: str) -> None:
    store = open_store(store_url)
    try:
        seed_shadow(store, 40, days=1, now=datetime.now(UTC))  # the CLI reads the real clock
        seed_eval(store, old_pass=9, new_pass=8, n=10)
    finally:
        store.close()
    first = run("baseline", "--workload", "support", "--since", "2d", "-c", cfg)
    assert first.exit_code == 0, first.output
    assert "support" in first.output and "90.0%" in first.output
    run("baseline", "--workload", "support", "-c", cfg)
    show = run("baseline", "show", "-c", cfg)
    assert show.exit_code == 0, show.output
    assert "support / old" in show.output and "golden pass rate" in show.output
    assert run("baseline", "--workload", "nope", "-c", cfg).exit_code == 2


def test_criteria_export_writes_and_audits(cfg: Path, tmp_path: Path, store_url: str) -> None:
    out = tmp_path / "criteria.md"
    result = run("criteria", "export", "--out", out, "-c", cfg)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "## Workload support" in text and "## Workload search" in text
    assert "non-inferior to baseline within 2 points" in text
    assert "candidate error rate above 5%" in text
    assert "| Engineering owner | | | |" in text
    assert "sk-test" not in text
    store = open_store(store_url)
    try:
        entry = store.list_audit(limit=5)[0]
    finally:
        store.close()
    assert entry.action == "criteria.export"
    assert entry.after is not None and entry.after["out"] == str(out)
    assert len(str(entry.after["sha256"])) == 64
    stdout = run("criteria", "export", "-c", cfg)
    assert stdout.output.startswith("# Go/no-go criteria")


def test_report_command(cfg: Path, tmp_path: Path) -> None:
    md = run("report", "--workload", "support", "-c", cfg)
    assert md.exit_code == 0, md.output
    assert "# swapsafe go/no-go report" in md.output and "## support: NOT YET" in md.output
    out = tmp_path / "r.html"
    html = run("report", "--format", "html", "--out", out, "-c", cfg)
    assert html.exit_code == 0 and out.read_text().startswith("<!doctype html>")
    bad = run("report", "--workload", "nope", "-c", cfg)
    assert bad.exit_code == 2 and "unknown workload 'nope'" in bad.output
    assert run("report", "--format", "pdf", "-c", cfg).exit_code == 2
