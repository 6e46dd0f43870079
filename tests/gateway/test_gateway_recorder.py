"""The recorder loses nothing: store outages buffer, overflow spills, restarts replay."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.gateway.harness import CLIENT_KEY
from tests.store.tcp_proxy import proxy_for

from swapsafe.gateway.recorder import Recorder, row_to_json
from swapsafe.store import open_store
from swapsafe.store.background import BACKGROUND_NICE, may_leave_idle_policy
from swapsafe.store.engine import StoreTimeouts
from swapsafe.store.records import TraceQuery, TraceRecord
from swapsafe.testing import FakeUpstream


class FlakyStore:
    """Wraps a real store; ``down = True`` makes writes fail like an unreachable database."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.down = False
        self.attempts = 0

    def insert_traces(self, rows: Sequence[TraceRecord]) -> None:
        self.attempts += 1
        if self.down:
            raise ConnectionError("database is down")
        self.real.insert_traces(rows)


def rows(n: int, start: int = 0) -> list[TraceRecord]:
    now = datetime.now(UTC)
    return [
        TraceRecord(
            request_id=f"r{i}",
            pair_id=f"p{i}",
            ts=now,
            workload="w",
            role="served",
            model="m",
            provider="openai",
            status="ok",
            latency_ms=1.0,
        )
        for i in range(start, start + n)
    ]


def stored_ids(store: Any) -> list[str]:
    return sorted(r.request_id for r in store.query_traces(TraceQuery(limit=100_000)))


def wait_for(predicate: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_outage_buffers_then_writes_everything(tmp_path: Path) -> None:
    real = open_store(f"sqlite:///{tmp_path}/t.db")
    store = FlakyStore(real)
    rec = Recorder(store, spill_path=tmp_path / "spill.jsonl", flush_interval=0.01)  # type: ignore[arg-type]
    rec.start()
    store.down = True
    for r in rows(500):
        rec.record(r)
    wait_for(lambda: store.attempts >= 2)
    assert rec.pending == 500 and not rec.store_up
    store.down = False
    wait_for(lambda: rec.pending == 0)
    rec.close()
    assert stored_ids(real) == sorted(f"r{i}" for i in range(500))
    assert rec.dropped == 0
    real.close()


def test_overflow_spills_and_replays_when_store_returns(tmp_path: Path) -> None:
    real = open_store(f"sqlite:///{tmp_path}/t.db")
    store = FlakyStore(real)
    spill = tmp_path / "spill.jsonl"
    rec = Recorder(store, spill_path=spill, flush_interval=0.01, max_buffer=100, batch_size=50)  # type: ignore[arg-type]
    rec.start()
    store.down = True
    for r in rows(1000):
        rec.record(r)
    wait_for(lambda: rec.spilled >= 900)
    assert spill.exists() and rec.pending <= 100
    store.down = False
    wait_for(lambda: rec.pending == 0 and not spill.exists())
    rec.close()
    assert len(stored_ids(real)) == 1000
    real.close()


def test_shutdown_during_outage_spills_and_next_start_replays(tmp_path: Path) -> None:
    real = open_store(f"sqlite:///{tmp_path}/t.db")
    store = FlakyStore(real)
    spill = tmp_path / "spill.jsonl"
    rec = Recorder(store, spill_path=spill, drain_timeout=0.2)  # type: ignore[arg-type]
    rec.start()
    store.down = True
    for r in rows(300):
        rec.record(r)
    rec.close()  # SIGTERM path: the store is still down, so the rows go to the spill file
    assert rec.spilled == 300 and spill.exists() and stored_ids(real) == []
    # a partial earlier write: replay must not duplicate it
    real.insert_traces(rows(10))
    store.down = False
    rec2 = Recorder(store, spill_path=spill)  # type: ignore[arg-type]
    rec2.start()
    wait_for(lambda: not spill.exists())
    rec2.close()
    assert stored_ids(real) == sorted(f"r{i}" for i in range(300))
    real.close()


def test_unwritable_spill_file_counts_dropped_rows(tmp_path: Path) -> None:
    store = FlakyStore(None)
    store.down = True
    blocker = tmp_path / "file"
    blocker.write_text("")
    rec = Recorder(store, spill_path=blocker / "spill.jsonl", drain_timeout=0.1)  # type: ignore[arg-type]
    rec.start()
    for r in rows(5):
        rec.record(r)
    rec.close()
    assert rec.dropped == 5 and rec.spilled == 0


@pytest.mark.skipif(not may_leave_idle_policy(), reason="needs CAP_SYS_NICE or RLIMIT_NICE")
def test_writer_runs_idle_and_is_raised_while_its_backlog_is_long(tmp_path: Path) -> None:
    """Idle priority lets requests preempt the writer; a long backlog must lift it again."""
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    flaky = FlakyStore(store)
    rec = Recorder(flaky, spill_path=tmp_path / "spill.jsonl", batch_size=10, flush_interval=0.01)
    try:
        rec.start()
        wait_for(lambda: rec.priority.tid is not None and rec.priority.idle)
        tid = rec.priority.tid
        assert tid is not None
        assert os.sched_getscheduler(tid) == os.SCHED_IDLE
        flaky.down = True  # the writer cannot drain: the backlog grows as under saturation
        for row in rows(rec.urgent_rows):
            rec.record(row)
        assert not rec.priority.idle  # raised by the event loop side, not by the writer
        assert os.sched_getscheduler(tid) == os.SCHED_OTHER
        flaky.down = False
        wait_for(lambda: len(stored_ids(store)) == rec.urgent_rows)
        wait_for(lambda: rec.priority.idle)  # caught up: idle again
        assert os.sched_getscheduler(tid) == os.SCHED_IDLE
    finally:
        rec.close()
        store.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_routing_poll_runs_at_nice_19(tmp_path: Path) -> None:
    """The routing poll must yield a shared core to the event loop, without starving."""
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    rec = Recorder(store, spill_path=tmp_path / "spill.jsonl", flush_interval=0.01)
    caller_nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    stop = store.listen_routing_changes(lambda: None)
    try:
        rec.start()
        wait_for(lambda: {"swapsafe-recorder", "swapsafe-routing-poll"} <= _thread_names())
        wait_for(lambda: all(_nice(t) == BACKGROUND_NICE for t in _threads(_POLL)))
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == caller_nice
        rec.record(rows(1)[0])
        wait_for(lambda: stored_ids(store) == ["r0"])
    finally:
        stop()
        rec.close()
        store.close()


_POLL = ("swapsafe-routing-poll",)


def _thread_names() -> set[str]:
    return {t.name for t in threading.enumerate()}


def _threads(names: tuple[str, ...]) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name in names]


def _nice(thread: threading.Thread) -> int:
    assert thread.native_id is not None
    return os.getpriority(os.PRIO_PROCESS, thread.native_id)


class GatedStore:
    """Wraps a real store; an insert waits until ``release`` is set (a slow commit)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.entered = threading.Event()
        self.release = threading.Event()

    def insert_traces(self, rows: Sequence[TraceRecord]) -> None:
        self.entered.set()
        assert self.release.wait(10)
        self.real.insert_traces(rows)


def test_flush_waits_for_the_batch_being_inserted(tmp_path: Path) -> None:
    """The queue is empty while the writer inserts the batch it took: flush must still wait."""
    real = open_store(f"sqlite:///{tmp_path}/t.db")
    store = GatedStore(real)
    rec = Recorder(store, spill_path=tmp_path / "spill.jsonl", flush_interval=0.01)  # type: ignore[arg-type]
    rec.start()
    try:
        rec.record(rows(1)[0])
        assert store.entered.wait(10)
        assert rec.flush(0.05) is False  # taken from the queue, not written yet
        store.release.set()
        assert rec.flush(10) is True
        assert stored_ids(real) == ["r0"]
    finally:
        store.release.set()
        rec.close()
        real.close()


class LateEndUpstream(FakeUpstream):
    """Ends each response a moment after its last bytes (a slow upstream hang-up)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def late_end(message: Any) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                await asyncio.sleep(0.2)
            await send(message)

        await super().__call__(scope, receive, late_end)


async def test_trace_is_found_right_after_a_stream_the_client_stopped_at_its_end(
    make_harness: Any,
) -> None:
    """Over a socket the row of a stream is recorded after its last event is sent (when the
    upstream has ended); a client that stops reading at ``[DONE]`` and looks at once must
    still find it."""
    h = await make_harness(loopback=True, fake=LateEndUpstream)
    body = {"model": "chat", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    headers = {"authorization": f"Bearer {CLIENT_KEY}"}
    for _ in range(5):
        async with h.http.stream("POST", "/v1/chat/completions", json=body, headers=headers) as r:
            request_id = r.headers["x-request-id"]
            async for line in r.aiter_lines():
                if line == "data: [DONE]":
                    break
        # one row (``client_disconnect`` when the gateway saw the hang-up before the end)
        assert h.trace(request_id).stream


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_poison_row_is_quarantined_and_the_rest_written(store_url: str, tmp_path: Path) -> None:
    """One row the store refuses (NOT NULL here; over-long and NUL values are fitted) never
    blocks the others, is kept with its error in a 0600 file, and the store is not 'down'."""
    import orjson

    store = open_store(store_url)
    rec = Recorder(store, spill_path=tmp_path / "spill.jsonl", flush_interval=0.01)
    rec.start()
    try:
        batch = rows(101)
        batch[0].finish_reason = "y" * 100  # fitted: stored cut to varchar(64)
        batch[0].response_body = "nul \x00 here"
        batch[1].workload = None  # type: ignore[assignment]  # refused: NOT NULL
        for r in batch:
            rec.record(r)
        assert rec.flush(10)
        assert rec.quarantined == 1 and rec.store_up and rec.store_errors == 0
        ids = stored_ids(store)
        assert len(ids) == 100 and "r1" not in ids
        first = store.trace_by_request_id("r0")
        assert first is not None and first.finish_reason == "y" * 64
        lines = rec.quarantine_path.read_bytes().splitlines()
        assert len(lines) == 1 and _mode(rec.quarantine_path) == 0o600
        entry = orjson.loads(lines[0])
        assert entry["row"]["request_id"] == "r1" and "null" in entry["error"].lower()
        for r in rows(100, start=200):  # the next 100 rows: all written
            rec.record(r)
        assert rec.flush(10) and len(stored_ids(store)) == 200
    finally:
        rec.close()
        store.close()


def test_replaying_a_spill_file_is_poison_safe(store_url: str, tmp_path: Path) -> None:
    store = open_store(store_url)
    spill = tmp_path / "spill.jsonl"
    batch = rows(50)
    batch[7].workload = None  # type: ignore[assignment]
    spill.write_bytes(b"".join(row_to_json(r) for r in batch) + b'{"torn": ')
    rec = Recorder(store, spill_path=spill, flush_interval=0.01)
    rec.start()
    try:
        wait_for(lambda: rec.quarantined == 1 and len(stored_ids(store)) == 49)
        wait_for(lambda: not list(tmp_path.glob("spill*")))
    finally:
        rec.close()
        store.close()


def test_spill_journal_and_quarantine_files_are_private(tmp_path: Path) -> None:
    store = FlakyStore(open_store(f"sqlite:///{tmp_path}/t.db"))
    store.down = True
    rec = Recorder(store, spill_path=tmp_path / "s" / "spill.jsonl", drain_timeout=0.2)  # type: ignore[arg-type]
    rec.start()
    for r in rows(10):
        rec.record(r)
    wait_for(lambda: bool(list((tmp_path / "s").glob("journal-*.jsonl"))))
    journals = list((tmp_path / "s").glob("journal-*.jsonl"))
    assert [_mode(p) for p in journals] == [0o600] and _mode(tmp_path / "s") == 0o700
    rec.close()
    assert _mode(tmp_path / "s" / "spill.jsonl") == 0o600
    assert not list((tmp_path / "s").glob("journal-*.jsonl"))  # all settled (spilled)
    assert _mode(tmp_path / "t.db") == 0o600
    store.real.close()


def _close_within(rec: Recorder, seconds: float) -> float:
    """Run ``rec.close()``; fail (not hang) if it takes longer than ``seconds``."""
    started = time.monotonic()
    closer = threading.Thread(target=rec.close, daemon=True)
    closer.start()
    closer.join(seconds)
    assert not closer.is_alive(), f"close() still running after {seconds} s"
    return time.monotonic() - started


def test_close_keeps_its_deadline_when_an_insert_hangs_forever(tmp_path: Path) -> None:
    real = open_store(f"sqlite:///{tmp_path}/t.db")
    store = GatedStore(real)  # never released: the insert hangs
    spill = tmp_path / "spill.jsonl"
    rec = Recorder(store, spill_path=spill, flush_interval=0.01, drain_timeout=0.5)  # type: ignore[arg-type]
    rec.start()
    for r in rows(30):
        rec.record(r)
    assert store.entered.wait(10)
    _close_within(rec, 5)
    assert rec.spilled == 30 and len(spill.read_bytes().splitlines()) == 30
    store.release.set()
    rec2 = Recorder(real, spill_path=spill)
    rec2.start()
    wait_for(lambda: len(stored_ids(real)) == 30)
    rec2.close()
    real.close()


@pytest.mark.postgres
def test_a_silent_postgres_is_declared_down_and_close_keeps_its_deadline(
    pg_url: str, tmp_path: Path
) -> None:
    """PostgreSQL accepts the connection and never answers: the recorder must call the store
    down within its timeouts, close() must return by its deadline and keep every row."""
    spill = tmp_path / "spill.jsonl"
    timeouts = StoreTimeouts(connect=2, statement=1)
    with proxy_for(pg_url) as (proxy, url):
        store = open_store(url, timeouts=timeouts)
        rec = Recorder(store, spill_path=spill, flush_interval=0.01, drain_timeout=1.5)
        rec.start()
        for r in rows(10):
            rec.record(r)
        assert rec.flush(10)
        proxy.switch("silent")
        for r in rows(100, start=10):
            rec.record(r)
        wait_for(lambda: not rec.store_up, timeout=timeouts.client_wait + 5)
        assert _close_within(rec, 10) < 1.5 + 1.0
        assert rec.spilled == 100
        proxy.switch("forward")
        proxy.cut()  # the pooled connections went silent: drop them
        store.close()
        store2 = open_store(url, timeouts=timeouts)
        rec2 = Recorder(store2, spill_path=spill, flush_interval=0.01)
        rec2.start()
        wait_for(lambda: len(stored_ids(store2)) == 110)
        rec2.close()
        store2.close()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_dead_process_journal_is_replayed_once(tmp_path: Path) -> None:
    """The journal of a process that is gone is claimed and written by the next one; a live
    process's journal is left alone."""
    store = open_store(f"sqlite:///{tmp_path}/t.db")
    dead = tmp_path / f"journal-{_dead_pid()}-1-0.jsonl"
    dead.write_bytes(b"".join(row_to_json(r) for r in rows(40)) + b'{"torn')
    live = tmp_path / f"journal-{os.getppid()}-1-0.jsonl"
    live.write_bytes(b"".join(row_to_json(r) for r in rows(5, start=100)))
    rec = Recorder(store, spill_path=tmp_path / "spill.jsonl", flush_interval=0.01)
    rec.start()
    try:
        wait_for(lambda: len(stored_ids(store)) == 40)
        wait_for(lambda: not dead.exists() and not list(tmp_path.glob("orphan-*")))
        assert live.exists()
    finally:
        rec.close()
        store.close()


def test_journal_segments_go_once_their_rows_are_settled(tmp_path: Path) -> None:
    from swapsafe.gateway.journal import Journal

    journal = Journal(tmp_path, segment_bytes=1000, settled_rotate_bytes=500, fsync=False)
    line = row_to_json(rows(1)[0])
    for _ in range(10):
        journal.append(line * 3, 3)  # ~1 KB a time: a new segment after each append
    assert len(journal.paths) == 10 and journal.appended == 30
    journal.prune(settled=14)  # rows 0-14: the first four segments (rows 0-11) are settled
    assert len(journal.paths) == 6 and len(list(tmp_path.glob("journal-*"))) == 6
    journal.close(remove=True)
    assert not list(tmp_path.glob("journal-*"))
