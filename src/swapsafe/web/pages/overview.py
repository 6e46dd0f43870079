"""Overview page: workloads, routing state, shadow agreement trend, one-click rollback."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from swapsafe.exceptions import SwapsafeError
from swapsafe.review.agreement import KINDS, DailyAgreement
from swapsafe.review.service import ReviewService
from swapsafe.store.records import RoutingState, TraceQuery
from swapsafe.web.app import WebContext
from swapsafe.web.auth import Session, guard
from swapsafe.web.charts import Trend, trend

TREND_DAYS = 14
CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class WorkloadRow:
    name: str
    baseline: str
    candidate: str | None
    state: RoutingState
    served_24h: int
    shadow_24h: int
    pairs: int
    daily: list[DailyAgreement]
    chart: Trend | None
    agree_rate: float | None
    both_ok_rate: float | None
    kinds: dict[str, int]


def _summary(daily: list[DailyAgreement]) -> tuple[float | None, float | None, dict[str, int]]:
    pairs = sum(d.pairs for d in daily)
    if not pairs:
        return None, None, {}
    kinds = {k: sum(d.by_kind.get(k, 0) for d in daily) for k in KINDS}
    return (
        sum(d.agree for d in daily) / pairs,
        sum(d.both_ok for d in daily) / pairs,
        {k: v for k, v in kinds.items() if v},
    )


def routes(web: WebContext) -> list[BaseRoute]:
    cache: dict[str, tuple[float, Any]] = {}
    service = ReviewService(web.store, web.config)

    def workload_rows() -> list[WorkloadRow]:
        states = web.routing.states()
        since = datetime.now(UTC) - timedelta(hours=24)
        rows = []
        for name, wl in sorted(web.config.workloads.items()):
            hit = cache.get(name)
            if hit is not None and hit[0] > time.monotonic():
                daily, pairs = hit[1]
            else:
                daily, pairs = service.agreement_trend(name, days=TREND_DAYS)
                cache[name] = (time.monotonic() + CACHE_SECONDS, (daily, pairs))
            agree, both_ok, kinds = _summary(daily)
            chart = (
                trend([d.day.isoformat() for d in daily], [d.agree_rate for d in daily])
                if daily
                else None
            )
            rows.append(
                WorkloadRow(
                    name=name,
                    baseline=wl.baseline,
                    candidate=wl.candidate,
                    state=states.get(name) or RoutingState(workload=name),
                    served_24h=web.store.count_traces(
                        TraceQuery(workload=name, role="served", since=since)
                    ),
                    shadow_24h=web.store.count_traces(
                        TraceQuery(workload=name, role="shadow", since=since)
                    ),
                    pairs=pairs,
                    daily=daily,
                    chart=chart,
                    agree_rate=agree,
                    both_ok_rate=both_ok,
                    kinds=kinds,
                )
            )
        return rows

    @guard()
    async def overview(request: Request, session: Session) -> Response:
        rows = await web.run(workload_rows)
        done = request.query_params.get("rolled_back")
        return web.render(
            request,
            "overview.html",
            {"rows": rows, "rolled_back": done if done in web.config.workloads else None},
        )

    @guard("admin")
    async def rollback(request: Request, session: Session) -> Response:
        name = request.path_params["workload"]
        if name not in web.config.workloads:
            raise HTTPException(404, f"unknown workload {name!r}")
        form = await request.form()
        reason = str(form.get("reason") or "").strip() or "rollback from the web UI"
        try:
            await web.run(
                web.routing.rollback, name, actor=f"web:{session.name}", reason=reason[:500]
            )
        except SwapsafeError as exc:
            raise HTTPException(409, str(exc)) from None
        cache.pop(name, None)
        return RedirectResponse(f"/?rolled_back={name}", status_code=303)

    return [
        Route("/", overview, methods=["GET"]),
        Route("/workloads/{workload}/rollback", rollback, methods=["POST"]),
    ]
