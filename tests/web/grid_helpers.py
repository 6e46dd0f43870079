"""Seed eval runs for the comparison grid tests: a golden file and scored results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from swapsafe.config import Config
from swapsafe.store.protocol import Store
from swapsafe.store.records import EvalResult, EvalRun

FAILED = {"assertions": [{"passed": False, "reason": "the output lacks [billing]"}]}


def outcome_of(i: int) -> tuple[bool | None, bool | None, str | None]:
    """(old passed, new passed, new error) of case i: a fixed mix of every kind of row."""
    if i % 10 == 3:
        return True, False, None  # flipped: a regression
    if i % 10 == 7:
        return False, False, None  # both fail
    if i % 25 == 11:
        return True, None, "upstream timeout after 60 s"  # the new call errored
    return True, True, None


def seed_eval_run(
    store: Store, config: Config, cases: int, *, workload: str = "support", tag: str = "nightly"
) -> int:
    """An eval run of old vs new over ``cases`` golden cases (also written to the golden file)."""
    golden = config.workloads[workload].golden
    assert golden is not None
    lines = [
        orjson.dumps({"id": f"case-{i:04d}", "input": f"Question number {i}: where is my refund?"})
        for i in range(cases)
    ]
    golden.write_bytes(b"\n".join(lines) + b"\n")
    started = datetime.now(UTC) - timedelta(hours=1)
    run_id = store.create_eval_run(EvalRun(workload, started, tag=tag, models=["old", "new"]))
    rows = []
    for i in range(cases):
        old_ok, new_ok, error = outcome_of(i)
        case = f"case-{i:04d}"
        old_text = f"[billing] Your refund for order {i} is on its way."
        new_text = old_text if new_ok else f"Refund {i} pending, contact support."
        rows.append(
            EvalResult(run_id, case, "old", old_text, old_ok, scores=None if old_ok else FAILED)
        )
        rows.append(
            EvalResult(
                run_id,
                case,
                "new",
                None if error else new_text,
                new_ok,
                scores=None if new_ok or error else FAILED,
                error=error,
            )
        )
    store.add_eval_results(rows)
    store.finish_eval_run(run_id)
    return run_id
