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
from swapsafe.store.records import RecentUsage, TraceQuery

WINDOW = timedelta(days=7)
_RATE_TRACES = 10_000  # newest traces per workload or model that give the request rate
_MIN_SPAN = 1 / 24  # days: a burst of 10,000 within a minute is priced as an hour's traffic


def observed_volume(
    store: Store,
    now: datetime,
    *,
    workloads: Iterable[str] = (),
    models: Iterable[str] = (),
) -> Volume | None:
    """Served requests per day and average tokens over the last 7 days, or None without traffic.

    Filters by ``workloads`` when given, else by ``models``. Each workload or model reads its
    newest 10,000 served traces of the window (one aggregate over one index range): fewer
    means all of them, and its day count is their span (1 to 7 days); 10,000 means busy
    traffic, and its rate is 10,000 over the time they took, so a page never counts a week of
    a busy store. Token averages are over the same traces.
    """
    since = now - WINDOW
    chosen = list(workloads)
    by_workload = bool(chosen)
    names = chosen if by_workload else list(models)
    total, per_day, span = 0, 0.0, 0.0
    used: list[RecentUsage] = []
    for name in names:
        query = TraceQuery(
            workload=name if by_workload else None,
            model=None if by_workload else name,
            role="served",
            since=since,
            until=now,
            limit=_RATE_TRACES,
            real_only=True,
        )
        usage = store.recent_usage(query)
        if not usage.traces or usage.oldest is None:
            continue
        days = (now - usage.oldest) / timedelta(days=1)
        if usage.traces < _RATE_TRACES:  # all of the window's traffic: 1 to 7 days
            days = min(max(days, 1.0), WINDOW / timedelta(days=1))
        days = max(days, _MIN_SPAN)
        total, per_day, span = total + usage.traces, per_day + usage.traces / days, max(span, days)
        used.append(usage)
    if not total:
        return None
    n = sum(u.with_tokens for u in used) or 1
    return Volume(
        requests_per_day=per_day,
        input_tokens=sum(u.input_tokens for u in used) / n,
        output_tokens=sum(u.output_tokens for u in used) / n,
        cached_tokens=sum(u.cached_tokens for u in used) / n,
        source=f"observed: {total:,} requests in the last {span:.1f} days",
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
