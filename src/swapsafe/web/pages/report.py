"""Report page: the go/no-go report (``swapsafe report``) served by the web UI.

``/report`` is the HTML report (inline SVG charts, no script), ``/report.md`` the markdown
download; ``?workload=W`` narrows both to one workload. Read-only: admins and reviewers.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from swapsafe.report import render_report
from swapsafe.web.app import WebContext
from swapsafe.web.auth import Session, guard


def routes(web: WebContext) -> list[BaseRoute]:
    def workloads(request: Request) -> list[str] | None:
        wanted = request.query_params.get("workload")
        if wanted and wanted in web.config.workloads:
            return [wanted]
        return None

    @guard()
    async def html(request: Request, session: Session) -> Response:
        body = await web.run(render_report, web.config, web.store, workloads(request), "html")
        # The report is a standalone document (also written by `swapsafe report`); give it a
        # way back into the UI and to the markdown version.
        bar = (
            '<nav class="swapsafe-back"><a href="/">&larr; swapsafe</a> &middot; '
            '<a href="/report.md">download markdown</a></nav>'
        )
        head, sep, rest = body.partition("<body>")
        return HTMLResponse(head + sep + bar + rest if sep else bar + body)

    @guard()
    async def markdown(request: Request, session: Session) -> Response:
        body = await web.run(render_report, web.config, web.store, workloads(request), "md")
        return Response(
            body,
            media_type="text/markdown; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="swapsafe-report.md"'},
        )

    return [
        Route("/report", html, methods=["GET"]),
        Route("/report.md", markdown, methods=["GET"]),
    ]
