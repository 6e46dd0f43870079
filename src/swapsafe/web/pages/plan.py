"""Plan page: the 12-item checklist of a migration, ticked by evidence or by hand.

Ticks and unticks are CSRF-checked POSTs (admin only). ``static/plan.js`` sends them with
``fetch`` and ``?format=json`` and updates the item and the progress bars in place; without
JavaScript the same forms post normally and the page reloads. The export button downloads the
same markdown as ``swapsafe plan export``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from swapsafe.exceptions import ConfigError, SwapsafeError
from swapsafe.plan.export import STATE_TEXT, item_status_text, outlook_lines, render_markdown
from swapsafe.plan.items import item_by_ref
from swapsafe.plan.outlook import Outlook, outlook
from swapsafe.plan.service import PlanService
from swapsafe.plan.status import ItemState, PlanView
from swapsafe.store.records import Plan
from swapsafe.web.auth import Session, guard
from swapsafe.web.context import WebContext

_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NOTE = 2000


def item_json(s: ItemState) -> dict[str, Any]:
    return {
        "number": s.item.number,
        "key": s.item.key,
        "state": s.state,
        "state_label": STATE_TEXT[s.state],
        "status_text": item_status_text(s),
        "done": s.done,
        "done_by": s.done_by,
        "manual": s.has_manual_tick,
        "note": s.note,
        "evidence": s.evidence.summary,
        "evidence_status": s.evidence.status,
        "evidence_label": STATE_TEXT[s.evidence.status],
        "history": [
            {
                "action": e.action,
                "actor": e.actor,
                "ts": f"{e.ts:%Y-%m-%d %H:%M} UTC",
                "note": e.note,
            }
            for e in s.history
        ],
    }


def view_json(view: PlanView) -> dict[str, Any]:
    done, total = view.progress()
    return {
        "plan": view.plan.name,
        "progress": {
            "overall": {"done": done, "total": total, "percent": view.percent()},
            "phases": [
                {
                    "number": p.number,
                    "done": view.progress(p)[0],
                    "total": view.progress(p)[1],
                    "percent": view.percent(p),
                }
                for p in view.phases
            ],
        },
        "items": [item_json(s) for s in view.items],
    }


def _wants_json(request: Request) -> bool:
    return request.query_params.get("format") == "json"


class PlanPages:
    """The planner's pages: list, create, one migration, its state as JSON, tick/untick, export."""

    def __init__(self, web: WebContext) -> None:
        self.web = web
        self.service = PlanService(web.store, web.config)

    def routes(self) -> list[BaseRoute]:
        reviewer, admin = guard(), guard("admin")
        return [
            Route("/plan", reviewer(self.index), methods=["GET"]),
            Route("/plan", admin(self.create), methods=["POST"]),
            Route("/plan/{name}", reviewer(self.page), methods=["GET"]),
            Route("/plan/{name}/state", reviewer(self.state), methods=["GET"]),
            Route("/plan/{name}/export.md", reviewer(self.export), methods=["GET"]),
            Route("/plan/{name}/items/{item}/tick", admin(self.tick), methods=["POST"]),
            Route("/plan/{name}/items/{item}/untick", admin(self.untick), methods=["POST"]),
        ]

    def load(self, name: str) -> Plan:
        plan = self.web.store.get_plan(name)
        if plan is None:
            raise HTTPException(404, f"no migration named {name!r}")
        return plan

    def snapshot(self, name: str) -> tuple[PlanView, Outlook, list[Plan]]:
        plan = self.load(name)
        view = self.service.view(plan)
        look = outlook(
            self.web.store,
            self.web.config,
            from_model=plan.from_model,
            to_model=plan.to_model,
            now=view.now,
            workloads=plan.workloads,
        )
        return view, look, self.service.plans()

    async def index(self, request: Request, session: Session) -> Response:
        plans = await self.web.run(self.service.plans)
        if len(plans) == 1 and not request.query_params.get("error"):
            return RedirectResponse(f"/plan/{quote(plans[0].name, safe='')}", status_code=303)
        return self.web.render(
            request,
            "plan.html",
            {"view": None, "plans": plans, "error": request.query_params.get("error")},
        )

    async def page(self, request: Request, session: Session) -> Response:
        name = request.path_params["name"]
        view, look, plans = await self.web.run(self.snapshot, name)
        return self.web.render(
            request,
            "plan.html",
            {
                "view": view,
                "plans": plans,
                "outlook": [line.replace("**", "") for line in outlook_lines(look)],
                "error": request.query_params.get("error"),
                "unknown_workloads": self.service.unknown_workloads(view.plan),
                "status_text": item_status_text,
                "state_text": STATE_TEXT,
            },
        )

    async def state(self, request: Request, session: Session) -> Response:
        name = request.path_params["name"]

        def read() -> dict[str, Any]:
            return view_json(self.service.view(self.load(name)))

        return JSONResponse(await self.web.run(read))

    async def tick(self, request: Request, session: Session) -> Response:
        return await self._manual("tick", request, session)

    async def untick(self, request: Request, session: Session) -> Response:
        return await self._manual("untick", request, session)

    async def _manual(self, action: str, request: Request, session: Session) -> Response:
        name, ref = request.path_params["name"], request.path_params["item"]
        form = await request.form()
        note = str(form.get("note") or "")[:MAX_NOTE]
        actor = f"web:{session.name}"

        def write() -> dict[str, Any]:
            plan = self.load(name)
            change = self.service.tick if action == "tick" else self.service.untick
            change(plan, ref, note=note, actor=actor)
            return view_json(self.service.view(plan, record=False))

        page_url = f"/plan/{quote(name, safe='')}"
        try:
            data = await self.web.run(write)
        except ConfigError as exc:
            if _wants_json(request):
                return JSONResponse({"error": str(exc)}, status_code=400)
            return RedirectResponse(f"{page_url}?{urlencode({'error': str(exc)})}", status_code=303)
        if _wants_json(request):
            return JSONResponse(data)
        number = item_by_ref(ref).number
        return RedirectResponse(f"{page_url}#item-{number}", status_code=303)

    async def create(self, request: Request, session: Session) -> Response:
        form = await request.form()
        values = {
            k: str(form.get(k) or "")
            for k in ("name", "from_model", "to_model", "workloads", "start")
        }
        try:
            plan = await self.web.run(_create, self.service, values)
        except SwapsafeError as exc:
            return RedirectResponse(f"/plan?{urlencode({'error': str(exc)})}", status_code=303)
        return RedirectResponse(f"/plan/{quote(plan.name, safe='')}", status_code=303)

    async def export(self, request: Request, session: Session) -> Response:
        name = request.path_params["name"]
        view, look, _ = await self.web.run(self.snapshot, name)
        text = render_markdown(view, look)
        safe = _FILENAME_UNSAFE.sub("-", name).strip("-") or "plan"
        filename = f"plan-{safe}-{view.now:%Y%m%d-%H%M}.md"
        return Response(
            text,
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


def _create(service: PlanService, values: dict[str, str]) -> Plan:
    start = None
    if values["start"]:
        try:
            start = date.fromisoformat(values["start"])
        except ValueError:
            raise ConfigError("start must be a date YYYY-MM-DD") from None
    return service.create(
        values["name"],
        from_model=values["from_model"],
        to_model=values["to_model"],
        workloads=values["workloads"].split(","),
        start=start,
    )


def routes(web: WebContext) -> list[BaseRoute]:
    return PlanPages(web).routes()
