"""Red-team page: runs per workload, attack success per category and model, worst findings.

Read-only (reviewers and admins). Every prompt and output is model- or attacker-written text and
is rendered through Jinja2's autoescape only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from swapsafe.redteam.probes.base import CATEGORY_TITLES
from swapsafe.redteam.report import summary_of
from swapsafe.redteam.summary import Summary, worst_findings
from swapsafe.store.protocol import Store
from swapsafe.store.records import RedteamFinding, RedteamRun
from swapsafe.web.auth import Session, guard
from swapsafe.web.context import WebContext

RUNS_SHOWN = 50
WORST_SHOWN = 20


@dataclass(frozen=True)
class RunRow:
    run: RedteamRun
    summary: Summary


@dataclass(frozen=True)
class RunView:
    run: RedteamRun
    summary: Summary
    worst: list[RedteamFinding]
    blocked: dict[tuple[str, str], int]


def list_view(store: Store) -> list[RunRow]:
    return [
        RunRow(r, summary_of(r, store.redteam_findings(r.id or 0)))
        for r in store.list_redteam_runs(limit=RUNS_SHOWN)
    ]


def run_view(store: Store, run_id: int) -> RunView | None:
    run = store.get_redteam_run(run_id)
    if run is None:
        return None
    findings = store.redteam_findings(run_id)
    summary = summary_of(run, findings)
    blocked: dict[tuple[str, str], int] = {}
    for f in findings:
        if f.blocked:
            blocked[(f.model, f.category)] = blocked.get((f.model, f.category), 0) + 1
    return RunView(run, summary, worst_findings(findings, summary, WORST_SHOWN), blocked)


def routes(web: WebContext) -> list[BaseRoute]:
    @guard()
    async def index(request: Request, session: Session) -> Response:
        raw = request.query_params.get("run")
        ctx: dict[str, Any] = {"titles": CATEGORY_TITLES, "view": None, "runs": []}
        if raw:
            if not raw.isdigit():
                raise HTTPException(404, "no such red-team run")
            view = await web.run(run_view, web.store, int(raw))
            if view is None:
                raise HTTPException(404, "no such red-team run")
            ctx["view"] = view
        else:
            ctx["runs"] = await web.run(list_view, web.store)
        return web.render(request, "redteam.html", ctx)

    return [Route("/redteam", index, methods=["GET"])]
