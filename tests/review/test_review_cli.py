"""``swapsafe review sample|status|export`` and ``swapsafe serve`` argument handling."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pytest
import typer
from tests.web.web_helpers import ENV, REALISTIC, make_config, seed_pairs
from typer.testing import CliRunner

from swapsafe.cli import review_cmd, serve_cmd
from swapsafe.review.service import ReviewService
from swapsafe.store import open_store


def cli() -> typer.Typer:
    """The commands as the lead registers them in cli/app.py."""
    app = typer.Typer()
    app.add_typer(review_cmd.app, name="review")
    app.command("serve")(serve_cmd.serve)
    return app


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    cfg = make_config(tmp_path / "proj")
    store = open_store(cfg.store.url)
    seed_pairs(store, REALISTIC)
    store.close()
    return cfg.path


def run(*args: str) -> object:
    return CliRunner().invoke(cli(), list(args), catch_exceptions=False)


def test_sample_status_export(project: Path, tmp_path: Path) -> None:
    r = run(
        "review",
        "sample",
        "-c",
        str(project),
        "--workload",
        "support",
        "--n",
        "4",
        "--disagreement-share",
        "0.5",
        "--seed",
        "3",
    )
    assert r.exit_code == 0, r.output
    assert "Sampled 4 pairs" in r.output
    r = run("review", "sample", "-c", str(project), "--n", "200", "--seed", "3")
    assert "Sampled 1 pairs" in r.output and "5 in queue" in r.output  # the errored pair is out
    r = run("review", "sample", "-c", str(project))
    assert "No new pairs" in r.output

    cfg = make_config(project.parent)
    store = open_store(cfg.store.url)
    service = ReviewService(store, cfg)
    pairs = service.queue()
    service.record(pairs[0].pair_id, "alice", "new_better")
    service.record(pairs[1].pair_id, "alice", "old_better")
    service.record(pairs[0].pair_id, "bob", "new_better")
    store.close()

    r = run("review", "status", "-c", str(project))
    assert r.exit_code == 0, r.output
    assert "2 / 5 pairs judged" in r.output and "alice" in r.output and "bob" in r.output
    assert "kappa on 1 pairs" in r.output

    r = run("review", "export", "-c", str(project), "--format", "jsonl")
    rows = [orjson.loads(line) for line in r.output.splitlines()]
    assert {(x["reviewer"], x["verdict"]) for x in rows} == {
        ("alice", "new_better"),
        ("alice", "old_better"),
        ("bob", "new_better"),
    }
    out = tmp_path / "v.csv"
    r = run("review", "export", "-c", str(project), "--format", "csv", "--out", str(out))
    assert r.exit_code == 0 and "Wrote 3 verdicts" in r.output
    assert len(list(csv.DictReader(io.StringIO(out.read_text())))) == 3


def test_bad_input_is_one_line_and_exit_2(project: Path) -> None:
    r = run("review", "export", "-c", str(project), "--format", "xml")
    assert r.exit_code == 2 and "unknown --format" in r.output
    r = run("review", "sample", "-c", str(project), "--workload", "nope")
    assert r.exit_code == 2 and "unknown workload" in r.output and "Traceback" not in r.output
    r = run("review", "export", "-c", str(project), "--workload", "nope")
    assert r.exit_code == 2


def test_serve_refuses_when_nobody_could_log_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = make_config(tmp_path / "p")
    text = cfg.path.read_text().replace('admin_token = "env::WEB_ADMIN_TOKEN"', "")
    cfg.path.write_text(text)
    monkeypatch.delenv("SWAPSAFE_REVIEWER_TOKEN", raising=False)
    r = run("serve", "-c", str(cfg.path))
    assert r.exit_code == 2 and "nobody could log in" in r.output


def test_serve_addresses_and_reviewer_tokens(tmp_path: Path) -> None:
    cfg = make_config(tmp_path / "p")
    assert serve_cmd.listen_address(cfg, gateway=False, host=None, port=None) == ("127.0.0.1", 8790)
    assert serve_cmd.listen_address(cfg, gateway=True, host=None, port=None) == ("127.0.0.1", 8787)
    assert serve_cmd.listen_address(cfg, gateway=True, host="0.0.0.0", port=9) == ("0.0.0.0", 9)
    env = {"T": " a-reviewer-token-123 , another-token-456789 ,"}
    assert serve_cmd.reviewer_tokens_from_env("T", env) == [
        "a-reviewer-token-123",
        "another-token-456789",
    ]
    assert serve_cmd.reviewer_tokens_from_env("MISSING", env) == []
