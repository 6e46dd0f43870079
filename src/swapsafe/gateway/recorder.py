"""Batched trace writes off the request path, with a bounded loss on ``kill -9``.

``record()`` is a deque append on the event loop. Two threads take it from there:

- the **journal** thread, every ``journal_interval`` (0.1 s), appends the rows recorded since
  its last turn to a local append-only journal (one write + one fsync per batch, see
  :mod:`swapsafe.gateway.journal`) and hands them to the writer. A ``kill -9`` or power loss
  loses at most the rows of one interval (plus the fsync's own time); the next gateway
  process replays a dead process's journal. ``journal_interval=None`` turns it off.
- the **writer** thread flushes batches to the store. When the store fails (or does not
  answer within its timeouts, see ``StoreTimeouts``) rows stay in memory, bounded by
  ``max_buffer``; past that the oldest rows spill to a local JSONL file, replayed when the
  store answers again and on the next start after a crash.

A batch the store refuses for its values (a data or constraint error, not an outage) is
retried row by row: a row the store refuses alone is quarantined to
``quarantine-<pid>.jsonl`` with its error and counted, the others are written. Replays of
spill and journal files go through the same path. Inserts are idempotent on ``request_id``,
so a replay after a partial write adds nothing twice.

``close()`` (SIGTERM) returns within ``drain_timeout`` whatever the store does: it drains to
the store until then, and spills what is left, the batch of an insert that still hangs
included. Only a failing spill file drops rows (the journal is then kept for the next start).
Every file is created 0600.

The writer thread runs at idle CPU priority where the process may raise it again (see
:mod:`swapsafe.store.background`): requests preempt it at once. When the backlog reaches
``urgent_rows`` (a saturated loop starves it), the loop raises it to normal priority until
it has caught up.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from pathlib import Path

from swapsafe.gateway import spillfiles
from swapsafe.gateway.journal import Journal
from swapsafe.gateway.spillfiles import row_from_json, row_to_json
from swapsafe.store.background import IdlePriority
from swapsafe.store.engine import is_row_error
from swapsafe.store.protocol import Store
from swapsafe.store.records import TraceRecord

__all__ = ["Recorder", "row_from_json", "row_to_json"]

log = logging.getLogger("swapsafe.recorder")


def error_text(exc: BaseException) -> str:
    """The driver's one-line reason (never SQLAlchemy's text, which lists the parameters)."""
    while exc.__cause__ is not None and not hasattr(exc, "orig"):
        exc = exc.__cause__
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [""])[0]
    return f"{type(orig).__name__}: {first}"[:300]


class Recorder:
    def __init__(
        self,
        store: Store,
        *,
        spill_path: Path,
        batch_size: int = 500,
        flush_interval: float = 0.1,
        max_buffer: int = 200_000,
        drain_timeout: float = 10.0,
        journal_interval: float | None = 0.1,
        journal_fsync: bool = True,
    ) -> None:
        self.store = store
        self.spill_path = spill_path
        self.quarantine_path = spill_path.with_name(f"quarantine-{os.getpid()}.jsonl")
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_buffer = max_buffer
        self.drain_timeout = drain_timeout
        self.journal_interval = journal_interval
        self.journal = Journal(spill_path.parent, fsync=journal_fsync) if journal_interval else None
        self._incoming: deque[TraceRecord] = deque()  # recorded, not journaled yet
        self._queue: deque[TraceRecord] = deque()  # waiting for the store
        self._inflight: list[TraceRecord] = []  # the batch being inserted
        self._lock = threading.Lock()
        self._abandoned = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._journal_wake = threading.Event()
        self._journal_stop = threading.Event()
        self._spill_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._journal_thread: threading.Thread | None = None
        self.written = 0
        self.spilled = 0
        self.dropped = 0
        self.quarantined = 0
        self.store_errors = 0
        self.journal_errors = 0
        #: False from a failed (or timed-out) write until the next one succeeds
        self.store_up = True
        #: rows given to record() / rows written, spilled, quarantined or dropped, in order
        self.recorded = 0
        self.settled = 0
        #: backlog at which the writer leaves idle priority (it returns below a quarter of it)
        self.urgent_rows = 4 * batch_size
        self.priority = IdlePriority()

    # -- event-loop side ---------------------------------------------------------------------
    def record(self, row: TraceRecord) -> None:
        if self.journal is None:
            self._queue.append(row)
            if len(self._queue) >= self.batch_size:
                self._wake.set()
        else:
            self._incoming.append(row)
        self.recorded += 1
        if self.priority.idle and self.recorded - self.settled >= self.urgent_rows:
            self.priority.set(idle=False)  # a saturated loop starves an idle writer

    @property
    def pending(self) -> int:
        """Rows recorded and not yet written, spilled or quarantined."""
        return self.recorded - self.settled

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="swapsafe-recorder", daemon=True)
            self._thread.start()
        if self.journal is not None and self._journal_thread is None:
            self._journal_thread = threading.Thread(
                target=self._journal_run, name="swapsafe-journal", daemon=True
            )
            self._journal_thread.start()

    def close(self) -> None:
        """Drain to the store until ``drain_timeout``, then spill what is left; never blocks
        longer (an insert that hangs is left behind, its batch spilled)."""
        deadline = time.monotonic() + self.drain_timeout
        self._stop_journal(deadline)
        writer = self._thread
        if writer is not None:
            while self.settled < self.recorded and writer.is_alive():
                if time.monotonic() >= deadline:
                    break
                self._wake.set()
                time.sleep(0.01)
            self._stop.set()
            self._wake.set()
            writer.join(max(0.0, deadline - time.monotonic()))
            self._thread = None
        else:
            while self._queue and time.monotonic() < deadline and self._flush_once():
                pass
        with self._lock:
            self._abandoned = True  # a writer still inside an insert must not settle it again
            rows = [*self._inflight, *self._queue, *self._incoming]
            self._inflight = []
            self._queue.clear()
            self._incoming.clear()
        dropped = self.dropped
        if rows:
            self._spill_rows(rows)
        if self.journal is not None:
            self.journal.close(remove=self.dropped == dropped)
        if self.spilled:
            log.warning("recorder: %d rows kept in %s for replay", self.spilled, self.spill_path)

    def _stop_journal(self, deadline: float) -> None:
        thread = self._journal_thread
        if thread is not None:
            self._journal_stop.set()
            self._journal_wake.set()
            thread.join(max(0.1, deadline - time.monotonic()))
            self._journal_thread = None
        elif self.journal is not None:
            self._journal_tick()  # never started: journal and queue what was recorded

    def flush(self, timeout: float = 10.0) -> bool:
        """Block until every row recorded before this call is written or spilled; True if so.

        An empty queue is not enough: the writer may still be inserting the batch it took.
        """
        target = self.recorded
        deadline = time.monotonic() + timeout
        while self.settled < target and time.monotonic() < deadline:
            self._journal_wake.set()
            self._wake.set()
            time.sleep(0.005)
        return self.settled >= target

    # -- journal thread ----------------------------------------------------------------------
    def _journal_run(self) -> None:
        assert self.journal_interval is not None
        while True:
            self._journal_wake.wait(self.journal_interval)
            self._journal_wake.clear()
            stopping = self._journal_stop.is_set()
            self._journal_tick()
            if stopping:
                return

    def _journal_tick(self) -> None:
        """Journal the rows recorded since the last turn (one write, one fsync), queue them."""
        journal = self.journal
        assert journal is not None
        rows: list[TraceRecord] = []
        take = self._incoming.popleft
        try:
            while True:
                rows.append(take())
        except IndexError:
            pass
        if rows:
            try:
                journal.append(spillfiles.rows_to_json(rows), len(rows))
            except OSError as exc:
                journal.appended += len(rows)  # not journaled, still numbered
                self.journal_errors += 1
                log.error("recorder: cannot write the journal in %s: %s", journal.directory, exc)
            self._queue.extend(rows)
            self._wake.set()
        try:
            journal.prune(self.settled)
        except OSError as exc:
            log.error("recorder: cannot rotate the journal: %s", exc)

    # -- writer thread -----------------------------------------------------------------------
    def _run(self) -> None:
        self.priority.attach()  # idle priority: batch writes yield the core to requests at once
        backoff = 0.25
        self._replay_orphans()
        self._replay_spill()
        while not self._stop.is_set():
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            if self.pending < self.urgent_rows // 4:
                self.priority.set(idle=True)
            while self._queue and not self._stop.is_set():
                if self._flush_once():
                    backoff = 0.25
                    if self.spill_path.exists():
                        self._replay_spill()
                else:
                    if len(self._queue) > self.max_buffer:
                        self._spill(len(self._queue) - self.max_buffer)
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, 5.0)

    def _take(self, n: int) -> list[TraceRecord]:
        batch: list[TraceRecord] = []
        try:
            for _ in range(n):
                batch.append(self._queue.popleft())
        except IndexError:
            pass
        return batch

    def _flush_once(self) -> bool:
        with self._lock:
            if self._abandoned:
                return True
            batch = self._inflight = self._take(self.batch_size)
        if not batch:
            return True
        try:
            bad = self._write_rows(batch)
        except Exception as exc:  # store down or silent: keep the rows, retry later
            with self._lock:
                self._inflight = []
                if not self._abandoned:
                    self._queue.extendleft(reversed(batch))
            self._store_failed(exc)
            return False
        with self._lock:
            self._inflight = []
            if self._abandoned:
                return True
            self.written += len(batch) - bad
            self.settled += len(batch)
        if not self.store_up:
            log.info("recorder: store is back; writing buffered traces")
        self.store_up = True
        return True

    def _store_failed(self, exc: BaseException) -> None:
        self.store_errors += 1
        if self.store_up:
            log.warning("recorder: store unavailable (%s); buffering traces", error_text(exc))
        self.store_up = False

    def _write_rows(self, rows: list[TraceRecord]) -> int:
        """Insert ``rows``; a batch refused for its values is retried row by row and the rows
        refused alone are quarantined. Returns how many were; raises when the store is down."""
        try:
            self.store.insert_traces(rows)
            return 0
        except Exception as exc:
            if not is_row_error(exc):
                raise
            if len(rows) == 1:
                self._quarantine(rows[0], exc)
                return 1
        bad = 0
        for row in rows:
            try:
                self.store.insert_traces([row])
            except Exception as exc:
                if not is_row_error(exc):
                    raise
                self._quarantine(row, exc)
                bad += 1
        return bad

    def _quarantine(self, row: TraceRecord, exc: BaseException) -> None:
        reason = error_text(exc)
        try:
            spillfiles.append_private(self.quarantine_path, spillfiles.quarantine_line(row, reason))
        except OSError as err:
            self.dropped += 1
            log.error("recorder: dropped trace row %s: %s (%s)", row.request_id, reason, err)
            return
        self.quarantined += 1
        log.error(
            "recorder: quarantined trace row %s to %s: %s",
            row.request_id,
            self.quarantine_path,
            reason,
        )

    # -- spill files -------------------------------------------------------------------------
    def _spill(self, n: int) -> None:
        with self._lock:
            rows = self._take(n)
        self._spill_rows(rows)

    def _spill_rows(self, rows: list[TraceRecord]) -> None:
        if not rows:
            return
        with self._spill_lock:
            try:
                spillfiles.append_private(self.spill_path, spillfiles.rows_to_json(rows))
                self.spilled += len(rows)
            except OSError as exc:
                self.dropped += len(rows)
                log.error(
                    "recorder: dropped %d trace rows: cannot write %s: %s",
                    len(rows),
                    self.spill_path,
                    exc,
                )
            finally:
                self.settled += len(rows)

    def _replay_orphans(self) -> None:
        """Replay spill and journal files left by gateway processes that are gone (crash,
        kill -9); a live sibling worker's files are left alone."""
        own = [self.spill_path, *(self.journal.paths if self.journal else [])]
        for claimed in spillfiles.claim_orphans(self.spill_path.parent, own):
            self._replay_file(claimed)

    def _replay_spill(self) -> None:
        """Move the spill file aside and write its rows to the store."""
        with self._spill_lock:
            if not self.spill_path.exists():
                return
            replaying = self.spill_path.with_suffix(f".replay-{os.getpid()}-{time.time_ns()}")
            os.replace(self.spill_path, replaying)
        self._replay_file(replaying)

    def _replay_file(self, replaying: Path) -> None:
        rows = spillfiles.read_rows(replaying)
        done = 0
        try:
            for i in range(0, len(rows), self.batch_size):
                batch = rows[i : i + self.batch_size]
                bad = self._write_rows(batch)
                self.written += len(batch) - bad
                done = i + len(batch)
        except Exception as exc:
            # Keep what is left for a later attempt (inserts are idempotent on request_id).
            self._store_failed(exc)
            with self._spill_lock:
                try:
                    spillfiles.append_private(self.spill_path, spillfiles.rows_to_json(rows[done:]))
                except OSError as err:
                    log.error("recorder: cannot put replayed rows back: %s", err)
                    return  # the file being replayed stays, for the next start
            replaying.unlink(missing_ok=True)
            return
        replaying.unlink(missing_ok=True)
        if rows:
            log.info("recorder: replayed %d trace rows from %s", len(rows), replaying.name)
