"""Review page: one shadow pair at a time, old and new side by side, verdicts by keyboard.

Every action (verdict, skip, undo) is one POST saved at once, then the page moves on; a
reload shows exactly what the store holds. Results, export and "add to golden set" live in
:mod:`swapsafe.web.pages.review_results`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from swapsafe.config import Config
from swapsafe.exceptions import SwapsafeError
from swapsafe.review.agreement import KINDS, looks_like_json, parse_json
from swapsafe.review.pairs import RequestContext, ShadowPair, parse_answer, request_context
from swapsafe.review.service import DEFAULT_QUEUE, QueueItem, ReviewService
from swapsafe.review.textdiff import Segment, word_diff
from swapsafe.review.verdicts import ACTIONS, JUDGEMENTS, KEYS, LABELS
from swapsafe.store.records import TraceRecord
from swapsafe.web.app import WebContext
from swapsafe.web.auth import Session, guard
from swapsafe.web.pages import review_results

MAX_SAMPLE = 5000


@dataclass(frozen=True)
class ToolCallView:
    name: str
    arguments: str


@dataclass(frozen=True)
class SideView:
    label: str  # "old" / "new"
    model: str
    role: str
    ok: bool
    text: str
    is_json: bool
    tool_calls: list[ToolCallView]
    error: str | None
    latency_ms: float | None
    output_tokens: int | None
    finish_reason: str | None
    variant: str | None = None  # "prompt variant `x.txt` (a1b2c3d4)" when the call carried one


def variant_text(digest: str | None, config: Config) -> str | None:
    """How a trace's prompt-variant digest is shown: with its file name when a configured
    variant has that digest (the config may have changed since), else the digest alone."""
    if digest is None:
        return None
    for wl in config.workloads.values():
        for table in wl.prompts.values():
            if table.variant.digest == digest:
                return table.variant.describe()
    return f"prompt variant {digest} (no longer configured)"


def _pretty(text: str) -> tuple[str, bool]:
    if looks_like_json(text):
        ok, value = parse_json(text)
        if ok:
            return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode(), True
    return text, False


def side_view(label: str, row: TraceRecord, config: Config | None = None) -> SideView:
    answer = parse_answer(row)
    error = None
    text, is_json, calls = "", False, []
    if answer is None:
        error = f"{row.status}"
        if row.http_status:
            error += f" (HTTP {row.http_status})"
        if row.error_class:
            error += f": {row.error_class}"
        if row.status == "ok":
            error = "no readable response body"
    else:
        text, is_json = _pretty(answer.text)
        for c in answer.tool_calls:
            args, _ = _pretty(c.arguments or "{}")
            calls.append(ToolCallView(c.name, args))
    return SideView(
        label=label,
        model=row.model,
        role=row.role,
        ok=answer is not None,
        text=text,
        is_json=is_json,
        tool_calls=calls,
        error=error,
        latency_ms=row.latency_ms,
        output_tokens=row.output_tokens,
        finish_reason=row.finish_reason,
        variant=variant_text(row.prompt_variant, config) if config is not None else None,
    )


@dataclass(frozen=True)
class PairView:
    pair_id: str
    workload: str
    old: SideView
    new: SideView
    old_segments: list[Segment]
    new_segments: list[Segment]
    context: RequestContext | None
    raw_request: str | None


def pair_view(pair: ShadowPair, config: Config | None = None) -> PairView:
    old, new = side_view("old", pair.old, config), side_view("new", pair.new, config)
    left, right = word_diff(old.text, new.text)
    context = request_context(pair.request_body, pair.inbound_wire)
    raw = None if context is not None else (pair.request_body or "")[:20_000]
    return PairView(pair.pair_id, pair.workload, old, new, left, right, context, raw)


def filters_of(request: Request) -> dict[str, str]:
    q = request.query_params
    out = {"queue": q.get("queue") or DEFAULT_QUEUE}
    if q.get("workload"):
        out["workload"] = q["workload"]
    if q.get("kind"):
        out["kind"] = q["kind"]
    return out


def _form_filters(form: Any) -> dict[str, str]:
    out = {"queue": str(form.get("queue") or DEFAULT_QUEUE)}
    for key in ("workload", "kind"):
        if form.get(key):
            out[key] = str(form.get(key))
    return out


def review_url(filters: dict[str, str], **extra: str) -> str:
    params = {
        k: v
        for k, v in {**filters, **extra}.items()
        if v and not (k == "queue" and v == DEFAULT_QUEUE)
    }
    return "/review" + (f"?{urlencode(params)}" if params else "")


def routes(web: WebContext) -> list[BaseRoute]:
    service = ReviewService(web.store, web.config)

    def page_data(session: Session, filters: dict[str, str], pair_id: str | None) -> dict[str, Any]:
        kind = filters.get("kind")
        items: list[QueueItem] = service.items(
            session.name, queue=filters["queue"], workload=filters.get("workload"), kind=kind
        )
        done = sum(1 for i in items if i.mine is not None and i.mine.verdict in JUDGEMENTS)
        current: QueueItem | None
        if pair_id:
            current = next((i for i in items if i.pair.pair_id == pair_id), None)
            if current is None:
                mine = service.items(session.name, queue=filters["queue"])
                current = next((i for i in mine if i.pair.pair_id == pair_id), None)
        else:
            current = service.next_item(items)
        view = None
        if current is not None:
            pair = service.pair(current.pair.pair_id)
            view = pair_view(pair, web.config) if pair is not None else None
        return {
            "items": items,
            "done": done,
            "total": len(items),
            "current": current,
            "view": view,
            "filters": filters,
            "kinds": KINDS,
            "keys": KEYS,
            "labels": LABELS,
            "queue_empty": not service.queue(filters["queue"]),
        }

    @guard()
    async def review(request: Request, session: Session) -> Response:
        filters = filters_of(request)
        if filters.get("workload") and filters["workload"] not in web.config.workloads:
            raise HTTPException(404, f"unknown workload {filters['workload']!r}")
        data = await web.run(page_data, session, filters, request.query_params.get("pair"))
        data["message"] = request.query_params.get("msg")
        return web.render(request, "review.html", data)

    @guard()
    async def verdict(request: Request, session: Session) -> Response:
        form = await request.form()
        filters = _form_filters(form)
        pair_id, value = str(form.get("pair_id") or ""), str(form.get("verdict") or "")
        if value not in ACTIONS:
            raise HTTPException(400, f"unknown verdict {value!r}")
        note = str(form.get("note") or "")
        try:
            await web.run(
                service.record, pair_id, session.name, value, note, queue=filters["queue"]
            )
        except SwapsafeError as exc:
            raise HTTPException(400, str(exc)) from None
        return RedirectResponse(review_url(filters), status_code=303)

    @guard()
    async def undo(request: Request, session: Session) -> Response:
        form = await request.form()
        filters = _form_filters(form)
        pair_id = await web.run(service.undo, session.name)
        if pair_id is None:
            return RedirectResponse(review_url(filters, msg="nothing to undo"), status_code=303)
        return RedirectResponse(review_url(filters, pair=pair_id), status_code=303)

    @guard()
    async def sample(request: Request, session: Session) -> Response:
        form = await request.form()
        filters = _form_filters(form)
        workload = str(form.get("sample_workload") or "")
        try:
            n = int(str(form.get("n") or "200"))
            share = float(str(form.get("share") or "0.5"))
            seed_raw = str(form.get("seed") or "").strip()
            seed = int(seed_raw) if seed_raw else None
        except ValueError:
            raise HTTPException(400, "n, share and seed must be numbers") from None
        if not 1 <= n <= MAX_SAMPLE:
            raise HTTPException(400, f"n must be between 1 and {MAX_SAMPLE}")
        try:
            rows = await web.run(
                service.sample,
                [workload] if workload else [],
                n,
                disagreement_share=share,
                seed=seed,
                queue=filters["queue"],
            )
        except SwapsafeError as exc:
            raise HTTPException(400, str(exc)) from None
        return RedirectResponse(
            review_url(filters, msg=f"sampled {len(rows)} new pairs"), status_code=303
        )

    return [
        Route("/review", review, methods=["GET"]),
        Route("/review/verdict", verdict, methods=["POST"]),
        Route("/review/undo", undo, methods=["POST"]),
        Route("/review/sample", sample, methods=["POST"]),
        *review_results.routes(web, service),
    ]
