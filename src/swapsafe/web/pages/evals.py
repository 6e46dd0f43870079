"""Eval runs: ``/evals/{run_id}`` (a summary with the download links) and the downloads
``/evals/{run_id}/export.jsonl`` and ``.csv`` (see ``swapsafe.evals.export``)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from swapsafe.evals.cases import DatasetError
from swapsafe.evals.export import FORMATS, export_run, find_run
from swapsafe.store.protocol import Store
from swapsafe.web.auth import Session, guard
from swapsafe.web.context import WebContext

_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True)
class ModelTally:
    name: str
    cases: int
    passed: int
    errored: int


def tallies(store: Store, run_id: int) -> list[ModelTally]:
    rows = store.eval_results(run_id)
    names = sorted({r.model for r in rows})
    return [
        ModelTally(
            name,
            sum(r.model == name for r in rows),
            sum(r.model == name and bool(r.passed) and r.error is None for r in rows),
            sum(r.model == name and r.error is not None for r in rows),
        )
        for name in names
    ]


def routes(web: WebContext) -> list[BaseRoute]:
    @guard()
    async def download(request: Request, session: Session) -> Response:
        run_id, fmt = int(request.path_params["run_id"]), request.path_params["fmt"]
        if fmt not in FORMATS:
            raise HTTPException(404)
        try:
            data = await web.run(export_run, web.config, web.store, run_id, fmt)
        except DatasetError as exc:
            raise HTTPException(404, str(exc)) from None
        name = f"eval-run-{run_id}.{fmt}"
        return Response(
            data,
            media_type=_TYPES[fmt],
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @guard()
    async def run_page(request: Request, session: Session) -> Response:
        run_id = int(request.path_params["run_id"])
        run = await web.run(find_run, web.store, run_id)
        if run is None:
            raise HTTPException(404, f"no eval run {run_id}")
        models = await web.run(tallies, web.store, run_id)
        return web.render(request, "eval_run.html", {"run": run, "models": models})

    return [
        Route("/evals/{run_id:int}", run_page, methods=["GET"]),
        Route("/evals/{run_id:int}/export.{fmt}", download, methods=["GET"]),
    ]
