"""What every admin route shares: the bearer-token guard, JSON bodies in and out, the actor."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from swapsafe.exceptions import RoutingError, StoreError

Handler = Callable[[Request], Awaitable[Response]]


def json_response(body: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(body, default=str), status_code=status, media_type="application/json"
    )


def error(status: int, message: str) -> Response:
    return json_response({"error": {"status": status, "message": message}}, status)


def guard(admin_token: str) -> Callable[[Handler], Handler]:
    """Wrap a handler: 401 without the admin token (constant-time compare), routing and store
    errors as JSON (404 for an unknown workload, 400 for a bad request, 503 store down)."""
    expected = f"Bearer {admin_token}".encode()

    def guarded(handler: Handler) -> Handler:
        async def wrapper(request: Request) -> Response:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return error(401, "admin token required: send Authorization: Bearer <admin token>")
            try:
                return await handler(request)
            except RoutingError as exc:
                return error(404 if "unknown workload" in str(exc) else 400, str(exc))
            except StoreError as exc:
                return error(503, str(exc))

        return wrapper

    return guarded


async def payload(request: Request) -> dict[str, Any]:
    """The JSON object in the body ({} when empty); RoutingError (a 400) otherwise."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RoutingError("request body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise RoutingError("request body must be a JSON object")
    return data


def actor(request: Request) -> str:
    return "admin-api:" + (request.headers.get("x-swapsafe-actor") or "admin")
