"""The comparison grid over sampled shadow pairs: one row per pair, old and new as columns.

Shadow pairs have no reference answer, so a cell's pass / fail is the reviewers' verdict on
the pair (its one verdict by :func:`swapsafe.review.stats.pair_verdicts`): "new better" is a
pass for new and a fail for old, "same" a pass for both, "both bad" a fail for both; a pair
nobody judged yet is "not judged". A side whose call failed is "errored" whatever the verdict.
A column's pass rate is over its judged, answered pairs, with the Wilson interval of
:func:`swapsafe.stats.pass_rate`. "Different outputs" is the one shadow agreement
(:attr:`swapsafe.review.agreement.Agreement.agree`) as stored when the pair was sampled.
Search matches the pair id, the workload, the disagreement kinds and reviewers' notes.
"""

from __future__ import annotations

from typing import Any

from swapsafe import stats
from swapsafe.evals.compare import ModelSummary
from swapsafe.evals.grid import Cell, Column, Outcome, Row, page_of, page_with, select
from swapsafe.review.pairs import request_context
from swapsafe.review.service import ReviewService
from swapsafe.review.stats import pair_verdicts
from swapsafe.review.verdicts import BOTH_BAD, NEW_BETTER, OLD_BETTER, SAME, effective, judged
from swapsafe.store.records import ReviewPair
from swapsafe.web.context import WebContext
from swapsafe.web.pages.review_view import KIND_WORDS

#: verdict -> (old side, new side)
VERDICT_OUTCOMES: dict[str, tuple[Outcome, Outcome]] = {
    OLD_BETTER: ("pass", "fail"),
    NEW_BETTER: ("fail", "pass"),
    SAME: ("pass", "pass"),
    BOTH_BAD: ("fail", "fail"),
}


def _sides_ok(d: dict[str, Any]) -> tuple[bool, bool]:
    if "old_ok" in d:
        return bool(d["old_ok"]), bool(d["new_ok"])
    if d.get("both_ok", True):
        return True, True
    one_failed = "error" in (d.get("types") or [])
    return (True, False) if one_failed else (False, False)  # older samples: not which side


def shadow_row(pair: ReviewPair, verdict: str | None, notes: str) -> Row:
    d = pair.disagreement or {}
    old_ok, new_ok = _sides_ok(d)
    outcomes: tuple[Outcome, Outcome] = VERDICT_OUTCOMES.get(verdict or "", ("unjudged",) * 2)
    cells = tuple(
        Cell(outcome if ok else "errored")
        for ok, outcome in zip((old_ok, new_ok), outcomes, strict=True)
    )
    kinds = " ".join(KIND_WORDS.get(k, k) for k in d.get("types") or [])
    label = " ".join(x for x in (pair.workload, kinds, notes) if x)
    return Row(pair.pair_id, label, cells, differs=bool(kinds))


def _column(name: str, cells: list[Cell]) -> Column:
    judged_cells = [c for c in cells if c.outcome in ("pass", "fail")]
    rate = stats.pass_rate([c.outcome == "pass" for c in judged_cells])
    errors = sum(1 for c in cells if c.outcome == "errored")
    summary = ModelSummary(name, rate.n, rate.passed, rate.low, rate.high, errors, *(None,) * 4)
    return Column(name, name, summary)


def _question(service: ReviewService, pair_id: str) -> str:
    pair = service.pair(pair_id)
    if pair is None:
        return ""
    context = request_context(pair.request_body, pair.inbound_wire)
    if context is None:
        return ""
    _, last = context.split_last_user()
    return last.text if last is not None else ""


def shadow_data(web: WebContext, query: Any) -> dict[str, Any]:
    service = ReviewService(web.store, web.config)
    pairs = list({p.pair_id: p for p in service.queue(workload=query.workload)}.values())
    eff = effective(service.verdict_rows())
    verdicts = pair_verdicts(judged(eff))
    notes: dict[str, list[str]] = {}
    for (pair_id, _), action in eff.items():
        if action.note:
            notes.setdefault(pair_id, []).append(action.note)
    rows = [
        shadow_row(p, verdicts.get(p.pair_id), " ".join(notes.get(p.pair_id, []))) for p in pairs
    ]
    names = _model_names(web, query.workload)
    columns = tuple(_column(n, [r.cells[i] for r in rows]) for i, n in enumerate(names))
    chosen = select(rows, query.filters, query.q)
    number = (page_with(chosen, query.case) if query.case else None) or query.page
    page = page_of(chosen, number)
    questions = {r.key: _question(service, r.key) for r in page.rows}
    return {
        "run": None,
        "runs": [],
        "shadow": True,
        "columns": columns,
        "page": page,
        "questions": questions,
        "total_pairs": len(rows),
    }


def _model_names(web: WebContext, workload: str | None) -> tuple[str, str]:
    wl = web.config.workloads.get(workload or "") if workload else None
    if wl is None and len(web.config.workloads) == 1:
        wl = next(iter(web.config.workloads.values()))
    if wl is None:
        return ("old model", "new model")
    return (f"old: {wl.baseline}", f"new: {wl.candidate or 'candidate'}")
