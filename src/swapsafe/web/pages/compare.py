"""Comparison grid: eval cases (or sampled shadow pairs) as rows, models as columns.

Every state is in the query string, so any view is a link: ``source`` (``evals`` or
``shadow``), ``workload``, ``run``, ``f`` (repeatable: ``failures``, ``flipped``,
``different``, ``errored``), ``q`` (search), ``page`` and ``case`` (jump to the page holding
that case and mark it). Rows are cut into pages on the server, so 2,000 cases render as 50.
``/compare/case?run=ID&case=CASE`` shows one case's outputs side by side, diffed as the review
page diffs answers. The grid logic is pure: :mod:`swapsafe.evals.grid`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from swapsafe.evals.cases import Case, DatasetError
from swapsafe.evals.datasets import load_cases
from swapsafe.evals.grid import FILTERS, Grid, eval_grid, page_of, page_with, select
from swapsafe.review.answerdiff import answer_diff
from swapsafe.store.records import EvalRun
from swapsafe.web.auth import Session, guard
from swapsafe.web.context import WebContext
from swapsafe.web.pages import compare_shadow

RUN_CHOICES = 30  # newest runs offered in the run picker
RUN_STATUS_WORDS = {"running": "running", "done": "finished", "failed": "failed"}


@dataclass(frozen=True)
class GridQuery:
    source: str
    workload: str | None
    run: int | None
    filters: tuple[str, ...]
    q: str
    page: int
    case: str | None

    def url(self, **change: Any) -> str:
        """This view's URL with some parameters changed (None drops one)."""
        values: dict[str, Any] = {
            "source": self.source if self.source != "evals" else None,
            "workload": self.workload,
            "run": self.run,
            "f": list(self.filters),
            "q": self.q or None,
            "page": self.page if self.page > 1 else None,
        }
        values.update(change)
        params = [(k, v) for k, v in values.items() if v not in (None, "", []) and k != "f"]
        params += [("f", f) for f in values.get("f") or []]
        return "/compare" + (f"?{urlencode(params)}" if params else "")


def _int(text: str | None, what: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise HTTPException(400, f"{what} must be a number, not {text!r}") from None


def grid_query(request: Request, workloads: Any) -> GridQuery:
    p = request.query_params
    source = p.get("source") or "evals"
    if source not in ("evals", "shadow"):
        raise HTTPException(400, "source is evals or shadow")
    workload = p.get("workload") or None
    if workload is not None and workload not in workloads:
        raise HTTPException(404, f"unknown workload {workload!r}")
    filters = tuple(dict.fromkeys(f for f in p.getlist("f") if f))
    unknown = [f for f in filters if f not in FILTERS]
    if unknown:
        raise HTTPException(400, f"unknown filter {unknown[0]!r}; use {', '.join(FILTERS)}")
    page = _int(p.get("page"), "page") or 1
    return GridQuery(
        source, workload, _int(p.get("run"), "run"), filters, p.get("q") or "", page, p.get("case")
    )


def case_text(case: Case) -> str:
    """What a case asks: its input text, its last user message, or (a system-only case, as
    OpenAI evals text samples are imported) its last message."""
    if isinstance(case.input, str):
        return case.input
    asked = [m for m in case.input if m.get("role") == "user"] or case.input
    if not asked:
        return ""
    content = asked[-1].get("content")
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return " ".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))


class GridSource:
    """Eval runs and their grids; the grids of finished runs are kept (they do not change)."""

    def __init__(self, web: WebContext) -> None:
        self.web = web
        #: (run id, status, finished at, golden file version) -> its grid: a run that changes
        #: state, or an edited golden file (the case inputs), builds it again
        self._grids: OrderedDict[tuple[Any, ...], Grid] = OrderedDict()
        self._inputs: dict[tuple[str, float], dict[str, str]] = {}

    def runs(self, workload: str | None) -> list[EvalRun]:
        return self.web.store.list_eval_runs(workload=workload, limit=RUN_CHOICES)

    def run(self, run_id: int) -> EvalRun | None:
        """Any eval run by id (deep links may point at old ones)."""
        return next(
            (r for r in self.web.store.list_eval_runs(limit=100_000) if r.id == run_id), None
        )

    def inputs(self, workload: str) -> tuple[tuple[str, float] | None, dict[str, str]]:
        """(the golden file's version, case id -> input text) of a workload."""
        wl = self.web.config.workloads.get(workload)
        if wl is None or wl.golden is None:
            return None, {}
        path = Path(wl.golden)
        try:
            key = (str(path), path.stat().st_mtime)
            if key not in self._inputs:
                self._inputs = {key: {c.id: case_text(c) for c in load_cases(path)}}
            return key, self._inputs[key]
        except (OSError, DatasetError):
            return None, {}  # the grid still shows ids and outputs

    def grid(self, run: EvalRun) -> Grid:
        assert run.id is not None
        version, inputs = self.inputs(run.workload)
        key = (run.id, run.status, run.finished_at, version)
        cached = self._grids.get(key)
        if cached is not None:
            return cached
        results = self.web.store.eval_results(run.id)
        built = eval_grid(results, run.models or [], inputs)
        if run.status != "running":
            self._grids[key] = built
            while len(self._grids) > 8:
                self._grids.popitem(last=False)
        return built


def _pick_run(runs: list[EvalRun], wanted: int | None) -> EvalRun | None:
    if wanted is None:
        return runs[0] if runs else None
    found = next((r for r in runs if r.id == wanted), None)
    if found is None:
        raise HTTPException(404, f"no eval run #{wanted} (for this workload)")
    return found


def eval_data(source: GridSource, query: GridQuery) -> dict[str, Any]:
    runs = source.runs(query.workload)
    if query.run is not None and all(r.id != query.run for r in runs):
        old = source.run(query.run)
        runs = [old, *runs] if old is not None else runs
    run = _pick_run(runs, query.run)
    if run is None:
        return {"run": None, "runs": runs}
    grid = source.grid(run)
    rows = select(grid.rows, query.filters, query.q)
    number = query.page
    if query.case:
        number = page_with(rows, query.case) or number
    page = page_of(rows, number)
    return {
        "run": run,
        "runs": runs,
        "columns": grid.columns,
        "page": page,
        "questions": {r.key: r.label for r in page.rows},
        "total_pairs": len(grid.rows),
    }


def routes(web: WebContext) -> list[BaseRoute]:
    source = GridSource(web)

    @guard()
    async def grid_page(request: Request, session: Session) -> Response:
        query = grid_query(request, web.config.workloads)
        if query.source == "shadow":
            data = await web.run(compare_shadow.shadow_data, web, query)
        else:
            data = await web.run(eval_data, source, query)
        common = {"query": query, "filters": FILTERS, "status_words": RUN_STATUS_WORDS}
        return web.render(request, "compare.html", {**common, **data})

    @guard()
    async def case_page(request: Request, session: Session) -> Response:
        run_id = _int(request.query_params.get("run"), "run")
        case_id = request.query_params.get("case") or ""
        run = await web.run(source.run, run_id) if run_id is not None else None
        if run is None:
            raise HTTPException(404, "give ?run=ID&case=CASE of an eval run")
        grid = await web.run(source.grid, run)
        row = next((r for r in grid.rows if r.key == case_id), None)
        if row is None:
            raise HTTPException(404, f"case {case_id!r} is not in eval run #{run.id}")
        first, last = row.cells[0], row.cells[-1]
        diff = answer_diff(first.output, last.output) if len(row.cells) > 1 else None
        back = GridQuery("evals", run.workload, run.id, (), "", 1, None).url(case=case_id)
        context = {"run": run, "grid": grid, "row": row, "diff": diff, "back": back}
        return web.render(request, "compare_case.html", context)

    return [
        Route("/compare", grid_page, methods=["GET"]),
        Route("/compare/case", case_page, methods=["GET"]),
    ]
