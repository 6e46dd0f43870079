"""``POST /v1/feedback``: a user's score for a served response, tied to the model that served it.

Body: ``{"id": "<response id>", "score": 0..1}`` or ``{"id": ..., "thumbs": "up"|"down"}``, with
an optional ``"comment"``. Authenticated like the proxy routes (``[gateway] client_keys``).
Errors are OpenAI error JSON: 400 bad input, 401 bad key, 404 unknown response id.
The rollout analysis compares the mean score of the canary and baseline cohorts.
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from swapsafe.exceptions import StoreError
from swapsafe.gateway.auth import client_key
from swapsafe.gateway.calls import BodyTooLarge, read_body
from swapsafe.gateway.errors import error_response
from swapsafe.store.records import TraceRecord
from swapsafe.store.records_rollout import Feedback

MAX_BODY = 64 * 1024
MAX_COMMENT = 4000
_THUMBS = {"up": 1.0, "down": 0.0}


class BadFeedback(ValueError):
    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def parse_feedback(data: Any) -> tuple[str, float, str | None, str | None]:
    """(response id, score, thumbs, comment) from a request body; BadFeedback says what is wrong."""
    if not isinstance(data, dict):
        raise BadFeedback("request body must be a JSON object")
    rid = data.get("id")
    if not isinstance(rid, str) or not rid.strip() or len(rid) > 128:
        raise BadFeedback('"id" must be the id of a response this gateway served', "id")
    score, thumbs = data.get("score"), data.get("thumbs")
    if (score is None) == (thumbs is None):
        raise BadFeedback('give exactly one of "score" (0 to 1) or "thumbs" ("up" or "down")')
    if thumbs is not None:
        if thumbs not in _THUMBS:
            raise BadFeedback('"thumbs" must be "up" or "down"', "thumbs")
        value = _THUMBS[thumbs]
    else:
        if isinstance(score, bool) or not isinstance(score, int | float) or math.isnan(score):
            raise BadFeedback('"score" must be a number from 0 to 1', "score")
        if not 0 <= score <= 1:
            raise BadFeedback(f'"score" must be from 0 to 1, not {score}', "score")
        value = float(score)
    comment = data.get("comment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
        raise BadFeedback(f'"comment" must be text of at most {MAX_COMMENT} characters', "comment")
    return rid, value, thumbs, comment


async def _read_feedback(request: Request) -> tuple[str, float, str | None, str | None] | Response:
    """The request's feedback, or the error answer (413, 400) saying what is wrong with it."""
    try:
        data = orjson.loads(
            await read_body(request, MAX_BODY, request.headers.get("content-length"))
        )
        return parse_feedback(data)
    except BodyTooLarge:
        return error_response("openai", 413, f"feedback body exceeds {MAX_BODY} bytes")
    except orjson.JSONDecodeError:
        return error_response("openai", 400, "request body is not valid JSON")
    except BadFeedback as exc:
        return error_response("openai", 400, str(exc), param=exc.param)


def feedback_routes(runtime: Any) -> list[Route]:
    """The feedback route over a ``GatewayRuntime`` (its auth, store and recorder)."""

    async def find(request_id: str) -> TraceRecord | None:
        trace: TraceRecord | None = await asyncio.to_thread(
            runtime.store.trace_by_request_id, request_id
        )
        if trace is None and runtime.recorder.pending:
            # the answer may still be waiting in the recorder's queue: flush and look again
            await asyncio.to_thread(runtime.recorder.flush, 2.0)
            trace = await asyncio.to_thread(runtime.store.trace_by_request_id, request_id)
        return trace

    async def post_feedback(request: Request) -> Response:
        if not runtime.gateway.auth.check(client_key(request.headers)):
            return error_response(
                "openai",
                401,
                "missing or invalid API key: send a key configured in [gateway] client_keys",
            )
        parsed = await _read_feedback(request)
        if isinstance(parsed, Response):
            return parsed
        rid, score, thumbs, comment = parsed
        try:
            trace = await find(rid)
            if trace is None or trace.role != "served":
                return error_response(
                    "openai",
                    404,
                    f"no response with id {rid!r} was served by this gateway",
                    param="id",
                    code="not_found",
                )
            item = Feedback(
                request_id=rid,
                workload=trace.workload,
                model=trace.model,
                response_ts=trace.ts,
                ts=datetime.now(UTC),
                score=score,
                thumbs=thumbs,
                comment=comment,
            )
            fid = await asyncio.to_thread(runtime.store.add_feedback, item)
        except StoreError:
            return error_response("openai", 503, "feedback store unavailable; retry later")
        body = {
            "object": "feedback",
            "id": fid,
            "response_id": rid,
            "workload": trace.workload,
            "model": trace.model,
            "score": score,
        }
        return Response(orjson.dumps(body), media_type="application/json")

    return [Route("/v1/feedback", post_feedback, methods=["POST"])]
