"""Rollout admin API: ``GET|POST /admin/workloads/{name}/rollout/{action}``, thin over
:class:`swapsafe.rollout.operations.Rollouts`. Same bearer token as the routing admin API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from swapsafe.admin.http import actor, error, guard, json_response, payload
from swapsafe.config import Config
from swapsafe.exceptions import GateError
from swapsafe.gates.checks import evaluate_gates
from swapsafe.rollout import state as sm
from swapsafe.rollout.clock import Clock
from swapsafe.rollout.operations import GateCheck, Rollouts
from swapsafe.store.protocol import Store

Handler = Callable[[Request], Awaitable[Response]]
ACTIONS = ("status", "start", "pause", "resume", "promote", "abort", "rollback")


def rollout_admin_routes(
    config: Config,
    store: Store,
    admin_token: str,
    *,
    clock: Clock | None = None,
    gates: GateCheck = evaluate_gates,
) -> list[Route]:
    """``GET|POST /admin/workloads/{name}/rollout/{action}``; action: status, start, pause,
    resume, promote, abort, rollback. Body: ``{"reason": "...", "force": false}``.
    Same bearer token as the rest of the admin API; ``gates`` is the check ``start`` runs."""
    rollouts = Rollouts(config, store, clock=clock, gates=gates)

    async def handle(request: Request) -> Response:
        name = request.path_params["name"]
        action = request.path_params.get("action", "status")
        if action not in ACTIONS:
            return error(
                404, f"unknown rollout action {action!r}; use one of " + ", ".join(ACTIONS)
            )
        if action != "status" and request.method != "POST":
            return error(405, f"use POST for {action}")
        data = await payload(request)
        reason = data.get("reason") or ""
        force = data.get("force", False)
        if not isinstance(reason, str) or not isinstance(force, bool):
            return error(400, '"reason" must be a string and "force" true or false')
        try:
            result, event = await asyncio.to_thread(
                _run, rollouts, action, name, actor(request), force, reason
            )
            if event is not None:
                await rollouts.notifier.send(event)
        except sm.RolloutError as exc:
            status = 404 if "unknown workload" in str(exc) or "no rollout" in str(exc) else 409
            return error(status, str(exc))
        except GateError as exc:
            return error(409, str(exc))
        return json_response(result)

    guarded = guard(admin_token)  # also: RoutingError -> 400 (404 unknown workload), store 503
    return [
        Route("/admin/workloads/{name}/rollout", guarded(handle), methods=["GET"]),
        Route("/admin/workloads/{name}/rollout/{action}", guarded(handle), methods=["GET", "POST"]),
    ]


def _run(
    ro: Rollouts, action: str, name: str, actor: str, force: bool, reason: str
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    event = None
    if action == "start":
        ro.start(name, actor=actor, force=force, reason=reason)
    elif action == "pause":
        ro.pause(name, actor=actor, reason=reason)
    elif action == "resume":
        ro.resume(name, actor=actor, reason=reason)
    elif action == "promote":
        ro.promote(name, actor=actor, force=force, reason=reason)
    elif action == "abort":
        event = ro.event("abort", ro.abort(name, actor=actor, reason=reason), reason or "abort")
    elif action == "rollback":
        event = ro.rollback(name, actor=actor, reason=reason)
    return ro.status(name), event
