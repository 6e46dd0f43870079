"""A migration's scenario and projected cost change at the traffic the store observed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from swapsafe.config import Config
from swapsafe.exceptions import ConfigError
from swapsafe.plan.scenarios import (
    ModelInfo,
    Projection,
    Scenario,
    Volume,
    classify,
    config_names,
    price_of,
    project,
    resolve_model,
)
from swapsafe.pricing import PriceBook
from swapsafe.store.protocol import Store
from swapsafe.store.records import TraceQuery, TraceRecord

WINDOW = timedelta(days=7)
_SAMPLE = 2000


def observed_volume(
    store: Store,
    now: datetime,
    *,
    workloads: Iterable[str] = (),
    models: Iterable[str] = (),
) -> Volume | None:
    """Served requests per day and average tokens over the last 7 days, or None without traffic.

    Filters by ``workloads`` when given, else by ``models``. Token averages come from the newest
    2000 traces of each workload or model; the day count is the observed span (1 to 7 days).
    """
    since = now - WINDOW
    chosen = list(workloads)
    by_workload = bool(chosen)
    names = chosen if by_workload else list(models)
    total, oldest = 0, now
    sample: list[TraceRecord] = []

    def query(name: str, limit: int, order: str = "asc") -> TraceQuery:
        return TraceQuery(
            workload=name if by_workload else None,
            model=None if by_workload else name,
            role="served",
            since=since,
            until=now,
            limit=limit,
            extra={"order": order},
            real_only=True,
        )

    for name in names:
        count = store.count_traces(query(name, 1))
        if not count:
            continue
        total += count
        sample += store.query_traces(query(name, _SAMPLE, "desc"))
        oldest = min(oldest, store.query_traces(query(name, 1))[0].ts)
    if not total:
        return None
    days = min(max((now - oldest) / timedelta(days=1), 1.0), 7.0)
    with_tokens = [t for t in sample if t.input_tokens is not None or t.output_tokens is not None]
    n = len(with_tokens) or 1
    return Volume(
        requests_per_day=total / days,
        input_tokens=sum(t.input_tokens or 0 for t in with_tokens) / n,
        output_tokens=sum(t.output_tokens or 0 for t in with_tokens) / n,
        cached_tokens=sum(t.cached_tokens or 0 for t in with_tokens) / n,
        source=f"observed: {total:,} requests in the last {days:.1f} days",
    )


@dataclass(frozen=True)
class Outlook:
    """Which scenarios fit a model pair and what the swap costs at a volume."""

    old: ModelInfo
    new: ModelInfo
    scenarios: tuple[Scenario, ...]
    projection: Projection | None
    problem: str | None  # why there is no projection (unknown price, no traffic)


def outlook(
    store: Store | None,
    config: Config | None,
    *,
    from_model: str,
    to_model: str,
    now: datetime,
    workloads: Iterable[str] = (),
    volume: Volume | None = None,
    book: PriceBook | None = None,
) -> Outlook:
    """Scenarios for the pair and the projected cost at ``volume`` or the observed traffic."""
    book = book or PriceBook()
    old, new = resolve_model(from_model, config), resolve_model(to_model, config)
    scenarios = tuple(classify(old, new, price_of(old, book), price_of(new, book)))
    if volume is None and store is not None:
        names = list(workloads)
        models = () if names else config_names(from_model, config)
        volume = observed_volume(store, now, workloads=names, models=models)
    if volume is None:
        problem = (
            "no traffic in the last 7 days to project from; give a volume: "
            "--requests-per-day N --input-tokens N --output-tokens N"
        )
        return Outlook(old, new, scenarios, None, problem)
    try:
        return Outlook(old, new, scenarios, project(old, new, volume, book), None)
    except ConfigError as exc:
        return Outlook(old, new, scenarios, None, str(exc))
