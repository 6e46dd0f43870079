"""Report page: the go/no-go report (``swapsafe report``) served by the web UI.

``/report`` is the HTML report (inline SVG charts, no script), ``/report.md`` the markdown
download; ``?workload=W`` narrows both to one workload. Read-only: admins and reviewers.
The report's own stylesheet is inline (the saved file stands alone), so this page's CSP
allows exactly that stylesheet by a per-response nonce. The evidence is computed off the
request path (:mod:`swapsafe.web.refresh`): up to 5 minutes old, with its time shown, and
computed once at start-up under ``swapsafe serve``.
`swapsafe report` always computes afresh.
"""

from __future__ import annotations

import secrets
import threading

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from swapsafe.report import ReportData, build_report
from swapsafe.report.html import render_html
from swapsafe.report.markdown import render_markdown
from swapsafe.web.auth import Session, guard
from swapsafe.web.context import WebContext, csp_with_style_nonce
from swapsafe.web.refresh import Computed, Refreshing

#: the report's evidence (baselines, gates, bootstrap intervals) is recomputed in the
#: background once this old; the page shows when it was generated
REPORT_SECONDS = 300.0


def routes(web: WebContext) -> list[BaseRoute]:
    cache: Refreshing[ReportData] = Refreshing(REPORT_SECONDS, what="report")

    def report_data(names: list[str] | None) -> Computed[ReportData]:
        key = ",".join(names) if names else "all workloads"
        return cache.get(key, lambda: build_report(web.config, web.store, names))

    def warm() -> list[threading.Thread]:
        thread = cache.warm("all workloads", lambda: build_report(web.config, web.store, None))
        return [thread] if thread else []

    web.warmups.append(warm)

    def workloads(request: Request) -> list[str] | None:
        wanted = request.query_params.get("workload")
        if wanted and wanted in web.config.workloads:
            return [wanted]
        return None

    @guard()
    async def html(request: Request, session: Session) -> Response:
        nonce = secrets.token_urlsafe(18)
        data = await web.run(report_data, workloads(request))
        body = render_html(data.value, style_nonce=nonce)
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
        body = render_markdown((await web.run(report_data, workloads(request))).value)
        return Response(
            body,
            media_type="text/markdown; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="swapsafe-report.md"'},
        )

    return [
        Route("/report", html, methods=["GET"]),
        Route("/report.md", markdown, methods=["GET"]),
    ]
