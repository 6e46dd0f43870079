"""Review results: win / tie / loss with CIs, reviewers, kappa, export, and the reviewed pairs
with a preview of each (the question and both answers) and a bulk "add to golden set"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from swapsafe.evals.grid import page_of
from swapsafe.exceptions import SwapsafeError
from swapsafe.review.export import export_rows, render
from swapsafe.review.golden import add_to_golden, case_id_of, golden_ids
from swapsafe.review.pairs import parse_answer, request_context
from swapsafe.review.service import DEFAULT_QUEUE, ReviewService
from swapsafe.review.stats import (
    ReviewerCount,
    WinTieLoss,
    pair_verdicts,
    reviewer_counts,
    reviewer_kappa,
    win_tie_loss,
)
from swapsafe.review.verdicts import BOTH_BAD, LABELS, judged
from swapsafe.stats import Kappa
from swapsafe.store.records import ReviewPair, TraceRecord
from swapsafe.web.auth import Session, guard
from swapsafe.web.context import WebContext

PAGE_SIZE = 50
PREVIEW_CHARS = 180
MAX_BULK = 1000


@dataclass(frozen=True)
class Preview:
    question: str
    old: str
    new: str


@dataclass(frozen=True)
class Reviewed:
    pair: ReviewPair
    verdict: str
    preview: Preview | None
    golden: str  # "eligible", "added" (already in the file), or why it cannot be added


@dataclass(frozen=True)
class Results:
    queue: str
    pairs: int
    rows: list[WinTieLoss]
    reviewers: list[ReviewerCount]
    kappa: Kappa
    reviewed: list[Reviewed]
    page: int
    pages: int
    total_reviewed: int


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def _answer(row: TraceRecord) -> str:
    answer = parse_answer(row)
    if answer is None:
        return "(no answer)"
    calls = ", ".join(f"{c.name}(…)" for c in answer.tool_calls)
    return _short(answer.text or (f"called {calls}" if calls else "(empty answer)"))


def preview(service: ReviewService, pair_id: str) -> Preview | None:
    pair = service.pair(pair_id)
    if pair is None:
        return None
    context = request_context(pair.request_body, pair.inbound_wire)
    last = context.split_last_user()[1] if context is not None else None
    question = _short(last.text) if last is not None else "(request not recorded)"
    return Preview(question, _answer(pair.old), _answer(pair.new))


def golden_state(
    service: ReviewService, pair: ReviewPair, verdict: str, ids: dict[Path, set[str]]
) -> str:
    """ "eligible", "added", or why the pair cannot be added (``ids``: a cache of file ids)."""
    workload = service.config.workloads.get(pair.workload)
    if workload is None or workload.golden is None:
        return f"{pair.workload} has no golden set"
    if verdict == BOTH_BAD:
        return "both bad: no reference"
    path = Path(workload.golden)
    if path not in ids:
        ids[path] = golden_ids(path)
    return "added" if case_id_of(pair.pair_id) in ids[path] else "eligible"


def results(service: ReviewService, queue: str, page: int = 1) -> Results:
    pairs = service.queue(queue)
    in_queue = {p.pair_id: p for p in pairs}
    eff = {k: v for k, v in service.effective().items() if k[0] in in_queue}
    judgements = judged(eff)
    verdicts = pair_verdicts(judgements)
    ordered = [(pid, v) for pid, v in sorted(verdicts.items()) if pid in in_queue]
    cut = page_of(ordered, page, PAGE_SIZE)
    ids: dict[Path, set[str]] = {}
    shown = [
        Reviewed(
            in_queue[pid], v, preview(service, pid), golden_state(service, in_queue[pid], v, ids)
        )
        for pid, v in cut.rows
    ]
    return Results(
        queue=queue,
        pairs=len(pairs),
        rows=win_tie_loss(verdicts, {p.pair_id: p.workload for p in pairs}),
        reviewers=reviewer_counts(eff.values()),
        kappa=reviewer_kappa(judgements),
        reviewed=shown,
        page=cut.number,
        pages=cut.pages,
        total_reviewed=len(ordered),
    )


def add_many(
    service: ReviewService, pair_ids: list[str], actor: str
) -> tuple[list[str], list[str]]:
    """Add each pair to its golden set; (case ids added, one line per pair refused)."""
    added, refused = [], []
    for pair_id in pair_ids:
        try:
            added.append(str(add_to_golden(service, pair_id, actor=actor).case["id"]))
        except SwapsafeError as exc:
            refused.append(f"{pair_id}: {exc}")
    return added, refused


def routes(web: WebContext, service: ReviewService) -> list[BaseRoute]:
    def queue_of(request: Request) -> str:
        return request.query_params.get("queue") or DEFAULT_QUEUE

    @guard()
    async def results_page(request: Request, session: Session) -> Response:
        try:
            page = int(request.query_params.get("page") or "1")
        except ValueError:
            raise HTTPException(400, "page must be a number") from None
        data: Any = await web.run(results, service, queue_of(request), page)
        context = {"r": data, "labels": LABELS, "message": request.query_params.get("msg")}
        return web.render(request, "review_results.html", context)

    @guard()
    async def export(request: Request, session: Session) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in ("csv", "jsonl"):
            raise HTTPException(404, "export as .csv or .jsonl")
        workload = request.query_params.get("workload") or None
        rows = await web.run(export_rows, service, queue=queue_of(request), workload=workload)
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
        return StreamingResponse(
            render(rows, fmt),
            media_type=media,
            headers={"content-disposition": f'attachment; filename="review-verdicts.{fmt}"'},
        )

    @guard()
    async def golden(request: Request, session: Session) -> Response:
        form = await request.form()
        pair_ids = list(dict.fromkeys(str(v) for v in form.getlist("pair_id") if v))
        if not pair_ids or len(pair_ids) > MAX_BULK:
            raise HTTPException(400, f"choose between 1 and {MAX_BULK} reviewed pairs")
        added, refused = await web.run(add_many, service, pair_ids, f"web:{session.name}")
        if not added:
            raise HTTPException(400, "nothing was added: " + "; ".join(refused))
        names = ", ".join(added[:5]) + (f" and {len(added) - 5} more" if len(added) > 5 else "")
        msg = f"Added {len(added)} case{'s' if len(added) != 1 else ''} to the golden set: {names}."
        if refused:
            msg += f" Not added ({len(refused)}): " + "; ".join(refused[:5])
        return RedirectResponse("/review/results?" + urlencode({"msg": msg}), status_code=303)

    return [
        Route("/review/results", results_page, methods=["GET"]),
        Route("/review/export.{fmt}", export, methods=["GET"]),
        Route("/review/golden", golden, methods=["POST"]),
    ]
