"""Rollback rehearsal against live gateway replicas: flip a small canary, roll it back, and
measure how long each replica takes to serve only the baseline again.

1. set a small canary (``RoutingService``, actor ``rehearsal``) and wait until every replica
   serves the candidate to the probe users (synthetic requests marked
   ``x-swapsafe-synthetic: rehearsal``, ``x-swapsafe-user`` chosen to land on the candidate);
2. roll back and poll every replica until all probe users are served by the baseline;
3. restore the previous routing state and record ``rollback.rehearsal`` in the audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from swapsafe.config import Config, WorkloadConfig
from swapsafe.exceptions import SwapsafeError
from swapsafe.gateway.router import bucket
from swapsafe.rollout.state import RolloutError
from swapsafe.routing.service import RoutingService
from swapsafe.store.protocol import Store
from swapsafe.store.records import RoutingState

ACTOR = "rehearsal"
RESTORE_ACTOR = "rehearsal:restore"
POLL = 0.02


@dataclass
class ReplicaTiming:
    url: str
    ms: float | None
    error: str | None = None


@dataclass
class Rehearsal:
    ok: bool
    replicas: list[ReplicaTiming]
    max_ms: float | None
    message: str
    restored: dict[str, Any] = field(default_factory=dict)


def probe_users(workload: str, weight: float, n: int) -> list[str]:
    """``n`` sticky keys that land on the candidate at ``weight`` percent."""
    users: list[str] = []
    i = 0
    while len(users) < n:
        user = f"swapsafe-rehearsal-{i}"
        if bucket(workload, user) < weight * 100:
            users.append(user)
        i += 1
    return users


class _Prober:
    def __init__(self, config: Config, workload: str, client: httpx.AsyncClient) -> None:
        wl = config.workloads[workload]
        self.workload = workload
        self.alias = wl.aliases[0] if wl.aliases else workload
        keys = config.gateway.client_keys
        self.headers = {"x-swapsafe-workload": workload, "x-swapsafe-synthetic": "rehearsal"}
        if keys:
            self.headers["authorization"] = f"Bearer {keys[0].reveal()}"
        self.client = client

    async def served_by(self, url: str, user: str) -> str:
        r = await self.client.post(
            url.rstrip("/") + "/v1/chat/completions",
            headers={**self.headers, "x-swapsafe-user": user},
            json={
                "model": self.alias,
                "max_tokens": 1,
                "messages": [{"role": "user", "content": "swapsafe rollback rehearsal"}],
            },
        )
        served: str | None = r.headers.get("x-swapsafe-served-by")
        if served is None:
            raise RolloutError(f"{url} answered HTTP {r.status_code} without x-swapsafe-served-by")
        return served

    async def wait_for(
        self, url: str, users: list[str], want: str, limit: float, started: float
    ) -> ReplicaTiming:
        while True:
            try:
                seen = await asyncio.gather(*(self.served_by(url, u) for u in users))
            except (httpx.HTTPError, RolloutError) as exc:
                return ReplicaTiming(url, None, f"{type(exc).__name__}: {exc}"[:200])
            elapsed = time.perf_counter() - started
            if all(s == want for s in seen):
                return ReplicaTiming(url, round(elapsed * 1000, 1))
            if elapsed > limit:
                return ReplicaTiming(
                    url, None, f"still serving {sorted(set(seen) - {want})} after {limit:g} s"
                )
            await asyncio.sleep(POLL)


async def rehearse(
    config: Config,
    store: Store,
    workload: str,
    gateways: list[str],
    *,
    limit: float = 10.0,
    weight: float = 10.0,
    probes: int = 4,
    client: httpx.AsyncClient | None = None,
) -> Rehearsal:
    """Rehearse a rollback of ``workload`` on every replica URL in ``gateways``."""
    wl = _rehearsable(config, store, workload, gateways)
    assert wl.candidate is not None  # checked by _rehearsable
    routing = RoutingService(
        store, {n: w.candidate is not None for n, w in config.workloads.items()}
    )
    previous = routing.get(workload)
    users = probe_users(workload, weight, probes)
    own = client is None
    http = client or httpx.AsyncClient(timeout=max(limit, 5.0))
    prober = _Prober(config, workload, http)
    try:
        routing.set(
            workload,
            mode="canary",
            weight=weight,
            actor=ACTOR,
            reason=f"rollback rehearsal: {weight:g}% canary",
        )
        try:
            timings = await _canary_then_rollback(
                store, routing, prober, gateways, users, (wl.candidate, wl.baseline), limit
            )
        finally:
            restored = _restore(routing, workload, previous)
    finally:
        if own:
            await http.aclose()
    if isinstance(timings, Rehearsal):
        return timings
    slow = [t for t in timings if t.ms is None]
    if slow:
        detail = "; ".join(f"{t.url}: {t.error}" for t in slow)
        return _failed(
            store,
            workload,
            timings,
            f"{len(slow)} of {len(timings)} replica(s) did not converge to "
            f"{wl.baseline} within {limit:g} s ({detail})",
        )
    max_ms = _record(store, workload, timings, len(users), weight)
    state = {"mode": restored.mode, "weight": restored.weight, "shadow": restored.shadow}
    return Rehearsal(
        True,
        timings,
        max_ms,
        f"every replica served only {wl.baseline} {max_ms:.0f} ms after the rollback",
        state,
    )


def _restore(routing: RoutingService, workload: str, previous: RoutingState) -> RoutingState:
    return routing.set(
        workload,
        mode=previous.mode,
        weight=previous.weight,
        shadow=previous.shadow,
        actor=RESTORE_ACTOR,
        reason="rollback rehearsal: restore the previous state",
    )


def _rehearsable(
    config: Config, store: Store, workload: str, gateways: list[str]
) -> WorkloadConfig:
    """The workload's config, when a rehearsal may run now; a RolloutError saying why not."""
    wl = config.workloads.get(workload)
    if wl is None:
        raise RolloutError(f"unknown workload {workload!r}")
    if wl.candidate is None:
        raise RolloutError(f"workload {workload} has no candidate model to roll back from")
    if not gateways:
        raise RolloutError("give at least one gateway URL (--gateway http://HOST:PORT)")
    current = store.get_rollout(workload)
    if current is not None and current.active:
        raise RolloutError(
            f"a rollout of {workload} is {current.status}; rehearse before `rollout start` "
            "or after it is done"
        )
    return wl


async def _canary_then_rollback(
    store: Store,
    routing: RoutingService,
    prober: _Prober,
    gateways: list[str],
    users: list[str],
    models: tuple[str, str],
    limit: float,
) -> list[ReplicaTiming] | Rehearsal:
    """Wait until every replica serves the canary (``models[0]``), roll back, and time how
    long each takes to serve only the baseline (``models[1]``); a failed Rehearsal when the
    canary never went live."""
    candidate, baseline = models
    workload = prober.workload
    started = time.perf_counter()
    live = await asyncio.gather(
        *(prober.wait_for(u, users, candidate, limit, started) for u in gateways)
    )
    stuck = [r for r in live if r.ms is None]
    if stuck:
        detail = "; ".join(f"{r.url}: {r.error}" for r in stuck)
        return _failed(store, workload, stuck, f"the canary never went live ({detail})")
    routing.rollback(workload, actor=ACTOR, reason="rollback rehearsal: roll back")
    started = time.perf_counter()
    timings = await asyncio.gather(
        *(prober.wait_for(u, users, baseline, limit, started) for u in gateways)
    )
    return list(timings)


def _record(
    store: Store, workload: str, timings: list[ReplicaTiming], users: int, weight: float
) -> float:
    """The passed rehearsal in the audit log; returns the slowest replica's milliseconds."""
    max_ms = max(t.ms or 0.0 for t in timings)
    store.add_audit(
        actor=ACTOR,
        action="rollback.rehearsal",
        workload=workload,
        before=None,
        after={
            "replicas": [{"url": t.url, "ms": t.ms} for t in timings],
            "max_ms": max_ms,
            "probe_users": users,
            "weight": weight,
        },
        reason=f"rollback rehearsal on {len(timings)} replica(s)",
    )
    return max_ms


def _failed(store: Store, workload: str, timings: list[ReplicaTiming], message: str) -> Rehearsal:
    with contextlib.suppress(SwapsafeError):
        store.add_audit(
            actor=ACTOR,
            action="rollback.rehearsal_failed",
            workload=workload,
            before=None,
            after={"replicas": [{"url": t.url, "ms": t.ms, "error": t.error} for t in timings]},
            reason=message,
        )
    return Rehearsal(False, timings, None, message)
