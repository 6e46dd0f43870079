"""Shadow calls: fire-and-forget, capped, isolated from the served response, and started only
once the served upstream has answered (the request path calls :meth:`ShadowDispatcher.spawn`
then), so a shadow call never runs ahead of the request it shadows.

Every served request of a workload in shadow mode gets one *shadow outcome* (one function,
:meth:`ShadowDispatcher.admit`): the shadow call is made (``shadowed``) or skipped for a
reason, counted in ``/metrics`` and stored on the served trace row, so coverage (shadowed /
served in shadow mode) can be reported. A call is skipped, in this order, when it is sampled
out; when the worker is busy and ``yield_when_busy`` is on (the event loop is late by more than
``max_loop_lag``: ``busy_lag``; more than ``max_served_in_flight`` served requests wait on their
upstream: ``busy_in_flight``), so shadow calls yield before served ones queue; when
``max_concurrency`` shadow calls already run (``concurrency_cap``: skipped, never queued); when
the day's budget is spent (``budget``). Shadow calls are never retried and have their own
timeout. The daily budget is tracked per gateway process (UTC day).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Coroutine
from datetime import UTC, date, datetime
from typing import Any

from swapsafe.gateway.loop_lag import LagSource, LoopLagMonitor
from swapsafe.gateway.metrics import GatewayMetrics
from swapsafe.store.coverage import SHADOWED, ShadowCoverage

log = logging.getLogger("swapsafe.shadow")


class ShadowDispatcher:
    def __init__(
        self,
        *,
        sample_rate: float,
        max_concurrency: int,
        timeout: float,
        daily_budget_usd: float | None,
        metrics: GatewayMetrics,
        rng: random.Random | None = None,
        yield_when_busy: bool = True,
        max_loop_lag: float = 0.02,
        max_served_in_flight: int = 1000,
        lag: LagSource | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self.max_concurrency = max_concurrency
        self.timeout = timeout
        self.daily_budget_usd = daily_budget_usd
        self.metrics = metrics
        self.rng = rng or random.Random()
        self.yield_when_busy = yield_when_busy
        self.max_loop_lag = max_loop_lag
        self.max_served_in_flight = max_served_in_flight
        self.lag: LagSource = lag if lag is not None else LoopLagMonitor()
        self.served_in_flight = 0  # served requests waiting on their upstream (the proxy counts)
        self.in_flight = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self._day: date = datetime.now(UTC).date()
        self.spent_today = 0.0
        self.budget_exhausted_logged = False

    def _roll_day(self) -> None:
        today = datetime.now(UTC).date()
        if today != self._day:
            self._day, self.spent_today, self.budget_exhausted_logged = today, 0.0, False

    def admit(self) -> str:
        """The shadow outcome of a served request in shadow mode: SHADOWED (make the call now)
        or the reason to skip it. Counted by :meth:`count`, once the outcome is final."""
        if self.sample_rate < 1.0 and self.rng.random() >= self.sample_rate:
            return "sampled_out"
        if self.yield_when_busy:
            if self.lag.lag() > self.max_loop_lag:
                return "busy_lag"
            if self.served_in_flight > self.max_served_in_flight:
                return "busy_in_flight"
        if self.in_flight >= self.max_concurrency:
            return "concurrency_cap"
        if self.daily_budget_usd is not None:
            self._roll_day()
            if self.spent_today >= self.daily_budget_usd:
                if not self.budget_exhausted_logged:
                    log.warning(
                        "shadow budget of $%.2f spent for %s (UTC); none until midnight",
                        self.daily_budget_usd,
                        self._day,
                    )
                    self.budget_exhausted_logged = True
                return "budget"
        return SHADOWED

    def count(self, workload: str, outcome: str) -> None:
        """Count one served request's shadow outcome in /metrics."""
        if outcome == SHADOWED:
            self.metrics.shadow_shadowed.inc((workload,))
        else:
            self.metrics.shadow_skipped.inc((workload, outcome))

    def coverage(self) -> dict[str, ShadowCoverage]:
        """Coverage per workload since this process started, from its /metrics counters."""
        outcomes: dict[str, dict[str, int]] = {}
        for (workload,), n in self.metrics.shadow_shadowed.values.items():
            outcomes.setdefault(workload, {})[SHADOWED] = int(n)
        for (workload, reason), n in self.metrics.shadow_skipped.values.items():
            outcomes.setdefault(workload, {})[reason] = int(n)
        return {w: ShadowCoverage(w, counts) for w, counts in sorted(outcomes.items())}

    def add_cost(self, cost: float | None) -> None:
        if cost:
            self._roll_day()
            self.spent_today += cost

    def reserve(self) -> None:
        """Take an admitted shadow call's slot under ``max_concurrency`` until it ends; the
        call itself starts later (:meth:`spawn`), once its served call has been answered."""
        self.in_flight += 1

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a reserved shadow call (its slot is freed when it ends)."""
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.in_flight -= 1
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("shadow task failed: %r", task.exception())

    async def aclose(self, grace: float = 5.0) -> None:
        """Let running shadow calls finish (they are recorded), cancel what is left."""
        if isinstance(self.lag, LoopLagMonitor):
            self.lag.stop()
        if self.tasks:
            _, pending = await asyncio.wait(set(self.tasks), timeout=grace)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
