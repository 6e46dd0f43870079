"""The store: SQLite (embedded default) or PostgreSQL behind the small :class:`Store` protocol.

>>> store = open_store("sqlite:///swapsafe.db")   # migrates to the latest schema on first use
"""

from __future__ import annotations

from swapsafe.store.engine import mask_url
from swapsafe.store.protocol import Store
from swapsafe.store.records import (
    AuditEntry,
    Baseline,
    EvalResult,
    EvalRun,
    Mode,
    Plan,
    PlanEvent,
    RedteamFinding,
    RedteamRun,
    ReviewPair,
    ReviewVerdict,
    Role,
    RoutingState,
    TraceQuery,
    TraceRecord,
)
from swapsafe.store.sql_store import SqlStore, open_store

__all__ = [
    "AuditEntry",
    "Baseline",
    "EvalResult",
    "EvalRun",
    "Mode",
    "Plan",
    "PlanEvent",
    "RedteamFinding",
    "RedteamRun",
    "ReviewPair",
    "ReviewVerdict",
    "Role",
    "RoutingState",
    "SqlStore",
    "Store",
    "TraceQuery",
    "TraceRecord",
    "mask_url",
    "open_store",
]
