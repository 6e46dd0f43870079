""" "Add to golden set": a reviewed pair's better answer becomes a golden-set case.

The case appended to the workload's golden JSONL file::

    {"id": "review-<pair_id>", "input": [messages], "ideal": "<better answer>",
     "metadata": {"source": "review", "pair_id": ..., "verdict": ..., "model": ..., ...}}

``new_better`` takes the new model's answer; ``old_better`` and ``same`` take the old one;
``both_bad`` (or no verdict) is refused. A case id already in the file is refused too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from swapsafe.review.pairs import parse_answer, request_context
from swapsafe.review.service import ReviewError, ReviewService
from swapsafe.review.stats import pair_verdicts
from swapsafe.review.verdicts import BOTH_BAD, NEW_BETTER, judged


@dataclass(frozen=True)
class GoldenAdded:
    path: Path
    case: dict[str, Any]


def golden_ids(path: Path) -> set[str]:
    """The case ids already in a golden JSONL file (empty when it cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return set()
    return _ids(text)


def case_id_of(pair_id: str) -> str:
    """The golden-set case id a reviewed pair is added under."""
    return f"review-{pair_id}"


def _ids(text: str) -> set[str]:
    ids = set()
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict) and "id" in value:
            ids.add(str(value["id"]))
    return ids


def add_to_golden(service: ReviewService, pair_id: str, *, actor: str) -> GoldenAdded:
    """Append the pair as a case to its workload's golden JSONL file."""
    pair = service.pair(pair_id)
    if pair is None:
        raise ReviewError(f"pair {pair_id!r} has no served + shadow traces")
    workload = service.config.workloads.get(pair.workload)
    if workload is None or workload.golden is None:
        raise ReviewError(f"workload {pair.workload!r} has no golden file ([workloads] golden)")
    path = Path(workload.golden)
    if path.suffix.lower() != ".jsonl":
        raise ReviewError(f"{path.name}: only JSONL golden sets can be appended to")
    judgements = [e for e in judged(service.effective()) if e.pair_id == pair_id]
    verdict = pair_verdicts(judgements).get(pair_id)
    if verdict is None:
        raise ReviewError("review the pair first: the verdict says which answer is better")
    if verdict == BOTH_BAD:
        raise ReviewError("both answers were judged bad: write the reference by hand")
    better = pair.new if verdict == NEW_BETTER else pair.old
    answer = parse_answer(better)
    context = request_context(pair.request_body, pair.inbound_wire)
    if answer is None or context is None:
        raise ReviewError("this pair has no readable request or answer body")
    case_id = case_id_of(pair_id)
    if case_id in golden_ids(path):
        raise ReviewError(f"{case_id} is already in {path.name}")
    case: dict[str, Any] = {
        "id": case_id,
        "input": context.as_input(),
        "ideal": answer.text,
        "metadata": {
            "source": "review",
            "pair_id": pair_id,
            "workload": pair.workload,
            "verdict": verdict,
            "model": better.model,
            "reviewers": sorted({e.reviewer for e in judgements}),
            "added_by": actor,
        },
    }
    if answer.tool_calls:
        case["metadata"]["tool_calls"] = [
            {"name": c.name, "arguments": c.arguments} for c in answer.tool_calls
        ]
    data = path.read_bytes()
    with path.open("ab") as f:
        if data and not data.endswith(b"\n"):
            f.write(b"\n")
        f.write(orjson.dumps(case) + b"\n")
        f.flush()
        os.fsync(f.fileno())
    service.store.add_audit(
        actor=actor,
        action="review.golden_add",
        workload=pair.workload,
        before=None,
        after={"case_id": case_id, "file": path.name},
        reason="added from human review",
    )
    return GoldenAdded(path, case)
