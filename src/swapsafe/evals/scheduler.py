"""Nightly golden evals on a cron schedule (``[evals] schedule = "0 2 * * *"``, in UTC).

:class:`NightlyScheduler` has an injectable clock and a :meth:`~NightlyScheduler.tick` that
does everything due at that moment, so tests need no sleeping. Every workload with a candidate
is evaluated (baseline and candidate), tagged ``nightly``. A scheduled time that passed while
the process was down (or more than ``grace`` ago) is recorded as an eval run with status
``missed`` and its scheduled time, never silently skipped. On a store with no nightly history,
a time scheduled within ``grace`` before the start is due (so a cron-driven
``swapsafe scheduler --once`` a few minutes after the hour runs that night).

One scheduler per store: with a ``lock`` (the store's leader lock for the ``scheduler`` role,
:func:`swapsafe.store.leader.leader_lock`, the same mechanism as the rollout controller's), a
tick does anything only while this scheduler holds it; the others stand by. The one that
takes over reads what was already run from the store. :meth:`run_forever` is the loop used
by ``swapsafe scheduler``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter

from swapsafe.config import Config
from swapsafe.evals.datasets import load_cases
from swapsafe.evals.runner import EvalJob, run_eval
from swapsafe.providers.base import Provider
from swapsafe.store.leader import ControllerLock
from swapsafe.store.protocol import Store
from swapsafe.store.records import EvalRun

log = logging.getLogger("swapsafe.evals.scheduler")

TAG = "nightly"
Clock = Callable[[], datetime]
RunFn = Callable[[str, datetime], Awaitable[int]]
Sleep = Callable[[float], Awaitable[None]]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def fire_times(schedule: str, after: datetime, until: datetime) -> list[datetime]:
    """Scheduled times t with after < t <= until (UTC)."""
    it = croniter(schedule, after)
    times: list[datetime] = []
    while True:
        t = _aware(it.get_next(datetime))
        if t > until:
            return times
        times.append(t)


@dataclass
class TickResult:
    ran: list[tuple[str, datetime, int]]
    missed: list[tuple[str, datetime]]
    failed: list[tuple[str, datetime, str]]
    standby: bool = False  # another scheduler holds the store's lock: nothing was done


class NightlyScheduler:
    """Runs the nightly eval of every workload with a candidate at each scheduled time."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        run: RunFn,
        clock: Clock = utcnow,
        grace: timedelta = timedelta(hours=1),
        schedule: str | None = None,
        lock: ControllerLock | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.run = run
        self.clock = clock
        self.grace = grace
        self.schedule = schedule or config.evals.schedule
        if not croniter.is_valid(self.schedule):
            raise ValueError(f'"{self.schedule}" is not a valid cron schedule')
        self.started = _aware(clock())
        self.lock = lock
        self._leading = False
        self._last: dict[str, datetime] = {}

    def workloads(self) -> list[str]:
        return sorted(n for n, w in self.config.workloads.items() if w.candidate)

    def _last_scheduled(self, workload: str) -> datetime:
        """The latest scheduled time already handled (from the store); with no history, the
        start time less ``grace`` (a night scheduled just before the start is still due)."""
        if workload in self._last:
            return self._last[workload]
        latest = self.started - self.grace
        for run in self.store.list_eval_runs(workload, limit=1000):
            if run.tag != TAG:
                continue
            raw = (run.settings or {}).get("scheduled_for")
            if isinstance(raw, str):
                latest = _aware(datetime.fromisoformat(raw))
                break
        # a run recorded after the start (another replica) still counts; older history too
        self._last[workload] = latest
        return latest

    def record_missed(
        self, workload: str, scheduled: datetime, reason: str, status: str = "missed"
    ) -> int:
        """Store an eval run row for a scheduled time that did not run (``missed``/``failed``)."""
        w = self.config.workloads[workload]
        run = EvalRun(
            workload=workload,
            started_at=scheduled,
            finished_at=scheduled,
            status=status,
            tag=TAG,
            settings={"scheduled_for": scheduled.isoformat(), "reason": reason},
            models=[w.baseline] + ([w.candidate] if w.candidate else []),
        )
        return self.store.create_eval_run(run)

    def _recorded(self, workload: str, scheduled: datetime) -> bool:
        stamp = scheduled.isoformat()
        return any(
            (r.settings or {}).get("scheduled_for") == stamp
            for r in self.store.list_eval_runs(workload, limit=50)
        )

    def leading(self) -> bool:
        """Whether this scheduler may act: it holds the store's lock (or runs without one).

        On taking the lock anew, what was handled is read from the store again (another
        scheduler may have run nights in between)."""
        if self.lock is None:
            return True
        if self._leading and self.lock.held():
            return True
        self._leading = self.lock.try_acquire()
        if self._leading:
            self._last.clear()
        return self._leading

    def release(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self._leading = False

    async def tick(self) -> TickResult:
        """Handle all scheduled times up to now: run the latest if recent, record others missed."""
        now = _aware(self.clock())
        result = TickResult([], [], [])
        if not self.leading():
            result.standby = True
            return result
        for workload in self.workloads():
            due = fire_times(self.schedule, self._last_scheduled(workload), now)
            if not due:
                continue
            latest = due[-1]
            for t in due[:-1]:
                self.record_missed(workload, t, "swapsafe scheduler was not running at that time")
                result.missed.append((workload, t))
            self._last[workload] = latest
            if now - latest > self.grace:
                self.record_missed(
                    workload, latest, f"found {now - latest} late (grace {self.grace})"
                )
                result.missed.append((workload, latest))
                continue
            try:
                run_id = await self.run(workload, latest)
            except Exception as exc:  # one workload failing must not stop the others
                log.error("nightly eval of %s failed: %s", workload, exc)
                if not self._recorded(workload, latest):
                    self.record_missed(workload, latest, f"eval failed: {exc}", status="failed")
                result.failed.append((workload, latest, str(exc)))
                continue
            result.ran.append((workload, latest, run_id))
        for workload, t in result.missed:
            log.warning("nightly eval of %s scheduled at %s was missed", workload, t.isoformat())
        return result

    def seconds_until_next(self) -> float:
        now = _aware(self.clock())
        nxt = _aware(croniter(self.schedule, now).get_next(datetime))
        return max((nxt - now).total_seconds(), 0.0)

    async def run_forever(self, sleep: Sleep = asyncio.sleep, max_wait: float = 300.0) -> None:
        """Tick, then sleep until the next scheduled time (waking at least every ``max_wait`` s)."""
        while True:
            await self.tick()
            await sleep(min(self.seconds_until_next() + 0.5, max_wait))


def nightly_runner(
    config: Config,
    store: Store,
    *,
    judge: str | None = None,
    providers: dict[str, Provider] | None = None,
) -> RunFn:
    """The default :data:`RunFn`: ``run_eval`` of the workload's golden set, tagged nightly."""

    async def run(workload: str, scheduled: datetime) -> int:
        w = config.workloads[workload]
        if w.golden is None:
            raise ValueError(f"workload {workload} has no golden set")
        cases = await asyncio.to_thread(load_cases, w.golden)
        job = EvalJob(
            workload,
            cases,
            concurrency=config.evals.concurrency,
            tag=TAG,
            judge=judge,
            golden=w.golden,
            settings={"scheduled_for": scheduled.isoformat()},
        )
        return await run_eval(config, store, job, providers=providers)

    return run
