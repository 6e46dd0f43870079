"""Review results: win / tie / loss with CIs, per-reviewer counts, kappa, export, golden set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from swapsafe.exceptions import SwapsafeError
from swapsafe.review.export import export_rows, render
from swapsafe.review.golden import add_to_golden
from swapsafe.review.service import DEFAULT_QUEUE, ReviewService
from swapsafe.review.stats import (
    ReviewerCount,
    WinTieLoss,
    pair_verdicts,
    reviewer_counts,
    reviewer_kappa,
    win_tie_loss,
)
from swapsafe.review.verdicts import LABELS, judged
from swapsafe.stats import Kappa
from swapsafe.store.records import ReviewPair
from swapsafe.web.app import WebContext
from swapsafe.web.auth import Session, guard


@dataclass(frozen=True)
class Results:
    queue: str
    pairs: int
    rows: list[WinTieLoss]
    reviewers: list[ReviewerCount]
    kappa: Kappa
    reviewed: list[tuple[ReviewPair, str]]  # (pair, its verdict)


def results(service: ReviewService, queue: str) -> Results:
    pairs = service.queue(queue)
    in_queue = {p.pair_id: p for p in pairs}
    eff = {k: v for k, v in service.effective().items() if k[0] in in_queue}
    judgements = judged(eff)
    verdicts = pair_verdicts(judgements)
    return Results(
        queue=queue,
        pairs=len(pairs),
        rows=win_tie_loss(verdicts, {p.pair_id: p.workload for p in pairs}),
        reviewers=reviewer_counts(eff.values()),
        kappa=reviewer_kappa(judgements),
        reviewed=[(in_queue[pid], v) for pid, v in sorted(verdicts.items()) if pid in in_queue],
    )


def routes(web: WebContext, service: ReviewService) -> list[BaseRoute]:
    def queue_of(request: Request) -> str:
        return request.query_params.get("queue") or DEFAULT_QUEUE

    @guard()
    async def results_page(request: Request, session: Session) -> Response:
        data: Any = await web.run(results, service, queue_of(request))
        return web.render(
            request,
            "review_results.html",
            {
                "r": data,
                "labels": LABELS,
                "message": request.query_params.get("msg"),
                "golden_workloads": {
                    n for n, w in web.config.workloads.items() if w.golden is not None
                },
            },
        )

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
        pair_id = str(form.get("pair_id") or "")
        try:
            added = await web.run(add_to_golden, service, pair_id, actor=f"web:{session.name}")
        except SwapsafeError as exc:
            raise HTTPException(400, str(exc)) from None
        msg = f"added {added.case['id']} to {added.path.name}"
        return RedirectResponse("/review/results?" + urlencode({"msg": msg}), status_code=303)

    return [
        Route("/review/results", results_page, methods=["GET"]),
        Route("/review/export.{fmt}", export, methods=["GET"]),
        Route("/review/golden", golden, methods=["POST"]),
    ]
