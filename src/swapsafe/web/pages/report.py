"""Report page: the go/no-go report (``swapsafe report``) served by the web UI.

``/report`` is the HTML report (inline SVG charts, no script), ``/report.md`` the markdown
download; ``?workload=W`` narrows both to one workload. Read-only: admins and reviewers.
The report's own stylesheet is inline (the saved file stands alone), so this page's CSP
allows exactly that stylesheet by a per-response nonce.
"""

from __future__ import annotations

import secrets
from functools import partial

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from swapsafe.report import render_report
from swapsafe.web.app import WebContext, csp_with_style_nonce
from swapsafe.web.auth import Session, guard


def routes(web: WebContext) -> list[BaseRoute]:
    def workloads(request: Request) -> list[str] | None:
        wanted = request.query_params.get("workload")
        if wanted and wanted in web.config.workloads:
            return [wanted]
        return None

    @guard()
    async def html(request: Request, session: Session) -> Response:
        nonce = secrets.token_urlsafe(18)
        body = await web.run(
            partial(render_report, style_nonce=nonce),
            web.config,
            web.store,
            workloads(request),
            "html",
        )
        # The report is a standalone document (also written by `swapsafe report`); give it a
        # way back into the UI and to the markdown version.
        bar = (
            '<nav class="swapsafe-back"><a href="/">&larr; swapsafe</a> &middot; '
            '<a href="/report.md">download markdown</a></nav>'
        )
        head, sep, rest = body.partition("<body>")
        headers = {"content-security-policy": csp_with_style_nonce(nonce)}
        return HTMLResponse(head + sep + bar + rest if sep else bar + body, headers=headers)

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
