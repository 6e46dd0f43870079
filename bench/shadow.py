"""Shadow-mode benchmark: served latency with shadowing on vs off at a fixed open-loop rate,
shadow calls yielding under saturation, and rollback propagation.

Two gateway workers, ``yield_when_busy`` off and on, pinned to core 0 (only one is loaded at a
time), in front of instant fake upstreams; the fakes and the load generator share core 1.
Rows are interleaved round by round, so the machine's other load hits every row alike; each
row reports its pooled p50/p99, its p99 ratio per round, the gateway's sampled event-loop lag
and served requests in flight, CPU use and shadow coverage. Everything is on 127.0.0.1.

1. Capacity: closed loop, concurrency 32, workload in pass-through: the worker's requests/s.
2. Open loop (Poisson arrivals, the same schedule for every row) at 50% of that capacity,
   served p50/p99 with shadowing off and with 100% shadowing of a healthy, a slow (250 ms) and a
   faulty (connection refused) candidate. This gateway runs ``yield_when_busy = false`` so that
   100% means 100%; the target is served p99 <= 1.25x shadowing off.
3. Saturation: open loop at 90% of capacity with 100% shadowing of the healthy candidate (more
   than the worker can do with every shadow call), ``yield_when_busy`` off vs on (defaults):
   served p99 and shadow coverage. The yield-on gateway also runs the 50% row, to show what
   the defaults skip at normal load.
4. Rollback propagation across two replicas on PostgreSQL (``--no-propagation`` skips it).

    python bench/shadow.py [--quick] [--runs N] [--pg postgresql://postgres@127.0.0.1:5432/test]
    python bench/shadow.py --rate 1200 --seconds 5   # the same load for two builds (A/B)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import random
import re
import statistics
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import chat_body, free_port, load, pct, process, versions

ADMIN = "bench-admin-token-0123456789abcdef"
SHADOWED = ("healthy", "slow", "faulty", "sat")  # workloads put in shadow mode
SLOW_LATENCY = 0.25
PIDS: dict[str, int] = {}  # the fake upstream's pid ("fake"), for its CPU use per row
ROWS = (  # workload, row name (the 50% rows)
    ("plain", "shadow off"),
    ("healthy", "100% shadow, healthy"),
    ("slow", "100% shadow, slow 250ms"),
    ("faulty", "100% shadow, faulty"),
)


def write_config(tmp: Path, store_url: str, upstream: str, slow: str, yield_: bool) -> Path:
    cfg = tmp / f"swapsafe-{uuid.uuid4().hex[:6]}.toml"
    refused = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens: connection refused
    models = {"old": upstream, "new": upstream, "slow": slow, "faulty": refused}
    text = f'[store]\nurl = "{store_url}"\n'
    for name, url in models.items():
        text += textwrap.dedent(f"""
            [models.{name}]
            provider = "openai-compatible"
            model = "{name}-model"
            base_url = "{url}"
            """)
    for wl, cand in (("plain", "new"), ("healthy", "new"), ("slow", "slow"), ("faulty", "faulty")):
        text += f'\n[workloads.{wl}]\nbaseline = "old"\ncandidate = "{cand}"\n'
    text += '\n[workloads.sat]\nbaseline = "old"\ncandidate = "new"\n'
    text += textwrap.dedent(f"""
        [shadow]
        max_concurrency = 1024
        timeout = "5s"
        yield_when_busy = {"true" if yield_ else "false"}
        [gateway]
        admin_token = "env::BENCH_ADMIN_TOKEN"
        """)
    cfg.write_text(text)
    return cfg


def gateway_cmd(cfg: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "swapsafe", "gateway", "-c", str(cfg), "--port", str(port),
            "--log-level", "warning"]  # fmt: skip


def admin(url: str, path: str, body: dict[str, object]) -> None:
    r = httpx.post(f"{url}{path}", json=body, headers={"authorization": f"Bearer {ADMIN}"})
    r.raise_for_status()


@dataclass
class Row:
    name: str
    latencies: list[float] = field(default_factory=list)  # ms, from send to last byte
    errors: int = 0
    sent_rate: float = 0.0
    coverage: str = "-"
    lag_ms: list[float] = field(default_factory=list)  # sampled swapsafe_event_loop_lag_seconds
    in_flight: list[float] = field(default_factory=list)  # sampled swapsafe_served_in_flight
    cpu: dict[str, list[float]] = field(default_factory=dict)  # process -> % of a core, per round
    gateway_cpu_s: float = 0.0  # gateway CPU seconds while the row ran
    sent: int = 0  # requests sent

    rounds: list[float] = field(default_factory=list)  # p99 / shadow-off p99, per round

    def merge(self, part: Row) -> None:
        """Pool one round's row into this one (the sent rate is the mean over rounds)."""
        n = len(self.rounds)  # rounds merged so far (merge, then append the round's ratio)
        self.sent_rate = (self.sent_rate * n + part.sent_rate) / (n + 1)
        self.latencies += part.latencies
        self.errors += part.errors
        self.gateway_cpu_s += part.gateway_cpu_s
        self.sent += part.sent
        self.lag_ms += part.lag_ms
        self.in_flight += part.in_flight
        for name, values in part.cpu.items():
            self.cpu.setdefault(name, []).extend(values)

    @property
    def p50(self) -> float:
        return pct(self.latencies, 50)

    @property
    def p99(self) -> float:
        return pct(self.latencies, 99)


async def _one(session: aiohttp.ClientSession, url: str, body: dict[str, object], row: Row) -> None:
    t0 = time.perf_counter()
    try:
        async with session.post(url, json=body) as resp:
            await resp.read()
            if resp.status != 200:
                row.errors += 1
                return
    except (aiohttp.ClientError, TimeoutError):
        row.errors += 1
        return
    row.latencies.append((time.perf_counter() - t0) * 1000)


async def _sample_lag(base: str, row: Row, stop: asyncio.Event) -> None:
    async with aiohttp.ClientSession() as s:
        while not stop.is_set():
            with contextlib.suppress(aiohttp.ClientError):
                async with s.get(f"{base}/metrics") as r:
                    text = await r.text()
                row.lag_ms.append(_counter(text, "swapsafe_event_loop_lag_seconds") * 1000)
                row.in_flight.append(_counter(text, "swapsafe_served_in_flight"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.1)


async def open_loop(gw: Gw, workload: str, rate: float, seconds: float, name: str) -> Row:
    """Poisson arrivals at ``rate``/s for ``seconds`` (seeded: every row gets the same
    schedule); latency from each request's send to its last byte."""
    row, rnd = Row(name), random.Random(20261207)
    base, procs = gw.base, {"gateway": gw.pid, "fake": PIDS["fake"]}
    url, body = f"{base}/v1/chat/completions", chat_body(workload, False)
    conn = aiohttp.TCPConnector(limit=512)
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as session:
        for _ in range(50):  # warm-up: connections, caches
            await _one(session, url, body, Row("warmup"))
        stop = asyncio.Event()
        sampler = asyncio.create_task(_sample_lag(base, row, stop))
        loop = asyncio.get_running_loop()
        tasks: list[asyncio.Task[None]] = []
        cpu0 = {name: cpu_seconds(pid) for name, pid in procs.items()}
        gc.collect()
        start = next_at = loop.time() + 0.05
        gc.disable()  # the load generator's own collector pauses (100-350 ms) are not the gateway's
        try:
            while next_at < start + seconds:
                delay = next_at - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(_one(session, url, body, row)))
                next_at += rnd.expovariate(rate)
            row.sent_rate = len(tasks) / max(loop.time() - start, 1e-9)
            await asyncio.gather(*tasks)
        finally:
            gc.enable()
        wall = loop.time() - start
        for name, pid in procs.items():
            row.cpu[name] = [100 * (cpu_seconds(pid) - cpu0[name]) / wall]
        row.gateway_cpu_s = cpu_seconds(gw.pid) - cpu0["gateway"]
        row.sent = len(tasks)
        stop.set()
        await sampler
    return row


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def coverage(base: str, workload: str) -> str:
    text = httpx.get(f"{base}/metrics").text
    made = _counter(text, f'swapsafe_shadow_shadowed_total{{workload="{workload}"}}')
    skipped = {
        m.group(1): float(m.group(2))
        for m in re.finditer(
            rf'^swapsafe_shadow_skipped_total{{workload="{workload}",reason="(\w+)"}} (\S+)$',
            text,
            re.M,
        )
    }
    total = made + sum(skipped.values())
    if not total:
        return "-"
    why = ", ".join(f"{k} {v:.0f}" for k, v in sorted(skipped.items()))
    return f"{100 * made / total:.1f}%" + (f" ({why})" if why else "")


def _counter(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@dataclass(frozen=True)
class Gw:
    base: str
    pid: int


@contextlib.contextmanager
def gateway(tmp: Path, upstream: str, slow: str, *, yield_: bool) -> Iterator[Gw]:
    cfg = write_config(tmp, f"sqlite:///{tmp}/{uuid.uuid4().hex[:6]}.db", upstream, slow, yield_)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with process(gateway_cmd(cfg, port), f"{base}/healthz", core=0,
                 env={"BENCH_ADMIN_TOKEN": ADMIN}) as proc:  # fmt: skip
        for wl in SHADOWED:
            admin(base, f"/admin/workloads/{wl}/route", {"mode": "shadow", "reason": "bench"})
        time.sleep(1.0)
        yield Gw(base, proc.pid)


def settle(gw: Gw, limit: float = 15.0) -> None:
    """Wait until the gateway has no shadow call running and its trace queue is drained, so
    one row's leftovers do not run during the next row."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        text = httpx.get(f"{gw.base}/metrics").text
        if (
            _counter(text, "swapsafe_shadow_in_flight") == 0
            and _counter(text, "swapsafe_recorder_queue_depth") < 100
        ):
            return
        time.sleep(0.1)


def interleaved(
    specs: list[tuple[Gw, str, str]], rate: float, seconds: float, rounds: int
) -> list[Row]:
    """Rows of (gateway, workload, name) at one open-loop rate, interleaved round by round so
    that drift in the machine's load hits every row alike. Each row pools its rounds and keeps
    its p99 ratio to the first row's, per round."""
    rows = [Row(name) for _, _, name in specs]
    for _ in range(rounds):
        parts = []
        for gw, wl, name in specs:
            parts.append(asyncio.run(open_loop(gw, wl, rate, seconds, name)))
            settle(gw)
        for row, part in zip(rows, parts, strict=True):
            row.merge(part)
            row.rounds.append(part.p99 / parts[0].p99)
    for row, (gw, wl, _) in zip(rows, specs, strict=True):
        row.coverage = coverage(gw.base, wl)
    return rows


def capacity(gw: Gw, seconds: float, workload: str = "plain") -> float:
    procs = {"gateway": gw.pid, "fake": PIDS["fake"]}
    t0, cpu0 = time.perf_counter(), {n: cpu_seconds(pid) for n, pid in procs.items()}
    cap = asyncio.run(
        load("capacity", f"{gw.base}/v1/chat/completions", chat_body(workload, False), {},
             concurrency=32, seconds=seconds)
    ).rps  # fmt: skip
    busy = ", ".join(
        f"{n} {100 * (cpu_seconds(pid) - cpu0[n]) / (time.perf_counter() - t0):.0f}%"
        for n, pid in procs.items()
    )
    what = "pass-through" if workload == "plain" else "100%-shadowed"
    print(f"  {what} capacity {cap:,.0f} req/s (closed loop, c=32; CPU {busy})")
    return cap


def one_run(
    tmp: Path,
    upstream: str,
    slow: str,
    seconds: float,
    rounds: int,
    base: str = "plain",
    rate: float | None = None,
) -> list[tuple[str, list[Row]]]:
    """Two gateways side by side on core 0 (only one is loaded at a time): yield off and on.

    ``base="healthy"`` takes the 50% rate from the capacity *with* 100% shadowing (the worker
    half busy in every row), which separates interference from the shadow call's own CPU.
    ``rate`` fixes the open-loop rate instead (to compare two builds at the same load)."""
    with (
        gateway(tmp, upstream, slow, yield_=False) as off,
        gateway(tmp, upstream, slow, yield_=True) as on,
    ):
        cap = capacity(off, 2 * seconds)
        if rate is not None:
            half, sat = rate, 0.9 * cap
        else:
            half = 0.5 * (cap if base == "plain" else capacity(off, 2 * seconds, base))
            sat = 0.9 * cap
        half_rows = interleaved(
            [(off, wl, name) for wl, name in ROWS] + [(on, "healthy", "100% shadow, yield on")],
            half,
            seconds,
            rounds,
        )
        sat_rows = interleaved([(off, "sat", "yield off"), (on, "sat", "yield on")], sat,
                               seconds, rounds)  # fmt: skip
    if rate is not None:
        what = "a fixed rate"
    else:
        what = "50% of " + ("capacity" if base == "plain" else "shadowed capacity")
    return [
        (
            f"open loop at {what}: {half:,.0f} req/s",
            half_rows,
        ),
        (f"saturation: open loop at 90% of capacity, {sat:,.0f} req/s", sat_rows),
    ]


def print_rows(title: str, rows: list[Row], base: Row) -> None:
    print(f"\n{title}")
    print(f"{'':<26}{'p50 ms':>8}{'p99 ms':>9}{'p99 x':>7}{'sent/s':>8}{'errors':>7}"
          f"{'lag p50/max ms':>16}{'in flight max':>14}{'CPU gw/fake %':>15}{'gw CPU/req':>11}"
          "  shadow coverage")  # fmt: skip
    for r in rows:
        lag = f"{pct(r.lag_ms, 50):.1f}/{max(r.lag_ms, default=float('nan')):.1f}"
        cpu = "/".join(f"{statistics.mean(r.cpu.get(n) or [0]):.0f}" for n in ("gateway", "fake"))
        gw_ms = 1000 * r.gateway_cpu_s / max(r.sent, 1)
        per_request = f"{gw_ms:.2f} ms"  # gateway CPU per served request, shadow call included
        print(f"{r.name:<26}{r.p50:>8.2f}{r.p99:>9.2f}{r.p99 / base.p99:>7.2f}"
              f"{r.sent_rate:>8.0f}{r.errors:>7}{lag:>16}{max(r.in_flight, default=0):>14.0f}"
              f"{cpu:>15}{per_request:>11}  {r.coverage}")  # fmt: skip
        if r.rounds and r is not base:
            print(f"{'':<26}p99 x per round: " + ", ".join(f"{x:.2f}" for x in r.rounds))


def propagation(tmp: Path, pg: str, upstream: str, flips: int) -> list[float]:
    import psycopg
    from sqlalchemy import make_url

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    libpq = make_url(pg).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        store_url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
        cfg = write_config(
            tmp, store_url.render_as_string(hide_password=False), upstream, upstream, True
        )
        pa, pb = free_port(), free_port()
        a, b = f"http://127.0.0.1:{pa}", f"http://127.0.0.1:{pb}"
        env = {"BENCH_ADMIN_TOKEN": ADMIN}
        times: list[float] = []
        with (
            process(gateway_cmd(cfg, pa), f"{a}/healthz", env=env),
            process(gateway_cmd(cfg, pb), f"{b}/healthz", env=env),
            httpx.Client() as client,
        ):
            for i in range(flips):
                promote = i % 2 == 0
                want = "new" if promote else "old"
                path = "/admin/workloads/plain/" + ("route" if promote else "rollback")
                body = {"mode": "promoted", "reason": "bench"} if promote else {"reason": "bench"}
                t0 = time.perf_counter()
                admin(a, path, body)
                while True:
                    r = client.post(f"{b}/v1/chat/completions", json=chat_body("plain", False))
                    if r.headers["x-swapsafe-served-by"] == want:
                        break
                    if time.perf_counter() - t0 > 10:
                        raise RuntimeError("replica B did not follow within 10 s")
                times.append(time.perf_counter() - t0)
        return times
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def fake_cmd(port: int, latency: float = 0.0) -> list[str]:
    return [sys.executable, "-m", "swapsafe.testing", "--flavor", "openai", "--port", str(port),
            "--uvloop", "--latency", str(latency)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1 s per row and round, not 2")
    parser.add_argument("--rounds", type=int, default=6, help="interleaved rounds of rows")
    parser.add_argument("--runs", type=int, default=1, help="repeat the latency runs")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--flips", type=int, default=20)
    parser.add_argument("--no-propagation", action="store_true")
    parser.add_argument(
        "--shadowed-capacity",
        action="store_true",
        help="take the 50%% rate from the capacity with 100%% shadowing, not pass-through",
    )
    parser.add_argument("--rate", type=float, help="open-loop req/s of the latency rows (fixed)")
    parser.add_argument("--seconds", type=float, help="seconds per row and round (default 2)")
    args = parser.parse_args()
    seconds = args.seconds or (1.0 if args.quick else 2.0)
    up, slow_port = free_port(), free_port()
    upstream, slow = f"http://127.0.0.1:{up}/v1", f"http://127.0.0.1:{slow_port}/v1"
    print(f"versions: {versions()}")
    ratios: list[float] = []
    per_round: list[float] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        process(fake_cmd(up), f"{upstream}/models", core=1) as fake,
        process(fake_cmd(slow_port, SLOW_LATENCY), f"{slow}/models", core=1),
    ):
        PIDS["fake"] = fake.pid
        for run in range(1, args.runs + 1):
            print(f"\nrun {run}/{args.runs}")
            for title, rows in one_run(
                Path(tmp),
                upstream,
                slow,
                seconds,
                args.rounds,
                "healthy" if args.shadowed_capacity else "plain",
                args.rate,
            ):
                print_rows(title, rows, rows[0])
                if title.startswith("open loop"):
                    ratios += [r.p99 / rows[0].p99 for r in rows[1:4]]
                    per_round += [x for r in rows[1:4] for x in r.rounds]
        mid = statistics.median(per_round)
        print(f"\nserved p99 with 100% shadowing / off at 50% load (target <= 1.25): pooled "
              f"{min(ratios):.2f}-{max(ratios):.2f}x over {len(ratios)} rows; per round median "
              f"{mid:.2f}x, {min(per_round):.2f}-{max(per_round):.2f}x")  # fmt: skip
        if not args.no_propagation:
            ms = [t * 1000 for t in propagation(Path(tmp), args.pg, upstream, args.flips)]
            print(
                f"\nrollback propagation across 2 replicas on PostgreSQL, {len(ms)} flips: "
                f"median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms (target median < 200)"
            )


if __name__ == "__main__":
    main()
