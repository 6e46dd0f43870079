"""The demo's last phases: the go/no-go report, the plan export, and (``--serve``) the web UI."""

from __future__ import annotations

import os
import secrets

from swapsafe.config import Secret
from swapsafe.demo.context import DemoContext
from swapsafe.demo.gateway_thread import AppThread
from swapsafe.demo.verdict_rule import REVIEWER
from swapsafe.demo.workspace import NEW_ALIAS, OLD_ALIAS
from swapsafe.plan import PlanService
from swapsafe.plan import render_markdown as render_plan_markdown
from swapsafe.plan.outlook import outlook
from swapsafe.report import build_report
from swapsafe.report.markdown import render_markdown as render_report_markdown
from swapsafe.web.app import create_web_app

PLAN_NAME = "demo-smollm2-to-gemma3"
BANNER = (
    "> Produced by `swapsafe demo`: SmolLM2-135M-Instruct (old) and Gemma 3 270M (new) served "
    "locally by llama.cpp. The canary ran under a compressed clock (holds skipped, real "
    f'requests and real analysis). Review verdicts come from the rule "{REVIEWER}", not from '
    "people: they only show the mechanics. Every number below is what the models really did.\n"
)
PLAN_BANNER = (
    "> Produced by `swapsafe demo` in minutes, not weeks: the canary and promotion holds ran "
    "under a compressed clock, and the review verdicts counted below come from the rule "
    f'"{REVIEWER}", not from people. A real migration ticks these items over four weeks.\n\n'
)
_HUMAN_HEADING = "### Human review"
_DEMO_HEADING = f"### Review verdicts (from the rule {REVIEWER!r}, not human review)"


def label_demo_review(markdown: str) -> str:
    """Put the demo banner on top and name the review section for what it is."""
    return BANNER + "\n" + markdown.replace(_HUMAN_HEADING, _DEMO_HEADING)


def report(ctx: DemoContext) -> None:
    ui, config, store, ws = ctx.ui, ctx.get("config"), ctx.get("store"), ctx.get("workspace")
    data = build_report(config, store)
    ws.report.write_text(label_demo_review(render_report_markdown(data)), encoding="utf-8")
    for w in data.workloads:
        failing = [g for g in w.gates.results if g.status not in ("pass", "ok")]
        why = "; ".join(f"{g.name}: {g.status}" for g in failing[:3])
        ui.step(f"{w.name}: {w.decision}" + (f" ({why})" if why else ""))
    ctx.values["verdict"] = str(data.decision)
    ctx.values["report_data"] = data
    ui.step(f"overall: {data.decision}  → {ws.report}")


def plan(ctx: DemoContext) -> None:
    ui, config, store, ws = ctx.ui, ctx.get("config"), ctx.get("store"), ctx.get("workspace")
    service = PlanService(store, config)
    migration = store.get_plan(PLAN_NAME) or service.create(
        PLAN_NAME, from_model=OLD_ALIAS, to_model=NEW_ALIAS, workloads=list(config.workloads)
    )
    view = service.view(migration)
    look = outlook(
        store,
        config,
        from_model=migration.from_model,
        to_model=migration.to_model,
        now=service.clock(),
        workloads=migration.workloads,
    )
    ws.plan.write_text(PLAN_BANNER + render_plan_markdown(view, look), encoding="utf-8")
    done, total = view.progress()
    ui.step(f"plan {PLAN_NAME}: {done}/{total} items done from evidence → {ws.plan}")
    for item in view.items:
        if not item.done:
            ui.info(
                f"#{item.item.number} {item.item.title}: {item.state}: {item.evidence.summary[:90]}"
            )


def serve(ctx: DemoContext) -> None:
    ui, config, ws = ctx.ui, ctx.get("config"), ctx.get("workspace")
    token = secrets.token_urlsafe(24)
    token_file = ws.root / ".admin-token"
    token_file.write_text(token + "\n", encoding="utf-8")
    os.chmod(token_file, 0o600)
    gateway = config.gateway.model_copy(update={"admin_token": Secret("demo", token)})
    app = create_web_app(config.model_copy(update={"gateway": gateway}))
    web = AppThread(app)
    ctx.values["web"] = web
    web.start()
    ui.step(f"web UI: {web.url}/  (log in with the admin token in {token_file})")
    ui.info("the llama.cpp servers keep running while you look around; Ctrl-C stops everything")
    try:
        while True:
            ctx.options.idle()
    except KeyboardInterrupt:
        ui.info("stopping")
