"""Admin API: a thin layer over ``swapsafe.routing.RoutingService``.

Every route needs ``Authorization: Bearer <admin token>`` (constant-time compare); without it
the answer is 401. The spec is served at ``/admin/openapi.json``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from swapsafe.admin.http import actor, guard, json_response, payload
from swapsafe.exceptions import RoutingError
from swapsafe.routing.service import RoutingService, describe

MIN_ADMIN_TOKEN = 24


def check_admin_token(token: str | None) -> str:
    """Refuse to run the admin API with a missing or weak token."""
    if token is None or len(token.strip()) < MIN_ADMIN_TOKEN:
        raise RoutingError(
            "the admin API needs a token of at least 24 characters: set [gateway] admin_token = "
            '"env::SWAPSAFE_ADMIN_TOKEN" and export a long random value '
            "(python -c 'import secrets; print(secrets.token_urlsafe(32))'), "
            "or set [gateway] admin_api = false"
        )
    return token


def _route_args(data: dict[str, Any]) -> tuple[str, Any, Any]:
    """(mode, weight, shadow) of a route change, type-checked."""
    mode = data.get("mode")
    if not isinstance(mode, str):
        raise RoutingError(
            '"mode" is required: one of baseline, shadow, canary, promoted, rolled_back'
        )
    weight = data.get("weight")
    if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int | float)):
        raise RoutingError('"weight" must be a number of percent between 0 and 100')
    shadow = data.get("shadow")
    if shadow is not None and not isinstance(shadow, bool):
        raise RoutingError('"shadow" must be true or false')
    return mode, weight, shadow


def _audit_entry(e: Any) -> dict[str, Any]:
    return {
        "id": e.id,
        "ts": e.ts.isoformat(),
        "actor": e.actor,
        "action": e.action,
        "workload": e.workload,
        "before": e.before,
        "after": e.after,
        "reason": e.reason,
    }


def admin_routes(service: RoutingService, admin_token: str) -> list[Route]:
    guarded = guard(admin_token)

    async def list_workloads(request: Request) -> Response:
        return json_response({"workloads": [describe(s) for s in service.states().values()]})

    async def get_workload(request: Request) -> Response:
        return json_response(describe(service.get(request.path_params["name"])))

    async def rollback(request: Request) -> Response:
        data = await payload(request)
        reason = str(data.get("reason") or "rollback via admin API")
        state = service.rollback(request.path_params["name"], actor=actor(request), reason=reason)
        return json_response(describe(state))

    async def set_route(request: Request) -> Response:
        data = await payload(request)
        mode, weight, shadow = _route_args(data)
        state = service.set(
            request.path_params["name"],
            mode=mode,
            weight=weight,
            shadow=shadow,
            actor=actor(request),
            reason=str(data.get("reason") or ""),
        )
        return json_response(describe(state))

    async def audit(request: Request) -> Response:
        workload = request.query_params.get("workload")
        entries = service.store.list_audit(workload=workload, limit=500)
        return json_response({"entries": [_audit_entry(e) for e in entries]})

    async def openapi(request: Request) -> Response:
        return json_response(OPENAPI)

    return [
        Route("/admin/workloads", guarded(list_workloads), methods=["GET"]),
        Route("/admin/workloads/{name}", guarded(get_workload), methods=["GET"]),
        Route("/admin/workloads/{name}/rollback", guarded(rollback), methods=["POST"]),
        Route("/admin/workloads/{name}/route", guarded(set_route), methods=["POST"]),
        Route("/admin/audit", guarded(audit), methods=["GET"]),
        Route("/admin/openapi.json", guarded(openapi), methods=["GET"]),
    ]


_STATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "workload": {"type": "string"},
        "mode": {
            "type": "string",
            "enum": ["baseline", "shadow", "canary", "promoted", "rolled_back"],
        },
        "weight": {"type": "number", "minimum": 0, "maximum": 100},
        "shadow": {"type": "boolean"},
        "version": {"type": "integer"},
        "updated_at": {"type": ["string", "null"]},
        "updated_by": {"type": ["string", "null"]},
    },
}
_ERR = {"description": "error", "content": {"application/json": {"schema": {"type": "object"}}}}
_NAME = [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}]


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "swapsafe admin API", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/admin/workloads": {
            "get": {
                "responses": {
                    "200": _ok(
                        {
                            "type": "object",
                            "properties": {"workloads": {"type": "array", "items": _STATE}},
                        }
                    ),
                    "401": _ERR,
                }
            }
        },
        "/admin/workloads/{name}": {
            "get": {
                "parameters": _NAME,
                "responses": {"200": _ok(_STATE), "401": _ERR, "404": _ERR},
            }
        },
        "/admin/workloads/{name}/rollback": {
            "post": {
                "parameters": _NAME,
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"reason": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {"200": _ok(_STATE), "400": _ERR, "401": _ERR, "404": _ERR},
            }
        },
        "/admin/workloads/{name}/route": {
            "post": {
                "parameters": _NAME,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["mode", "reason"],
                                "properties": {
                                    "mode": _STATE["properties"]["mode"],
                                    "weight": _STATE["properties"]["weight"],
                                    "shadow": {"type": "boolean"},
                                    "reason": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {"200": _ok(_STATE), "400": _ERR, "401": _ERR, "404": _ERR},
            }
        },
        "/admin/audit": {
            "get": {
                "parameters": [
                    {
                        "name": "workload",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {"200": _ok({"type": "object"}), "401": _ERR},
            }
        },
        "/admin/openapi.json": {
            "get": {"responses": {"200": _ok({"type": "object"}), "401": _ERR}}
        },
    },
}
