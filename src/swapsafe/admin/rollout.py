"""Rollout admin API: ``GET|POST /admin/workloads/{name}/rollout/{action}``, thin over
:class:`swapsafe.rollout.operations.Rollouts`. Same bearer token as the routing admin API."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from swapsafe.config import Config
from swapsafe.exceptions import GateError, RoutingError, StoreError
from swapsafe.rollout import state as sm
from swapsafe.rollout.clock import Clock
from swapsafe.rollout.operations import Rollouts
from swapsafe.store.protocol import Store

Handler = Callable[[Request], Awaitable[Response]]
ACTIONS = ("status", "start", "pause", "resume", "promote", "abort", "rollback")


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(body, default=str), status_code=status, media_type="application/json"
    )


def _error(status: int, message: str) -> Response:
    return _json({"error": {"status": status, "message": message}}, status)


def rollout_admin_routes(
    config: Config, store: Store, admin_token: str, *, clock: Clock | None = None
) -> list[Route]:
    """``GET|POST /admin/workloads/{name}/rollout/{action}``; action: status, start, pause,
    resume, promote, abort, rollback. Body: ``{"reason": "...", "force": false}``.
    Same bearer token as the rest of the admin API."""
    rollouts = Rollouts(config, store, clock=clock)
    expected = f"Bearer {admin_token}".encode()

    async def handle(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get("authorization", "").encode(), expected):
            return _error(401, "admin token required: send Authorization: Bearer <admin token>")
        name = request.path_params["name"]
        action = request.path_params.get("action", "status")
        if action not in ACTIONS:
            return _error(
                404, f"unknown rollout action {action!r}; use one of " + ", ".join(ACTIONS)
            )
        if action != "status" and request.method != "POST":
            return _error(405, f"use POST for {action}")
        data: dict[str, Any] = {}
        raw = await request.body()
        if raw:
            try:
                loaded = orjson.loads(raw)
            except orjson.JSONDecodeError:
                return _error(400, "request body is not valid JSON")
            if not isinstance(loaded, dict):
                return _error(400, "request body must be a JSON object")
            data = loaded
        reason = data.get("reason") or ""
        force = data.get("force", False)
        if not isinstance(reason, str) or not isinstance(force, bool):
            return _error(400, '"reason" must be a string and "force" true or false')
        actor = "admin-api:" + (request.headers.get("x-swapsafe-actor") or "admin")
        try:
            result, event = await asyncio.to_thread(
                _run, rollouts, action, name, actor, force, reason
            )
            if event is not None:
                await rollouts.notifier.send(event)
        except sm.RolloutError as exc:
            status = 404 if "unknown workload" in str(exc) or "no rollout" in str(exc) else 409
            return _error(status, str(exc))
        except GateError as exc:
            return _error(409, str(exc))
        except RoutingError as exc:
            return _error(400, str(exc))
        except StoreError as exc:
            return _error(503, str(exc))
        return _json(result)

    return [
        Route("/admin/workloads/{name}/rollout", handle, methods=["GET"]),
        Route("/admin/workloads/{name}/rollout/{action}", handle, methods=["GET", "POST"]),
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
