"""Per-case export of an eval run: one row per case and model, as JSON lines or CSV.

A row: ``run_id``, ``workload``, ``case_id``, ``model``, ``input`` (the case's chat messages
as sent, with the workload's system prompt; empty when the golden file no longer holds the
case), ``output``, ``passed``, ``score``, ``errored``, ``error``, ``latency_ms``,
``input_tokens``, ``output_tokens``, ``cost_usd`` and ``assertions`` (each assertion's
type, passed, value and reason). CSV puts ``input`` and ``assertions`` in JSON cells and adds
one ``assert:<n>:<type>`` column per assertion position holding pass/fail.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from swapsafe.config import Config
from swapsafe.evals.cases import Case, DatasetError
from swapsafe.evals.datasets import load_cases, render_messages
from swapsafe.store.protocol import Store
from swapsafe.store.records import EvalResult, EvalRun

FORMATS = ("jsonl", "csv")
COLUMNS = (
    "run_id", "workload", "case_id", "model", "input", "output", "passed", "score", "errored",
    "error", "latency_ms", "input_tokens", "output_tokens", "cost_usd", "assertions",
)  # fmt: skip


def _assertions(result: EvalResult) -> list[dict[str, Any]]:
    rows = (result.scores or {}).get("assertions") or []
    return [
        {k: r.get(k) for k in ("type", "passed", "value", "reason")}
        for r in rows
        if isinstance(r, dict)
    ]


def export_rows(
    run: EvalRun,
    results: Sequence[EvalResult],
    cases: Sequence[Case],
    system_prompt: str | None = None,
) -> list[dict[str, Any]]:
    """The rows of ``run``, ordered by case (in golden-set order) then model."""
    by_id = {c.id: c for c in cases}
    order = {c.id: i for i, c in enumerate(cases)}
    rows = []
    for r in sorted(results, key=lambda r: (order.get(r.case_id, len(order)), r.case_id, r.model)):
        case = by_id.get(r.case_id)
        rows.append(
            {
                "run_id": run.id,
                "workload": run.workload,
                "case_id": r.case_id,
                "model": r.model,
                "input": render_messages(case, system_prompt) if case is not None else None,
                "output": r.output,
                "passed": r.passed,
                "score": r.score,
                "errored": r.error is not None,
                "error": r.error,
                "latency_ms": r.latency_ms,
                "input_tokens": r.input_tokens,
                "output_tokens": r.output_tokens,
                "cost_usd": r.cost_usd,
                "assertions": _assertions(r),
            }
        )
    return rows


def to_jsonl(rows: Sequence[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    return value


def to_csv(rows: Sequence[dict[str, Any]]) -> bytes:
    """CSV with the row columns plus one pass/fail column per assertion position."""
    extra: list[str] = []
    for row in rows:
        for i, a in enumerate(row["assertions"], start=1):
            name = f"assert:{i}:{a.get('type')}"
            if name not in extra:
                extra.append(name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*COLUMNS, *extra])
    for row in rows:
        marks = {
            f"assert:{i}:{a.get('type')}": "pass" if a.get("passed") else "fail"
            for i, a in enumerate(row["assertions"], start=1)
        }
        writer.writerow([*(_cell(row[c]) for c in COLUMNS), *(marks.get(e, "") for e in extra)])
    return buffer.getvalue().encode("utf-8")


def render_export(rows: Sequence[dict[str, Any]], fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f'unknown export format "{fmt}"; use {" or ".join(FORMATS)}')
    return to_jsonl(rows) if fmt == "jsonl" else to_csv(rows)


def find_run(store: Store, run_id: int) -> EvalRun | None:
    return next((r for r in store.list_eval_runs(limit=1_000_000) if r.id == run_id), None)


def export_run(config: Config, store: Store, run_id: int, fmt: str) -> bytes:
    """The export of stored run ``run_id`` (cases read back from the run's golden file)."""
    run = find_run(store, run_id)
    if run is None:
        raise DatasetError(f"no eval run {run_id}; see swapsafe eval list")
    golden = (run.settings or {}).get("golden")
    cases: list[Case] = []
    if golden and Path(golden).is_file():
        cases = load_cases(golden)
    workload = config.workloads.get(run.workload)
    system = workload.system_prompt_text() if workload is not None else None
    rows = export_rows(run, store.eval_results(run_id), cases, system)
    return render_export(rows, fmt)
