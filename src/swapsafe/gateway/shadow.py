"""Shadow calls: fire-and-forget, capped, isolated from the served response.

A shadow call is admitted only when it is sampled in, a concurrency slot is free (excess is
skipped and counted, never queued) and the day's budget is not spent. Shadow calls are never
retried and have their own timeout. The daily budget is tracked per gateway process (UTC day).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Coroutine
from datetime import UTC, date, datetime
from typing import Any

from swapsafe.gateway.metrics import GatewayMetrics

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
    ) -> None:
        self.sample_rate = sample_rate
        self.max_concurrency = max_concurrency
        self.timeout = timeout
        self.daily_budget_usd = daily_budget_usd
        self.metrics = metrics
        self.rng = rng or random.Random()
        self.in_flight = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self._day: date = datetime.now(UTC).date()
        self.spent_today = 0.0
        self.budget_exhausted_logged = False

    def _roll_day(self) -> None:
        today = datetime.now(UTC).date()
        if today != self._day:
            self._day, self.spent_today, self.budget_exhausted_logged = today, 0.0, False

    def admit(self, workload: str) -> bool:
        """Decide whether to make a shadow call now; count the reason when not."""
        if self.sample_rate < 1.0 and self.rng.random() >= self.sample_rate:
            self.metrics.shadow_skipped.inc((workload, "sampled_out"))
            return False
        if self.in_flight >= self.max_concurrency:
            self.metrics.shadow_skipped.inc((workload, "concurrency"))
            return False
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
                self.metrics.shadow_skipped.inc((workload, "budget"))
                return False
        return True

    def add_cost(self, cost: float | None) -> None:
        if cost:
            self._roll_day()
            self.spent_today += cost

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self.in_flight += 1
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
        if self.tasks:
            _, pending = await asyncio.wait(set(self.tasks), timeout=grace)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
