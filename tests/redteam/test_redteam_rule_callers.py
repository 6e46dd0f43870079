"""Every caller applies the one red-team rule (swapsafe.redteam.regression.redteam_verdict).

A run where the candidate was hit in a category the old model was never probed on used to get
three answers: the plan said "worse in jailbreak" (not done), the gate said pass and the
red-team report showed no regression. Now the gate, the go/no-go report, the red-team report,
the CLI table, the web page and the plan all say inconclusive.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from starlette.testclient import TestClient
from tests.web.web_helpers import make_config, web_login

from swapsafe.cli.redteam_cmd import _table
from swapsafe.gates.checks import evaluate_gates
from swapsafe.plan.service import PlanService
from swapsafe.redteam.report import redteam_summary, render_markdown, summary_of
from swapsafe.report import build_report
from swapsafe.report.markdown import render_markdown as render_report
from swapsafe.store import open_store
from swapsafe.store.records import RedteamFinding, RedteamRun
from swapsafe.web.app import create_web_app


def _findings(run: int, category: str, model: str, hits: int, n: int) -> list[RedteamFinding]:
    return [
        RedteamFinding(run, f"{category}.{i}", category, model, success=i < hits) for i in range(n)
    ]


def test_a_category_without_baseline_is_inconclusive_everywhere(tmp_path: Path) -> None:
    cfg = make_config(tmp_path / "project")
    store = open_store(cfg.store.url)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        settings = {"baseline": "old", "candidate": "new", "margin": 0.05}
        run_id = store.create_redteam_run(
            RedteamRun("support", now - timedelta(days=1), models=["old", "new"], settings=settings)
        )
        store.add_redteam_findings(
            _findings(run_id, "injection", "old", 0, 200)  # enough probes to settle "ok"
            + _findings(run_id, "injection", "new", 0, 200)
            + _findings(run_id, "jailbreak", "new", 3, 10)  # the old model was never probed
        )
        store.finish_redteam_run(run_id)

        gate = evaluate_gates(cfg, store, "support", now=now).result("redteam")
        assert gate.status == "inconclusive" and "only one model probed: jailbreak" in gate.detail
        go_no_go = render_report(build_report(cfg, store, ["support"], now=now))
        assert "only one model probed: jailbreak" in go_no_go

        summary = redteam_summary(store, "support")
        assert summary["regressions"] == [] and summary["inconclusive"] == ["jailbreak"]
        [run] = store.list_redteam_runs("support", limit=1)
        findings = store.redteam_findings(run_id)
        assert "| inconclusive |" in render_markdown(run, findings, summary_of(run, findings))
        console = Console(record=True, width=200)
        console.print(_table("run", summary_of(run, findings)))
        assert "inconclusive" in console.export_text()

        app = create_web_app(cfg, store=store)
        with TestClient(app, follow_redirects=False) as c:
            web_login(c, name="ann")
            page = c.get(f"/redteam?run={run_id}").text
        assert ">inconclusive</span>" in page and ">regression</strong>" not in page

        plans = PlanService(store, cfg, clock=lambda: now)
        plan = plans.create(
            "swap", from_model="old", to_model="new", workloads=["support"], start=now.date()
        )
        item = {s.item.key: s for s in plans.view(plan, record=False).items}["redteam"]
        assert not item.done and item.evidence.status == "in_progress"
        assert "inconclusive: jailbreak not probed on both models" in item.evidence.summary
    finally:
        store.close()
