"""Rollout page: each workload's step, time left in the hold, live cohort metrics with
charts (inline SVG), and promote / pause / resume / rollback / abort buttons (admin only,
CSRF-checked form posts; the page reloads with the result)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from swapsafe.exceptions import SwapsafeError
from swapsafe.report.timecharts import CanaryPoint, canary_charts
from swapsafe.rollout.analysis import Analysis
from swapsafe.rollout.heartbeat import controller_seen
from swapsafe.rollout.operations import Rollouts
from swapsafe.rollout.state import hold_left
from swapsafe.store.records_rollout import BucketRaw
from swapsafe.web.auth import Session, guard
from swapsafe.web.context import WebContext

BUCKETS = 12
ACTIONS = ("start", "promote", "pause", "resume", "rollback", "abort")
MAX_REASON = 500


@dataclass(frozen=True)
class Card:
    name: str
    status: dict[str, Any]
    analysis: Analysis | None
    charts: list[Markup]
    hold_percent: int


def _charts(ro: Rollouts, name: str, since: datetime, now: datetime) -> list[Markup]:
    """Canary vs baseline error rate and p95 per twelfth of the hold so far, triggers drawn
    (two SQL queries for the whole hold)."""
    wl = ro.workload(name)
    if wl.candidate is None or now <= since:
        return []
    models = (wl.candidate, wl.baseline)
    raw = ro.db.cohort_series(name, models, since, now, BUCKETS)
    step = (now - since) / BUCKETS
    fmt = "%H:%M:%S" if now - since < timedelta(hours=2) else "%m-%d %H:%M"
    empty = BucketRaw(0, 0, None)
    points = []
    for i in range(BUCKETS):
        c, b = raw.get((wl.candidate, i), empty), raw.get((wl.baseline, i), empty)
        label = (since + step * (i + 1)).strftime(fmt)
        points.append(CanaryPoint(label, c.total, c.errors, c.p95_ms, b.total, b.errors, b.p95_ms))
    return [Markup(svg) for svg in canary_charts(points, wl.triggers)]  # noqa: S704 - escaped


def _card(ro: Rollouts, name: str) -> Card:
    """One workload: its status, the analysis of the hold so far and the charts."""
    status = ro.status(name)
    record = ro.db.get_rollout(name)
    analysis, charts, percent = None, [], 0
    if record is not None and status["status"] in ("running", "paused", "done"):
        now = ro.clock.now()
        try:
            analysis = ro.analyse(record, now)[0]
            charts = _charts(ro, name, record.step_started_at, now)
        except SwapsafeError:
            analysis = None
        held = 1 - hold_left(record, now) / record.hold if record.hold > 0 else 1.0
        percent = int(100 * held)
    return Card(name, status, analysis, charts, percent)


def routes(web: WebContext) -> list[BaseRoute]:
    ro = Rollouts(web.config, web.store, gates=web.gates)

    def cards(only: str | None = None) -> list[Card]:
        return [_card(ro, n) for n in sorted(web.config.workloads) if only in (None, n)]

    @guard()
    async def page(request: Request, session: Session) -> Response:
        only = request.query_params.get("workload")
        return web.render(
            request,
            "rollout.html",
            {
                "cards": await web.run(cards, only if only in web.config.workloads else None),
                "controller": await web.run(controller_seen, web.store, ro.clock.now()),
                "error": request.query_params.get("error"),
                "done": request.query_params.get("done"),
                "duration": _duration,
            },
        )

    @guard("admin")
    async def act(request: Request, session: Session) -> Response:
        name, action = request.path_params["workload"], request.path_params["action"]
        if name not in web.config.workloads or action not in ACTIONS:
            raise HTTPException(404, f"unknown workload or action: {name}/{action}")
        form = await request.form()
        reason = str(form.get("reason") or "").strip()[:MAX_REASON]
        force = form.get("force") == "on"
        actor = f"web:{session.name}"
        try:
            event = await web.run(_do, ro, action, name, actor, force, reason)
            if event is not None:
                await ro.notifier.send(event)
        except SwapsafeError as exc:
            query = urlencode({"error": str(exc)})
            return RedirectResponse(f"/rollout?{query}#rollout-{name}", status_code=303)
        query = urlencode({"done": f"{action}: {name}"})
        return RedirectResponse(f"/rollout?{query}#rollout-{name}", status_code=303)

    return [
        Route("/rollout", page, methods=["GET"]),
        Route("/rollout/{workload}/{action}", act, methods=["POST"]),
    ]


def _do(
    ro: Rollouts, action: str, name: str, actor: str, force: bool, reason: str
) -> dict[str, Any] | None:
    if action == "start":
        ro.start(name, actor=actor, force=force, reason=reason)
    elif action == "promote":
        ro.promote(name, actor=actor, force=force, reason=reason)
    elif action == "pause":
        ro.pause(name, actor=actor, reason=reason or "paused from the web UI")
    elif action == "resume":
        ro.resume(name, actor=actor, reason=reason)
    elif action == "abort":
        return ro.event("abort", ro.abort(name, actor=actor, reason=reason), reason or "abort")
    else:
        return ro.rollback(name, actor=actor, reason=reason or "rollback from the web UI")
    return None


def _duration(seconds: float) -> str:
    d = timedelta(seconds=int(seconds))
    hours, rest = divmod(d.seconds, 3600)
    if d.days:
        return f"{d.days} d {hours} h"
    return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min"
