"""Overview page: the migration at a glance. Per migration the phase and plan progress; per
workload the decision (GO / NO-GO / NOT YET) with the gates that block it, the rollout step
and hold left, the controller's heartbeat, the one next action, routing, traffic, the shadow
agreement per day (chart with its interval) and one-click rollback."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from swapsafe.exceptions import SwapsafeError
from swapsafe.gates.checks import GateReport
from swapsafe.report.timecharts import agreement_chart
from swapsafe.review.agreement import KINDS, DailyAgreement
from swapsafe.review.service import ReviewService
from swapsafe.rollout.heartbeat import controller_seen
from swapsafe.rollout.operations import Rollouts
from swapsafe.rollout.words import routing_words
from swapsafe.routing.service import describe
from swapsafe.store.records import RoutingState, TraceQuery
from swapsafe.web.auth import Session, guard
from swapsafe.web.context import WebContext
from swapsafe.web.glance import WorkloadGlance, migrations, workload_glance
from swapsafe.web.refresh import Computed, Refreshing

TREND_DAYS = 14
CACHE_SECONDS = 30.0
#: gate reports (seconds to compute on a large store) are recomputed in the background
GATES_SECONDS = 300.0


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
    chart: Markup | None
    glance: WorkloadGlance
    routing_words: str
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


class Rows:
    """The overview's rows: agreement cached for CACHE_SECONDS, gate reports recomputed in
    the background (:mod:`swapsafe.web.refresh`), everything else read on each load."""

    def __init__(self, web: WebContext, ro: Rollouts) -> None:
        self.web, self.ro = web, ro
        self.service = ReviewService(web.store, web.config)
        self.cache: dict[str, tuple[float, tuple[list[DailyAgreement], int]]] = {}
        self.gates: Refreshing[GateReport] = Refreshing(GATES_SECONDS, what="gate report")

    def gate_report(self, name: str) -> Computed[GateReport]:
        return self.gates.get(name, partial(self._gates, name))

    def warm(self) -> list[threading.Thread]:
        """Start computing every workload's gate report (``swapsafe serve`` at start-up)."""
        started = (self.gates.warm(n, partial(self._gates, n)) for n in self.web.config.workloads)
        return [thread for thread in started if thread is not None]

    def _gates(self, name: str) -> GateReport:
        return self.web.gates(self.web.config, self.web.store, name)

    def agreement(self, name: str) -> tuple[list[DailyAgreement], int]:
        hit = self.cache.get(name)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        found = self.service.agreement_trend(name, days=TREND_DAYS)
        self.cache[name] = (time.monotonic() + CACHE_SECONDS, found)
        return found

    def row(self, name: str, state: RoutingState, since: datetime) -> WorkloadRow:
        wl, store = self.web.config.workloads[name], self.web.store
        daily, pairs = self.agreement(name)
        agree, both_ok, kinds = _summary(daily)
        points = [(d.day, d.agree, d.pairs) for d in daily]
        chart = Markup(agreement_chart(points)) if daily else None  # noqa: S704 - escaped
        return WorkloadRow(
            name=name,
            baseline=wl.baseline,
            candidate=wl.candidate,
            state=state,
            served_24h=store.count_traces(TraceQuery(workload=name, role="served", since=since)),
            shadow_24h=store.count_traces(TraceQuery(workload=name, role="shadow", since=since)),
            pairs=pairs,
            daily=daily,
            chart=chart,
            glance=workload_glance(self.web.config, self.ro, name, self.gate_report(name)),
            routing_words=routing_words(describe(state)),
            agree_rate=agree,
            both_ok_rate=both_ok,
            kinds=kinds,
        )

    def all(self) -> list[WorkloadRow]:
        states = self.web.routing.states()
        since = datetime.now(UTC) - timedelta(hours=24)
        return [
            self.row(name, states.get(name) or RoutingState(workload=name), since)
            for name in sorted(self.web.config.workloads)
        ]


def routes(web: WebContext) -> list[BaseRoute]:
    ro = Rollouts(web.config, web.store, gates=web.gates)
    rows = Rows(web, ro)
    web.warmups.append(rows.warm)

    @guard()
    async def overview(request: Request, session: Session) -> Response:
        plans = await web.run(migrations, web.config, web.store)
        seen = await web.run(controller_seen, web.store, ro.clock.now())
        done = request.query_params.get("rolled_back")
        context = {
            "rows": await web.run(rows.all),
            "plans": plans,
            "controller": seen,
            "rolled_back": done if done in web.config.workloads else None,
        }
        return web.render(request, "overview.html", context)

    @guard("admin")
    async def rollback(request: Request, session: Session) -> Response:
        name = request.path_params["workload"]
        if name not in web.config.workloads:
            raise HTTPException(404, f"unknown workload {name!r}")
        form = await request.form()
        reason = str(form.get("reason") or "").strip() or "rollback from the web UI"
        try:
            event = await web.run(
                partial(ro.rollback, name, actor=f"web:{session.name}", reason=reason[:500])
            )
            if event.get("status"):
                await ro.notifier.send(event)
        except SwapsafeError as exc:
            raise HTTPException(409, str(exc)) from None
        rows.cache.pop(name, None)
        return RedirectResponse(f"/?rolled_back={name}", status_code=303)

    return [
        Route("/", overview, methods=["GET"]),
        Route("/workloads/{workload}/rollback", rollback, methods=["POST"]),
    ]
