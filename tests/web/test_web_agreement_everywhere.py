"""One shadow agreement: the overview, the go/no-go report and ``swapsafe rollout status`` (and
the rollout page, which shows the same analysis) give the same number for the same pairs.

They used to disagree: the report counted word-set overlap (Jaccard), the rollout counted
"both ok with the same finish reason" (100 % for answers with nothing in common) and the
overview the review comparison. No browser needed: the overview is read over HTTP.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from starlette.testclient import TestClient
from tests.web.web_helpers import make_config, web_login

from swapsafe.cli.rollout_cmd import _metrics_rows
from swapsafe.report import build_report
from swapsafe.report.markdown import render_markdown
from swapsafe.rollout.operations import Rollouts
from swapsafe.store import open_store
from swapsafe.store.records import TraceRecord
from swapsafe.testing.clock import FakeClock
from swapsafe.web.app import create_web_app

SAME = "Your refund of 20 euros was sent today and should arrive within three working days."
OTHER = "Please contact the billing team by email; they handle every question about invoices."


def _body(text: str) -> str:
    message = {"role": "assistant", "content": text}
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    return orjson.dumps({"choices": [choice]}).decode()


def _pair(i: int, ts: datetime, served: str, shadow: str, new_text: str) -> list[TraceRecord]:
    texts = {"old": SAME, "new": new_text}
    return [
        TraceRecord(
            request_id=f"{role}-{i}",
            pair_id=f"p{i}",
            ts=ts + timedelta(seconds=k),
            workload="support",
            role=role,
            model=model,
            provider="scripted",
            status="ok",
            latency_ms=100.0,
            request_body='{"messages": []}',
            response_body=_body(texts[model]),
            finish_reason="stop",
        )  # fmt: skip
        for k, (role, model) in enumerate((("served", served), ("shadow", shadow)))
    ]


def test_overview_report_and_rollout_status_show_the_same_agreement(tmp_path: Path) -> None:
    cfg = make_config(tmp_path / "project")
    store = open_store(cfg.store.url)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(hours=6)
    clock = FakeClock(start)
    try:
        ro = Rollouts(cfg, store, clock=clock)
        ro.start("support", actor="cli:test", force=True, reason="agreement test")
        rows: list[TraceRecord] = []
        for i in range(8):  # 3 of 8 agree; both calls of every pair ok with finish "stop"
            ts = start + timedelta(minutes=20 * (i + 1))
            served, shadow = ("new", "old") if i % 2 else ("old", "new")
            rows += _pair(i, ts, served, shadow, SAME if i < 3 else OTHER)
        store.insert_traces(rows)
        clock.advance(now - start)

        hold, _ = ro.analyse(ro.get("support"), now)
        numbers = hold.numbers()
        canary, baseline = numbers["canary"], numbers["baseline"]
        assert canary["pairs"] + baseline["pairs"] == 8
        rollout_share = (
            canary["agreement"] * canary["pairs"] + baseline["agreement"] * baseline["pairs"]
        ) / 8
        assert rollout_share == 3 / 8
        status_rows = {label: (c, b) for label, c, b in _metrics_rows(numbers)}
        assert status_rows["shadow agreement"] == (
            f"{canary['agreement']:.1%}",
            f"{baseline['agreement']:.1%}",
        )
        assert status_rows["shadow agreement"] != ("100.0%", "100.0%")

        report = build_report(cfg, store, ["support"], now=now + timedelta(minutes=1))
        [wl] = report.workloads
        assert sum(a for _, a, _ in wl.agreement) == 3
        assert sum(n for _, _, n in wl.agreement) == 8
        assert "3/8 shadow pairs agree (37.5%)" in render_markdown(report)

        app = create_web_app(cfg, store=store)
        with TestClient(app, follow_redirects=False) as c:
            web_login(c, name="ann")
            page = c.get("/").text
        card = page[page.index('id="workload-support"') :]
        shown = re.search(r"<strong>(\d+) %</strong> agree", card)
        assert shown is not None and shown.group(1) == "38"  # 37.5 % rounded, as on the report
    finally:
        store.close()
