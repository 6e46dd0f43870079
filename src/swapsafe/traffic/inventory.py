"""Inventory: which workloads call which model, how often, with what tokens, cost and latency.

Built from served trace rows (gateway traffic and imported logs) with one GROUP BY in SQL.
Shadow rows are kept apart (``Inventory.shadow``): they are extra calls swapsafe made, not
production traffic, so they never count towards volumes or cost.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from swapsafe.store.sql_compat import Compatibility
from swapsafe.store.sql_report import TrafficGroup
from swapsafe.traffic.importers.rows import map_model

if TYPE_CHECKING:
    from swapsafe.config import Config
    from swapsafe.store import Store

DAY = 86400.0


@dataclass(frozen=True)
class InventoryRow:
    workload: str
    model: str
    role: str
    requests: int
    requests_per_day: float
    input_tokens: int
    output_tokens: int
    input_tokens_per_request: float
    output_tokens_per_request: float
    cost_usd: float | None
    cost_per_day: float | None
    p95_latency_ms: float | None
    error_rate: float
    errors: int
    sources: str
    on_old_model: bool = False
    #: requests the model adapter changed / the model refused with a 4xx (store/sql_compat.py)
    adapted_share: float = 0.0
    refused_share: float = 0.0
    prompt_variants: dict[str, int] = field(default_factory=dict)  # digest -> requests


@dataclass(frozen=True)
class Inventory:
    since: datetime | None
    until: datetime
    days: float  # the period that per-day figures are divided by
    rows: list[InventoryRow]  # served traffic
    shadow: list[InventoryRow]  # shadow calls, excluded from the served figures
    old_model: str | None = None

    @property
    def on_old_model(self) -> list[str]:
        """Workloads whose served traffic still goes (partly) to the old model."""
        return sorted({r.workload for r in self.rows if r.on_old_model})

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat(),
            "days": self.days,
            "old_model": self.old_model,
            "on_old_model": self.on_old_model,
            "served": [asdict(r) for r in self.rows],
            "shadow": [asdict(r) for r in self.shadow],
        }


def _row(
    g: TrafficGroup, days: float, old_model: str | None, compat: Compatibility | None
) -> InventoryRow:
    n = max(g.requests, 1)
    return InventoryRow(
        workload=g.workload,
        model=g.model,
        role=g.role,
        requests=g.requests,
        requests_per_day=g.requests / days,
        input_tokens=g.input_tokens,
        output_tokens=g.output_tokens,
        input_tokens_per_request=g.input_tokens / n,
        output_tokens_per_request=g.output_tokens / n,
        cost_usd=g.cost_usd,
        cost_per_day=None if g.cost_usd is None else g.cost_usd / days,
        p95_latency_ms=g.p95_latency_ms,
        error_rate=g.errors / n,
        errors=g.errors,
        sources=g.sources,
        on_old_model=old_model is not None and g.model == old_model and g.role == "served",
        adapted_share=compat.adapted_share if compat else 0.0,
        refused_share=compat.refused_share if compat else 0.0,
        prompt_variants=dict(compat.variants) if compat else {},
    )


def build_inventory(
    config: Config | None,
    store: Store,
    *,
    since: timedelta | None = None,
    model: str | None = None,
    now: datetime | None = None,
) -> Inventory:
    """Inventory over the last ``since`` (all recorded traffic when None).

    Per-day figures divide by the window, or without one by the span between the first and
    last call (at least one day).
    """
    until = now or datetime.now(UTC)
    start = None if since is None else until - since
    upper = until if now is not None else None  # calls stamped "in the future" still count
    old = model
    if model is not None and config is not None:
        upstream = {m.model: name for name, m in config.models.items()}
        old = model if model in config.models else map_model(model, upstream)
    groups = store.groups(since=start, until=upper)
    if since is not None:
        days = since.total_seconds() / DAY
    else:
        firsts = [g.first_ts for g in groups if g.first_ts is not None]
        lasts = [g.last_ts for g in groups if g.last_ts is not None]
        span = (max(lasts) - min(firsts)).total_seconds() if firsts else 0.0
        days = max(span / DAY, 1.0)
    compat = store.compatibility(since=start, until=upper)
    rows = [_row(g, days, old, compat.get((g.workload, g.model, g.role))) for g in groups]
    return Inventory(
        since=start,
        until=until,
        days=days,
        rows=[r for r in rows if r.role == "served"],
        shadow=[r for r in rows if r.role != "served"],
        old_model=old,
    )


COLUMNS = (
    "workload",
    "model",
    "role",
    "requests",
    "requests_per_day",
    "input_tokens_per_request",
    "output_tokens_per_request",
    "cost_per_day",
    "p95_latency_ms",
    "error_rate",
    "on_old_model",
    "adapted_share",
    "refused_share",
)


def to_json(inv: Inventory) -> str:
    return orjson.dumps(inv.as_dict(), option=orjson.OPT_INDENT_2).decode()


def to_csv(inv: Inventory) -> str:
    """Served rows then shadow rows; the ``role`` column tells them apart."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in [*inv.rows, *inv.shadow]:
        values = asdict(r)
        writer.writerow(["" if values[c] is None else _csv_value(values[c]) for c in COLUMNS])
    return out.getvalue()


def _csv_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value).lower() if isinstance(value, bool) else str(value)
