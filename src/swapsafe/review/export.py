"""Export review verdicts as CSV or JSONL (one row per standing judgement or skip)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import orjson

from swapsafe.review.service import DEFAULT_QUEUE, ReviewService

FORMATS = ("csv", "jsonl")
COLUMNS = (
    "pair_id",
    "workload",
    "reviewer",
    "verdict",
    "note",
    "ts",
    "old_model",
    "new_model",
    "disagreements",
)


def export_rows(
    service: ReviewService, *, queue: str = DEFAULT_QUEUE, workload: str | None = None
) -> list[dict[str, Any]]:
    """Standing actions on the queue's pairs, in queue order then by reviewer."""
    eff = service.effective()
    by_pair: dict[str, list[Any]] = {}
    for e in eff.values():
        by_pair.setdefault(e.pair_id, []).append(e)
    rows = []
    for qp in service.queue(queue, workload):
        actions = sorted(by_pair.get(qp.pair_id, []), key=lambda e: e.reviewer)
        if not actions:
            continue
        pair = service.pair(qp.pair_id)
        for e in actions:
            rows.append(
                {
                    "pair_id": qp.pair_id,
                    "workload": qp.workload,
                    "reviewer": e.reviewer,
                    "verdict": e.verdict,
                    "note": e.note or "",
                    "ts": e.ts.isoformat() if e.ts else "",
                    "old_model": pair.old.model if pair else "",
                    "new_model": pair.new.model if pair else "",
                    "disagreements": " ".join((qp.disagreement or {}).get("types") or []),
                }
            )
    return rows


def render(rows: list[dict[str, Any]], fmt: str) -> Iterator[str]:
    """The export as text chunks in ``fmt`` ("csv" or "jsonl")."""
    if fmt == "jsonl":
        for row in rows:
            yield orjson.dumps(row).decode() + "\n"
        return
    if fmt != "csv":
        raise ValueError(f"unknown format {fmt!r}; use csv or jsonl")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        # spreadsheet formula injection: a leading = + - @ is neutralised
        writer.writerow({k: _cell(v) for k, v in row.items()})
    yield buf.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
