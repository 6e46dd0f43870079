"""The recorder loses nothing: store outages buffer, overflow spills, restarts replay."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from swapsafe.gateway.recorder import Recorder
from swapsafe.store import open_store
from swapsafe.store.records import TraceQuery, TraceRecord


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
