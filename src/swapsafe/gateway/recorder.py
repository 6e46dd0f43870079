"""Batched trace writes off the request path, losing nothing on shutdown or store outage.

``record()`` is a deque append on the event loop. A writer thread flushes batches to the store.
When the store fails, rows stay in memory (bounded by ``max_buffer``); past that bound the oldest
rows spill to a local JSONL file. Spilled rows are replayed when the store answers again, and on
the next start after a crash. Inserts are idempotent on ``request_id``, so a replay after a
partial write adds nothing twice. ``close()`` (SIGTERM) drains everything: to the store if it
answers within ``drain_timeout``, else to the spill file. Only a failing spill file drops rows,
and those are counted and logged.

The writer thread runs at idle CPU priority where the process may raise it again (see
:mod:`swapsafe.background`): requests preempt it at once. When its backlog reaches
``urgent_rows`` (a saturated loop starves it), the loop raises it to normal priority until
it has caught up.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections import deque
from datetime import datetime
from pathlib import Path

import orjson

from swapsafe.background import IdlePriority
from swapsafe.store.protocol import Store
from swapsafe.store.records import TraceRecord

log = logging.getLogger("swapsafe.recorder")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_pid(name: str) -> int | None:
    """The pid of the process that owns a spill/replay/claim file, from its name."""
    if ".replay-" in name:
        token = name.split(".replay-", 1)[1].split("-", 1)[0]
    elif name.startswith(("spill-", "orphan-")):
        token = name.split("-", 1)[1].split("-", 1)[0].split(".", 1)[0]
    else:
        return None
    return int(token) if token.isdigit() else None


def row_to_json(row: TraceRecord) -> bytes:
    return orjson.dumps(dataclasses.asdict(row))


def row_from_json(line: bytes) -> TraceRecord:
    data = orjson.loads(line)
    data["ts"] = datetime.fromisoformat(data["ts"])
    return TraceRecord(**data)


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
    ) -> None:
        self.store = store
        self.spill_path = spill_path
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_buffer = max_buffer
        self.drain_timeout = drain_timeout
        self._queue: deque[TraceRecord] = deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._spill_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.written = 0
        self.spilled = 0
        self.dropped = 0
        self.store_errors = 0
        self.store_up = True
        #: rows given to record() / rows written, spilled or dropped (flush() waits on these)
        self.recorded = 0
        self.settled = 0
        #: backlog at which the writer leaves idle priority (it returns below a quarter of it)
        self.urgent_rows = 4 * batch_size
        self.priority = IdlePriority()

    # -- event-loop side ---------------------------------------------------------------------
    def record(self, row: TraceRecord) -> None:
        self._queue.append(row)
        self.recorded += 1
        if len(self._queue) >= self.batch_size:
            self._wake.set()
            if self.priority.idle and len(self._queue) >= self.urgent_rows:
                self.priority.set(idle=False)  # a saturated loop starves an idle writer

    @property
    def pending(self) -> int:
        return len(self._queue)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="swapsafe-recorder", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Stop the writer and drain every pending row (store first, spill file otherwise)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        deadline = time.monotonic() + self.drain_timeout
        while self._queue and time.monotonic() < deadline:
            if not self._flush_once():
                time.sleep(0.2)
        if self._queue:
            self._spill(len(self._queue))
        if self.spilled:
            log.warning("recorder: %d rows kept in %s for replay", self.spilled, self.spill_path)

    def flush(self, timeout: float = 10.0) -> bool:
        """Block until every row recorded before this call is written or spilled; True if so.

        An empty queue is not enough: the writer may still be inserting the batch it took.
        """
        target = self.recorded
        deadline = time.monotonic() + timeout
        while self.settled < target and time.monotonic() < deadline:
            self._wake.set()
            time.sleep(0.005)
        return self.settled >= target

    # -- writer thread -----------------------------------------------------------------------
    def _run(self) -> None:
        self.priority.attach()  # idle priority: batch writes yield the core to requests at once
        backoff = 0.25
        self._replay_orphans()
        self._replay_spill()
        while not self._stop.is_set():
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            if len(self._queue) < self.urgent_rows // 4:
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
        batch = self._take(self.batch_size)
        if not batch:
            return True
        try:
            self.store.insert_traces(batch)
        except Exception as exc:  # store down: keep the rows, retry later
            self._queue.extendleft(reversed(batch))
            self.store_errors += 1
            if self.store_up:
                log.warning(
                    "recorder: store unavailable (%s); buffering traces", type(exc).__name__
                )
            self.store_up = False
            return False
        if not self.store_up:
            log.info("recorder: store is back; writing buffered traces")
        self.store_up = True
        self.written += len(batch)
        self.settled += len(batch)
        return True

    def _spill(self, n: int) -> None:
        rows = self._take(n)
        if not rows:
            return
        with self._spill_lock:
            try:
                self.spill_path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.spill_path, "ab") as f:
                    f.write(b"".join(row_to_json(r) + b"\n" for r in rows))
                    f.flush()
                    os.fsync(f.fileno())
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
        """Replay spill files left by gateway processes that are gone (crash, kill -9).

        Files are named ``spill-<pid>.jsonl``; a file whose process still runs belongs to a live
        sibling worker and is left alone.
        """
        directory = self.spill_path.parent
        if not directory.is_dir():
            return
        candidates = [
            *directory.glob("spill-*.jsonl"),  # spill-<writer pid>.jsonl
            *directory.glob("*.replay-*"),  # <spill>.replay-<replayer pid>-<ns>
            *directory.glob("orphan-*.claim"),  # orphan-<replayer pid>-<ns>.claim
        ]
        for path in sorted(candidates):
            if path == self.spill_path:
                continue
            owner = _owner_pid(path.name)
            if owner is not None and _alive(owner):
                continue
            claimed = path.with_name(f"orphan-{os.getpid()}-{time.time_ns()}.claim")
            try:
                os.replace(path, claimed)  # atomic: only one process replays a file
            except OSError:
                continue
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
        rows: list[TraceRecord] = []
        with open(replaying, "rb") as f:
            for line in f:
                if line.strip():
                    try:
                        rows.append(row_from_json(line))
                    except (ValueError, TypeError) as exc:
                        log.error("recorder: skipping unreadable spilled row: %s", exc)
        try:
            for i in range(0, len(rows), self.batch_size):
                self.store.insert_traces(rows[i : i + self.batch_size])
        except Exception:
            # Put the file back for a later attempt; inserts are idempotent on request_id.
            with self._spill_lock, open(self.spill_path, "ab") as out:
                out.write(replaying.read_bytes())
            replaying.unlink()
            return
        replaying.unlink()
        self.written += len(rows)
        log.info("recorder: replayed %d spilled trace rows", len(rows))
