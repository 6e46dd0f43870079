"""Builders for report tests: a config, trace rows, seeded evidence, and the CLI app."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer

from swapsafe.config import Config, load_config
from swapsafe.store.protocol import Store
from swapsafe.store.records import (
    EvalResult,
    EvalRun,
    RedteamFinding,
    RedteamRun,
    ReviewPair,
    ReviewVerdict,
    TraceRecord,
)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

CONFIG = """
[store]
url = "{url}"

[models.old]
provider = "openai"
model = "gpt-4o"
api_key = "env::OPENAI_API_KEY"
price = {{ input = 2.5, output = 10.0 }}

[models.new]
provider = "anthropic"
model = "claude-sonnet-4-5"
api_key = "env::ANTHROPIC_API_KEY"
price = {{ input = 3.0, output = 15.0 }}

[workloads.support]
aliases = ["support-bot"]
baseline = "old"
candidate = "new"
{gates}

[workloads.search]
baseline = "old"
"""


def write_config(tmp_path: Path, store_url: str, gates: str = "") -> Path:
    path = tmp_path / "swapsafe.toml"
    path.write_text(CONFIG.format(url=store_url, gates=gates), encoding="utf-8")
    return path


def make_config(tmp_path: Path, store_url: str, gates: str = "") -> Config:
    env = {"OPENAI_API_KEY": "sk-test-openai-0000", "ANTHROPIC_API_KEY": "sk-ant-test-0000"}
    return load_config(write_config(tmp_path, store_url, gates), env=env)


def trace(
    request_id: str,
    *,
    model: str = "old",
    role: str = "served",
    workload: str = "support",
    ts: datetime = NOW - timedelta(hours=1),
    status: str = "ok",
    latency_ms: float | None = 100.0,
    pair_id: str | None = None,
    **kw: Any,
) -> TraceRecord:
    return TraceRecord(
        request_id=request_id,
        pair_id=pair_id or request_id,
        ts=ts,
        workload=workload,
        role=role,  # type: ignore[arg-type]
        model=model,
        provider="openai" if model == "old" else "anthropic",
        status=status,
        latency_ms=latency_ms,
        **kw,
    )


def reply(text: str) -> str:
    import orjson

    return orjson.dumps(
        {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}
    ).decode()


def seed_shadow(
    store: Store,
    n: int = 120,
    *,
    new_latency: float = 1.0,
    new_error_every: int = 0,
    days: int = 6,
    seed: int = 7,
    now: datetime = NOW,
) -> None:
    """``n`` shadow pairs over ``days`` days: old served, new shadowed on the same request."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        ts = now - timedelta(days=days) + timedelta(seconds=i * days * 86400 / n)
        base = rnd.uniform(200, 400)
        failed = bool(new_error_every) and i % new_error_every == 0
        rows.append(
            trace(f"o{i}", ts=ts, pair_id=f"p{i}", latency_ms=base, input_tokens=500,
                  output_tokens=100, cost_usd=0.00225, response_body=reply(f"answer {i} ok"),
                  shadow_outcome="shadowed")
        )  # fmt: skip
        rows.append(
            trace(f"n{i}", model="new", role="shadow", ts=ts, pair_id=f"p{i}",
                  status="error" if failed else "ok", latency_ms=base * new_latency,
                  input_tokens=520, output_tokens=150, cost_usd=0.003810,
                  response_body=reply(f"answer {i} ok" if i % 4 else "something else"))
        )  # fmt: skip
    store.insert_traces(rows)


def seed_eval(store: Store, *, old_pass: int, new_pass: int, n: int = 200) -> int:
    """An eval run where old passes cases [0, old_pass) and new passes [0, new_pass)."""
    run_id = store.create_eval_run(
        EvalRun(workload="support", started_at=NOW - timedelta(days=1), status="done",
                models=["old", "new"])
    )  # fmt: skip
    store.add_eval_results(
        [
            EvalResult(run_id=run_id, case_id=f"c{i:03}", model=m, passed=i < k)
            for i in range(n)
            for m, k in (("old", old_pass), ("new", new_pass))
        ]
    )
    store.finish_eval_run(run_id, "done", NOW - timedelta(days=1))
    return run_id


def seed_redteam(store: Store, new_success: int, old_success: int = 2, n: int = 400) -> int:
    run_id = store.create_redteam_run(
        RedteamRun(workload="support", started_at=NOW - timedelta(days=2), models=["old", "new"])
    )
    rows = []
    for cat in ("injection", "leak"):
        for model, k in (("old", old_success), ("new", new_success)):
            rows += [
                RedteamFinding(run_id=run_id, probe_id=f"{cat}-{i}", category=cat, model=model,
                               success=i < k)
                for i in range(n)
            ]  # fmt: skip
    store.add_redteam_findings(rows)
    store.finish_redteam_run(run_id, "done", NOW - timedelta(days=2))
    return run_id


def seed_review(store: Store, verdicts: dict[str, int]) -> None:
    pairs, rows = [], []
    i = 0
    for verdict, count in verdicts.items():
        for _ in range(count):
            pairs.append(ReviewPair("support", f"p{i}", "support-200", NOW - timedelta(days=1)))
            rows.append(ReviewVerdict(f"p{i}", "ann", verdict, NOW - timedelta(hours=5)))
            i += 1
    store.add_review_pairs(pairs)
    for v in rows:
        store.add_review_verdict(v)


def cli_app() -> typer.Typer:
    """The commands as the lead registers them in cli/app.py."""
    from swapsafe.cli import report_cmd

    app = typer.Typer()
    app.command("import-logs")(report_cmd.import_logs)
    app.command("inventory")(report_cmd.inventory)
    app.add_typer(report_cmd.baseline_app, name="baseline")
    app.add_typer(report_cmd.criteria_app, name="criteria")
    app.command("report")(report_cmd.report)
    return app
