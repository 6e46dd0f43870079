"""Review page: one shadow pair at a time, the request above, old and new side by side.

The loop is keyboard-only: a verdict key is one POST, saved at once; the server answers with a
redirect to the next pair, whose page says what was saved ("Saved: new better on pair ..."),
read back from the store. One key press, one page load per verdict. Results, export and "add
to golden set" live in :mod:`swapsafe.web.pages.review_results`; what the page shows of a pair
in :mod:`swapsafe.web.pages.review_view`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from swapsafe.exceptions import SwapsafeError
from swapsafe.plan.facts import Requirements
from swapsafe.review.agreement import KINDS
from swapsafe.review.progress import ReviewProgress, review_progress
from swapsafe.review.service import DEFAULT_QUEUE, QueueItem, ReviewService
from swapsafe.review.verdicts import ACTIONS, JUDGEMENTS, KEYS, LABELS, Effective, effective
from swapsafe.web.auth import Session, guard
from swapsafe.web.context import WebContext
from swapsafe.web.pages import review_results
from swapsafe.web.pages.review_view import KIND_WORDS, pair_view

MAX_SAMPLE = 5000
FILTER_KEYS = ("workload", "kind")


def _filters(values: Any) -> dict[str, str]:
    """queue, workload and kind from query parameters or a form (empty ones left out)."""
    out = {"queue": str(values.get("queue") or DEFAULT_QUEUE)}
    for key in FILTER_KEYS:
        if values.get(key):
            out[key] = str(values.get(key))
    return out


def review_url(filters: dict[str, str], **extra: str) -> str:
    params = {
        k: v
        for k, v in {**filters, **extra}.items()
        if v and not (k == "queue" and v == DEFAULT_QUEUE)
    }
    return "/review" + (f"?{urlencode(params)}" if params else "")


def saved_message(eff: dict[tuple[str, str], Effective], pair_id: str, reviewer: str) -> str:
    """The confirmation shown after a verdict, read back from the store."""
    action = eff.get((pair_id, reviewer))
    if action is None:
        return f"Nothing is saved for pair {pair_id} (it was undone)."
    if action.verdict not in JUDGEMENTS:
        return f"Saved: pair {pair_id} skipped; it comes back when the others are done."
    return f"Saved: {LABELS[action.verdict]} on pair {pair_id}."


@dataclass(frozen=True)
class TeamProgress:
    need: int
    progress: ReviewProgress

    @property
    def done(self) -> int:
        return self.progress.reviewed_pairs


def _current(
    service: ReviewService,
    items: list[QueueItem],
    who: tuple[str, str, dict[tuple[str, str], Effective]],
    pair_id: str | None,
) -> QueueItem | None:
    """The pair asked for by ``?pair=`` (even outside the filters), else the next one."""
    if not pair_id:
        return service.next_item(items)
    found = next((i for i in items if i.pair.pair_id == pair_id), None)
    if found is None:
        queue, reviewer, eff = who
        everything = service.items(reviewer, queue=queue, eff=eff)
        found = next((i for i in everything if i.pair.pair_id == pair_id), None)
    return found


def page_data(
    service: ReviewService, session: Session, filters: dict[str, str], params: Any
) -> dict[str, Any]:
    rows = service.verdict_rows()
    eff = effective(rows)
    queue, workload = filters["queue"], filters.get("workload")
    kind = filters.get("kind")
    items = service.items(session.name, queue=queue, workload=workload, kind=kind, eff=eff)
    asked = params.get("pair")
    current = _current(service, items, (queue, session.name, eff), asked)
    missing = asked if asked and current is None else None
    if missing:
        current = service.next_item(items)
    pair = service.pair(current.pair.pair_id) if current is not None else None
    names = [workload] if workload else list(service.config.workloads)
    team = TeamProgress(
        Requirements().review_pairs,
        review_progress(service.store.list_review_pairs(limit=1_000_000), rows, names),
    )
    saved = params.get("saved")
    return {
        "items": items,
        "done": sum(1 for i in items if i.mine is not None and i.mine.verdict in JUDGEMENTS),
        "total": len(items),
        "current": current,
        "view": pair_view(pair, service.config) if pair is not None else None,
        "team": team,
        "saved": saved_message(eff, saved, session.name) if saved else None,
        "missing_pair": missing,
        "filters": filters,
        "kinds": KINDS,
        "kind_words": KIND_WORDS,
        "keys": KEYS,
        "labels": LABELS,
        "queue_empty": not service.queue(queue),
    }


def _sample_args(form: Any, queue: str) -> tuple[list[str], int, dict[str, Any]]:
    """(workloads, n, the other options of ReviewService.sample) from the sample form."""
    try:
        n = int(str(form.get("n") or "200"))
        share = float(str(form.get("share") or "0.5"))
        seed_raw = str(form.get("seed") or "").strip()
        seed = int(seed_raw) if seed_raw else None
    except ValueError:
        raise HTTPException(400, "n, share and seed must be numbers") from None
    if not 1 <= n <= MAX_SAMPLE:
        raise HTTPException(400, f"n must be between 1 and {MAX_SAMPLE}")
    names = [str(form["sample_workload"])] if form.get("sample_workload") else []
    return names, n, {"disagreement_share": share, "seed": seed, "queue": queue}


def _redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def routes(web: WebContext) -> list[BaseRoute]:
    service = ReviewService(web.store, web.config)

    @guard()
    async def review(request: Request, session: Session) -> Response:
        filters = _filters(request.query_params)
        if filters.get("workload") and filters["workload"] not in web.config.workloads:
            raise HTTPException(404, f"unknown workload {filters['workload']!r}")
        data = await web.run(page_data, service, session, filters, request.query_params)
        data["message"] = request.query_params.get("msg")
        return web.render(request, "review.html", data)

    @guard()
    async def verdict(request: Request, session: Session) -> Response:
        form = await request.form()
        filters = _filters(form)
        pair_id, value = str(form.get("pair_id") or ""), str(form.get("verdict") or "")
        if value not in ACTIONS:
            raise HTTPException(400, f"unknown verdict {value!r}")
        note, queue = str(form.get("note") or ""), filters["queue"]
        try:
            await web.run(service.record, pair_id, session.name, value, note, queue=queue)
        except SwapsafeError as exc:
            raise HTTPException(400, str(exc)) from None
        return _redirect(review_url(filters, saved=pair_id))

    @guard()
    async def undo(request: Request, session: Session) -> Response:
        filters = _filters(await request.form())
        pair_id = await web.run(service.undo, session.name)
        if pair_id is None:
            return _redirect(review_url(filters, msg="Nothing to undo."))
        msg = f"Undone: your last action on pair {pair_id}; judge it again."
        return _redirect(review_url(filters, pair=pair_id, msg=msg))

    @guard()
    async def sample(request: Request, session: Session) -> Response:
        form = await request.form()
        filters = _filters(form)
        names, n, options = _sample_args(form, filters["queue"])
        try:
            rows = await web.run(service.sample, names, n, **options)
        except SwapsafeError as exc:
            raise HTTPException(400, str(exc)) from None
        return _redirect(review_url(filters, msg=f"Sampled {len(rows)} new pairs."))

    return [
        Route("/review", review, methods=["GET"]),
        Route("/review/verdict", verdict, methods=["POST"]),
        Route("/review/undo", undo, methods=["POST"]),
        Route("/review/sample", sample, methods=["POST"]),
        *review_results.routes(web, service),
    ]
