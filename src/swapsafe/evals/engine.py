"""The job engine shared by eval runs and red-team runs.

Both runners do the same thing with different pieces of work: a run row in the store, a list of
(item, model) pairs still to do, ``concurrency`` workers taking pairs off one queue, each
finished pair counted in per-model tallies and written to the store in small batches, and the
run finished with a status that follows one rule:

- ``done``: every pair ran, errored pairs at most ``max_error_rate`` of the run
  (:func:`swapsafe.evals.status.too_many_errors`);
- ``incomplete``: more errored pairs than that (never gate evidence);
- ``interrupted``: cancelled (Ctrl-C, SIGTERM); what finished is kept, a resume does the rest;
- ``failed``: an unexpected exception, re-raised.

A runner describes its work as a :class:`JobSpec` and hands it to :class:`JobEngine`.
:func:`owned_providers` lends the runner the providers it needs and closes those it built.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, Self, TypeVar

from swapsafe.config import Config
from swapsafe.evals.status import too_many_errors
from swapsafe.exceptions import ConfigError
from swapsafe.providers.base import Provider
from swapsafe.providers.build import build_providers

FLUSH_SECONDS = 0.5

Item = TypeVar("Item")
Item_contra = TypeVar("Item_contra", contravariant=True)
Row = TypeVar("Row")
Tally = TypeVar("Tally", bound="ErrorTally")
S_contra = TypeVar("S_contra", contravariant=True)
Pair = tuple[Item, str]  # an (item, model) pair


class ErrorTally(Protocol):
    errors: int


@dataclass
class Snapshot(Generic[Tally]):
    """Progress of a run: pairs done out of the total, with a tally per model."""

    run_id: int
    total: int
    done: int = 0
    models: dict[str, Tally] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(t.errors for t in self.models.values())

    @classmethod
    def start(
        cls, run_id: int, items: Sequence[object], models: Sequence[str], tally: Callable[[], Tally]
    ) -> Self:
        """Nothing done yet: every item x model to do, a fresh tally per model."""
        return cls(run_id, len(items) * len(models), models={m: tally() for m in models})


class Progress(Protocol[S_contra]):
    """Receives progress: ``start`` once (with the run id), then ``advance`` per finished pair."""

    def start(self, snapshot: S_contra) -> None: ...

    def advance(self, snapshot: S_contra) -> None: ...


class Work(Protocol[Item_contra, Row]):
    """One kind of run's work: ``one`` does an (item, model) pair and gives its row (None: an
    errored call, not stored); ``count`` adds a row (or an errored call) to the tallies."""

    @property
    def snapshot(self) -> Snapshot[Any]: ...

    async def one(self, pair: tuple[Item_contra, str]) -> Row | None: ...

    def count(self, model: str, row: Row | None) -> None: ...


@dataclass(frozen=True)
class RunRows(Generic[Row]):
    """Where one kind of run keeps its rows; ``save`` and ``finish`` block (run off the loop)."""

    save: Callable[[list[Row]], object]  # writes a batch of rows
    finish: Callable[[int, str, datetime], object]  # (run id, status, finished at)
    pair: Callable[[Row], tuple[str, str]]  # the (item key, model) a stored row answers
    batch_size: int = 50


@dataclass(frozen=True)
class JobSpec(Generic[Item, Row]):
    """One run: its items (each done with every model of the work's snapshot), its work, where
    its rows go and, for a resumed run, the rows already stored (counted, and not done again)."""

    work: Work[Item, Row]
    items: Sequence[Item]
    key: Callable[[Item], str]  # an item's key, as in ``RunRows.pair``
    rows: RunRows[Row]
    existing: Sequence[Row]
    concurrency: int
    max_error_rate: float


class BatchWriter(Generic[Row]):
    """Collects rows and writes them in batches off the event loop: every
    ``FLUSH_SECONDS`` or ``batch_size`` rows, and once more at the end."""

    def __init__(self, save: Callable[[list[Row]], object], batch_size: int) -> None:
        self.save = save
        self.batch_size = batch_size
        self.pending: list[Row] = []
        self.written = 0
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._stopping = False

    def add(self, row: Row) -> None:
        self.pending.append(row)
        if len(self.pending) >= self.batch_size:
            self._wake.set()

    async def flush(self) -> None:
        async with self._lock:
            while self.pending:
                batch, self.pending = self.pending, []
                await asyncio.to_thread(self.save, batch)
                self.written += len(batch)

    async def loop(self) -> None:
        """Flush until :meth:`stop` (no cancellation: ``wait_for`` may swallow a cancel that
        races with the wake-up)."""
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            self._wake.clear()
            await self.flush()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()


class JobEngine(Generic[Item, Row]):
    """Runs a :class:`JobSpec` to its end; :meth:`run` returns the stored status."""

    def __init__(self, spec: JobSpec[Item, Row]) -> None:
        self.spec = spec
        self.writer: BatchWriter[Row] = BatchWriter(spec.rows.save, spec.rows.batch_size)
        models = list(spec.work.snapshot.models)  # before a resumed row adds another model
        done = {spec.rows.pair(row) for row in spec.existing}
        for row in spec.existing:
            spec.work.count(spec.rows.pair(row)[1], row)
        self.progress: Progress[Any] | None = None
        self.todo = pending(spec.items, models, done, spec.key)
        self._queue = ModelQueue(self.todo)

    async def _work(self) -> None:
        spec, queue = self.spec, self._queue
        while (pair := queue.take()) is not None:
            try:
                row = await spec.work.one(pair)
            finally:
                queue.finished(pair)
            if row is not None:
                self.writer.add(row)
            spec.work.count(pair[1], row)
            if self.progress is not None:
                self.progress.advance(spec.work.snapshot)

    async def run(self, progress: Progress[Any] | None = None) -> str:
        """Run the spec, telling ``progress`` (when given) of every finished pair."""
        spec, snapshot = self.spec, self.spec.work.snapshot
        self.progress = progress
        if progress is not None:
            progress.start(snapshot)
        flusher = asyncio.create_task(self.writer.loop())
        n = min(spec.concurrency, max(len(self.todo), 1))
        workers = [asyncio.create_task(self._work()) for _ in range(n)]
        status = "interrupted"
        try:
            await asyncio.gather(*workers)
            # stored "incomplete" keeps the plan and the lists honest; it is never gate evidence
            incomplete = too_many_errors(snapshot.errors, snapshot.total, spec.max_error_rate)
            status = "incomplete" if incomplete else "done"
        except Exception:
            status = "failed"
            raise
        finally:
            for task in workers:
                task.cancel()
            self.writer.stop()
            await asyncio.shield(self._finish(status, [*workers, flusher]))
        return status

    async def _finish(self, status: str, tasks: list[asyncio.Task[None]]) -> None:
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.writer.flush()
        finish, run_id = self.spec.rows.finish, self.spec.work.snapshot.run_id
        await asyncio.to_thread(finish, run_id, status, datetime.now(UTC))


@contextlib.asynccontextmanager
async def owned_providers(
    config: Config, needed: Collection[str], given: dict[str, Provider] | None
) -> AsyncIterator[dict[str, Provider]]:
    """The providers named in ``needed`` (and only those): the ``given`` ones, else built from
    the config. Providers built here (and any built but not needed) are closed; given ones never
    are."""
    available = dict(given or {})
    owned: dict[str, Provider] = {}
    if any(name not in available for name in needed):
        for name, provider in build_providers(config).items():
            if name in needed and name not in available:
                owned[name] = available[name] = provider
            else:
                await provider.aclose()
    try:
        yield {name: available[name] for name in needed}
    finally:
        for provider in owned.values():
            await provider.aclose()


def check_judge(config: Config, judge: str | None) -> None:
    """A judge model, when named, must be one of the config's models."""
    if judge is not None and judge not in config.models:
        known = ", ".join(sorted(config.models))
        raise ConfigError(f'unknown judge model "{judge}" (models: {known})')


class ModelQueue(Generic[Item]):
    """The pairs still to run, handed out so that the models are called evenly at any moment:
    the next pair goes to the model with the fewest calls running, then the fewest started
    (so one worker alternates the models as the pairs are given), in the order given within a
    model. With two models and two workers each model has one call running until one runs out
    of work, so two servers answer in parallel rather than one server twice while the other
    waits."""

    def __init__(self, pairs: Sequence[Pair[Item]]) -> None:
        self._left: dict[str, collections.deque[Pair[Item]]] = {}
        for pair in pairs:
            self._left.setdefault(pair[1], collections.deque()).append(pair)
        self._running = dict.fromkeys(self._left, 0)
        self._started = dict.fromkeys(self._left, 0)

    def take(self) -> Pair[Item] | None:
        """The next pair to run (None: nothing left), counted as running."""
        waiting = [m for m, left in self._left.items() if left]
        if not waiting:
            return None
        model = min(waiting, key=lambda m: (self._running[m], self._started[m]))
        self._running[model] += 1
        self._started[model] += 1
        return self._left[model].popleft()

    def finished(self, pair: Pair[Item]) -> None:
        self._running[pair[1]] -= 1


def pending(
    items: Sequence[Item],
    models: Sequence[str],
    done: set[tuple[str, str]],
    key: Callable[[Item], str],
) -> list[tuple[Item, str]]:
    """The (item, model) pairs not yet in ``done`` (a set of (item key, model))."""
    return [(i, m) for i in items for m in models if (key(i), m) not in done]
