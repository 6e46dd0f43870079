"""Eval run downloads: ``/evals/{run_id}/export.jsonl`` and ``.csv`` (see ``evals.export``)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from swapsafe.evals.datasets import DatasetError
from swapsafe.evals.export import FORMATS, export_run
from swapsafe.web.app import WebContext
from swapsafe.web.auth import Session, guard

_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


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

    return [Route("/evals/{run_id:int}/export.{fmt}", download, methods=["GET"])]
