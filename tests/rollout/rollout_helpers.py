"""Shared pieces of the rollout tests: a config, a gate check to inject, synthetic traces."""

from __future__ import annotations

import itertools
import textwrap
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from swapsafe.config import Config, load_config
from swapsafe.gates.checks import GateReport
from swapsafe.gates.result import GateResult, Status
from swapsafe.rollout.operations import GateCheck
from swapsafe.store.protocol import Store
from swapsafe.store.records import TraceRecord

_ids = itertools.count()

CONFIG = """
[store]
url = "{store_url}"

[models.old]
provider = "openai-compatible"
model = "old-model"
base_url = "http://127.0.0.1:9/v1"

[models.new]
provider = "openai-compatible"
model = "new-model"
base_url = "http://127.0.0.1:9/v1"

[workloads.support]
baseline = "old"
candidate = "new"

[workloads.support.triggers]
error_rate_above = 0.05
p95_above = "2s"
online_score_drop = 0.2
min_samples = 20

[rollout]
interval = "{interval}"
{rollout_extra}
"""


def write_config(
    tmp_path: Path, store_url: str, *, interval: str = "5m", rollout_extra: str = ""
) -> Path:
    path = tmp_path / "swapsafe.toml"
    path.write_text(
        textwrap.dedent(
            CONFIG.format(store_url=store_url, interval=interval, rollout_extra=rollout_extra)
        )
    )
    return path


def make_config(tmp_path: Path, store_url: str, **kw: Any) -> Config:
    return load_config(write_config(tmp_path, store_url, **kw))


def gate_check(ok: bool = True, calls: list[tuple[Any, ...]] | None = None) -> GateCheck:
    """A gate check answering ``ok`` with a real :class:`GateReport`; each call is appended to
    ``calls``. The ``gates=`` seam of Rollouts, Controller, the rollout admin API and the web
    app takes it; the CLI takes it as ``obj=CliContext(gates=...)``."""

    def check(config: Config, store: Store, workload: str) -> GateReport:
        if calls is not None:
            calls.append((config, store, workload))
        status: Status = "pass" if ok else "fail"
        detail = "pass rate within 2 points" if ok else "pass rate 9 points below baseline"
        return GateReport(workload, [GateResult("golden_pass_rate", status, detail, {})])

    return check


def traces(
    store: Store,
    *,
    model: str,
    at: datetime,
    n: int,
    errors: int = 0,
    latency_ms: float = 300.0,
    workload: str = "support",
    spread: timedelta = timedelta(minutes=1),
    shadow_of: str | None = None,
    finish_reason: str = "stop",
) -> list[str]:
    """Insert ``n`` served traces of ``model`` starting at ``at`` (the first ``errors`` failed);
    with ``shadow_of`` each gets a shadow twin of that model. Returns the request ids."""
    rows: list[TraceRecord] = []
    ids = []
    for i in range(n):
        k = next(_ids)
        rid = f"chatcmpl-{k}"
        ids.append(rid)
        ts = at + spread * (i / max(n, 1))
        failed = i < errors
        rows.append(
            TraceRecord(
                request_id=rid,
                pair_id=f"pair-{k}",
                ts=ts,
                workload=workload,
                role="served",
                model=model,
                provider="openai-compatible",
                status="error" if failed else "ok",
                http_status=502 if failed else 200,
                latency_ms=latency_ms,
                cost_usd=0.001,
                finish_reason=None if failed else finish_reason,
            )
        )
        if shadow_of is not None:
            rows.append(
                TraceRecord(
                    request_id=f"shadow-{k}",
                    pair_id=f"pair-{k}",
                    ts=ts,
                    workload=workload,
                    role="shadow",
                    model=shadow_of,
                    provider="openai-compatible",
                    status="ok",
                    http_status=200,
                    latency_ms=latency_ms,
                    finish_reason="stop",
                )
            )
    store.insert_traces(rows)
    return ids


def healthy(store: Store, at: datetime, n: int = 40) -> None:
    """Enough good traffic on both cohorts for a passing analysis."""
    traces(store, model="new", at=at, n=n)
    traces(store, model="old", at=at, n=n)


def actions(store: Store, action: str, workload: str = "support") -> list[dict[str, Any]]:
    """``after`` of every audit entry with ``action``, oldest first."""
    return [
        e.after or {}
        for e in reversed(store.list_audit(workload=workload, limit=10_000))
        if e.action == action
    ]
