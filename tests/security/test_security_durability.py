"""Durability with real gateway processes: SIGTERM mid-run during a 60 s store outage loses no
trace row; after kill -9, spilled rows are replayed by the next process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.routing.replicas import free_port
from tests.store.tcp_proxy import proxy_for

from swapsafe.store import open_store
from swapsafe.store.records import TraceQuery
from swapsafe.testing import FakeUpstream

pytestmark = pytest.mark.slow
OUTAGE_S = 60.0


def write_config(
    tmp: Path, upstream: str, max_buffered: int = 200_000, store: str = "", url: str = ""
) -> Path:
    path = tmp / "swapsafe.toml"
    path.write_text(
        textwrap.dedent(f"""
        [store]
        url = "{url or f"sqlite:///{tmp}/traces.db"}"
        max_buffered_rows = {max_buffered}
        {store}
        [models.old]
        provider = "openai-compatible"
        model = "old-model"
        base_url = "{upstream}"
        [workloads.support]
        baseline = "old"
    """)
    )
    return path


@contextlib.contextmanager
def locked(db: Path) -> Iterator[None]:
    """Make the SQLite store unavailable: hold an exclusive lock from another connection."""
    conn = sqlite3.connect(db, timeout=30, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


_started: list[subprocess.Popen[bytes]] = []


@pytest.fixture(autouse=True)
def _reap_gateways() -> Iterator[None]:
    """A failing or interrupted test must not leave gateway processes running."""
    yield
    while _started:
        proc = _started.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def start(config: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "swapsafe",
            "gateway",
            "-c",
            str(config),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _started.append(proc)
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        assert proc.poll() is None and time.monotonic() < deadline, "gateway did not start"
        time.sleep(0.1)


async def send(
    port: int,
    n: int,
    ids: list[str],
    concurrency: int = 32,
    times: list[float] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Send up to n requests; collect the response ids received (and in ``times`` when each
    arrived, time.monotonic()). Returns failures."""
    failures = 0
    sem = asyncio.Semaphore(concurrency)
    body = {"model": "support", "messages": [{"role": "user", "content": "hello"}]}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:

        async def one() -> None:
            nonlocal failures
            async with sem:
                if stop is not None and stop.is_set():
                    return
                try:
                    r = await client.post("/v1/chat/completions", json=body)
                except httpx.HTTPError:
                    failures += 1
                    return
                if r.status_code == 200:
                    ids.append(r.json()["id"])
                    if times is not None:
                        times.append(time.monotonic())
                else:
                    failures += 1

        await asyncio.gather(*[one() for _ in range(n)])
    return failures


def rows_by_id(db_url: str) -> dict[str, int]:
    store = open_store(db_url)
    try:
        counts: dict[str, int] = {}
        for row in store.iter_traces(TraceQuery(role="served")):
            counts[row.request_id] = counts.get(row.request_id, 0) + 1
        return counts
    finally:
        store.close()


def test_sigterm_during_store_outage_loses_nothing(tmp_path: Path) -> None:
    with FakeUpstream("openai").serve_in_thread() as upstream:
        config = write_config(tmp_path, upstream)
        db = tmp_path / "traces.db"
        ids: list[str] = []
        port = free_port()
        g1 = start(config, port)
        assert asyncio.run(send(port, 4000, ids)) == 0
        with locked(db):
            outage_started = time.monotonic()
            assert asyncio.run(send(port, 2000, ids)) == 0
            # SIGTERM while requests are in flight: those answered are drained to the spill file
            stopper = threading.Timer(0.5, g1.send_signal, args=(signal.SIGTERM,))
            stopper.start()
            asyncio.run(send(port, 2000, ids))  # some of these are refused: the server is going
            assert g1.wait(timeout=60) in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM
            spills = list((tmp_path / ".swapsafe").glob("spill-*.jsonl"))
            assert spills, "rows must be spilled when the store is down at shutdown"
            time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - outage_started)))
        port2 = free_port()
        g2 = start(config, port2)
        remaining = 10_000 - len(ids)
        assert asyncio.run(send(port2, remaining, ids)) == 0
        g2.send_signal(signal.SIGTERM)
        assert g2.wait(timeout=60) in (0, -signal.SIGTERM)
    assert len(ids) == 10_000
    counts = rows_by_id(f"sqlite:///{db}")
    missing = [i for i in ids if counts.get(i) != 1]
    assert missing == [], f"{len(missing)} response ids without exactly one trace row"
    assert not list((tmp_path / ".swapsafe").glob("spill-*.jsonl"))


def test_kill_9_spilled_rows_replayed_on_next_start(tmp_path: Path) -> None:
    with FakeUpstream("openai").serve_in_thread() as upstream:
        config = write_config(tmp_path, upstream, max_buffered=50)
        db = tmp_path / "traces.db"
        open_store(f"sqlite:///{db}").close()  # schema in place before the lock
        port = free_port()
        ids: list[str] = []
        g1 = start(config, port)
        with locked(db):
            assert asyncio.run(send(port, 400, ids)) == 0
            spill_dir = tmp_path / ".swapsafe"
            deadline = time.monotonic() + 30
            spilled: list[str] = []
            while len(spilled) < 300:
                assert time.monotonic() < deadline, f"only {len(spilled)} rows spilled"
                time.sleep(0.2)
                spilled = [
                    json.loads(line)["request_id"]
                    for f in spill_dir.glob("spill-*.jsonl")
                    for line in f.read_text().splitlines()
                    if line.strip()
                ]
            os.kill(g1.pid, signal.SIGKILL)
            g1.wait()
        g2 = start(config, free_port())
        deadline = time.monotonic() + 30
        while any(spill_dir.glob("spill-*.jsonl")) and time.monotonic() < deadline:
            time.sleep(0.2)
        g2.send_signal(signal.SIGTERM)
        g2.wait(timeout=60)
    counts = rows_by_id(f"sqlite:///{db}")
    assert [i for i in spilled if counts.get(i) != 1] == []


JOURNAL_INTERVAL = 0.1
#: the promise: rows recorded more than this before a kill -9 are in the journal (one
#: interval, plus a margin for one batch's write and a loaded box's scheduling)
LOSS_BOUND = JOURNAL_INTERVAL + 0.25


def test_kill_9_under_load_loses_at_most_the_journal_interval(tmp_path: Path) -> None:
    """kill -9 mid-load: every response received more than LOSS_BOUND before the kill has
    exactly one trace row once the next process has replayed the dead one's journal."""
    with FakeUpstream("openai").serve_in_thread() as upstream:
        config = write_config(tmp_path, upstream, store=f'journal_interval = "{JOURNAL_INTERVAL}s"')
        db = tmp_path / "traces.db"
        port = free_port()
        g1 = start(config, port)
        ids: list[str] = []
        times: list[float] = []
        killed_at: list[float] = []
        killed = threading.Event()

        def kill_when_loaded() -> None:
            while len(ids) < 3000 and g1.poll() is None:
                time.sleep(0.01)
            killed_at.append(time.monotonic())
            os.kill(g1.pid, signal.SIGKILL)
            killed.set()

        killer = threading.Thread(target=kill_when_loaded)
        killer.start()
        asyncio.run(send(port, 20_000, ids, concurrency=32, times=times, stop=killed))
        killer.join()
        g1.wait()
        journals = list((tmp_path / ".swapsafe").glob("journal-*.jsonl"))
        assert journals and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in journals)
        g2 = start(config, free_port())
        deadline = time.monotonic() + 30
        while any((tmp_path / ".swapsafe").glob(f"journal-{g1.pid}-*")):
            assert time.monotonic() < deadline, "the dead process's journal was not replayed"
            time.sleep(0.1)
        g2.send_signal(signal.SIGTERM)
        assert g2.wait(timeout=60) in (0, -signal.SIGTERM)
    counts = rows_by_id(f"sqlite:///{db}")
    assert all(n == 1 for n in counts.values())
    before = [i for i, t in zip(ids, times, strict=True) if t < killed_at[0] - LOSS_BOUND]
    assert len(before) >= 2000
    missing = [i for i in before if counts.get(i) != 1]
    assert missing == [], f"{len(missing)} of {len(before)} answered ids lost on kill -9"


DRAIN_S = 3.0


@pytest.mark.postgres
def test_sigterm_while_postgres_is_silent_exits_in_time_and_loses_nothing(
    tmp_path: Path, pg_url: str
) -> None:
    """PostgreSQL behind a proxy that goes silent (connections accepted, never answered):
    a gateway under load gets SIGTERM and must exit within its drain deadline (plus the
    server's own graceful stop), spilling what it could not write; once PostgreSQL answers
    again, the next process writes it: every response id has exactly one row."""
    store = 'statement_timeout = "1s"\nconnect_timeout = "2s"\n' + f'drain_timeout = "{DRAIN_S}s"'
    with proxy_for(pg_url) as (proxy, url), FakeUpstream("openai").serve_in_thread() as upstream:
        config = write_config(tmp_path, upstream, store=store, url=url)
        ids: list[str] = []
        port = free_port()
        g1 = start(config, port)
        assert asyncio.run(send(port, 500, ids)) == 0
        proxy.switch("silent")
        assert asyncio.run(send(port, 1000, ids)) == 0  # answered while the store is silent
        stopped = threading.Event()

        def sigterm() -> None:
            time.sleep(0.3)
            stopped.set()
            g1.send_signal(signal.SIGTERM)

        threading.Thread(target=sigterm).start()
        asyncio.run(send(port, 3000, ids, stop=stopped))
        started = time.monotonic()
        assert g1.wait(timeout=60) in (0, -signal.SIGTERM)
        took = time.monotonic() - started
        assert took < DRAIN_S + 5, f"exit took {took:.1f} s with the store silent"
        assert list((tmp_path / ".swapsafe").glob("spill-*.jsonl"))
        proxy.switch("forward")
        proxy.cut()
        port2 = free_port()
        g2 = start(config, port2)
        assert asyncio.run(send(port2, 100, ids)) == 0
        deadline = time.monotonic() + 30
        while any((tmp_path / ".swapsafe").glob("spill-*.jsonl")):
            assert time.monotonic() < deadline, "spilled rows were not replayed"
            time.sleep(0.1)
        g2.send_signal(signal.SIGTERM)
        assert g2.wait(timeout=60) in (0, -signal.SIGTERM)
    counts = rows_by_id(pg_url)
    missing = [i for i in ids if counts.get(i) != 1]
    assert missing == [], f"{len(missing)} of {len(ids)} response ids without exactly one row"
