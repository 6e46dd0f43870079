"""The series behind the report's time charts: golden pass rate per model per nightly run, and
served cost per day. Pass rates are :func:`swapsafe.evals.compare.summarize` (the one rule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from swapsafe.evals.compare import summarize

if TYPE_CHECKING:
    from swapsafe.store import Store

NIGHTS = 14


@dataclass(frozen=True)
class NightRate:
    """One model in one finished eval run: passed of n answered cases, 95 % Wilson bounds."""

    day: date
    run_id: int
    model: str
    passed: int
    n: int
    low: float
    high: float


def golden_nights(store: Store, workload: str, models: list[str]) -> list[NightRate]:
    """Pass rate per model of the last ``NIGHTS`` finished eval runs, oldest first."""
    out: list[NightRate] = []
    runs = [r for r in store.list_eval_runs(workload, limit=NIGHTS) if r.status == "done"]
    for run in reversed(runs):
        assert run.id is not None
        results = store.eval_results(run.id)
        for model in models:
            rows = [r for r in results if r.model == model]
            if not rows:
                continue
            s = summarize(model, rows)
            day = run.started_at.date()
            out.append(NightRate(day, run.id, model, s.passed, s.n, s.low, s.high))
    return out


def cost_days(
    store: Store, workload: str, since: datetime, until: datetime
) -> list[tuple[date, float]]:
    """Served cost in USD per UTC day (days where every priced call counts)."""
    rows = store.daily_cost(workload=workload, role="served", since=since, until=until)
    return [(d, usd) for d, usd, n in rows if n]
