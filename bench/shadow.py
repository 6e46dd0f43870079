"""Shadow-mode benchmark: served-path latency with shadowing on vs off, and rollback propagation.

1. One gateway (pinned to core 0) in front of an instant fake upstream (core 1, with the load
   generator): served p50/p99 at concurrency 64 with the workload in mode ``baseline`` (pass
   through) and then in mode ``shadow`` (every request also goes to the candidate).
2. Two gateway replicas on one PostgreSQL: flip the workload between ``promoted`` and
   ``rolled_back`` 20 times through replica A's admin API and measure how long replica B takes
   to follow (median of the 20 flips).

    python bench/shadow.py [--quick] [--pg postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import chat_body, free_port, load, process, versions

ADMIN = "bench-admin-token-0123456789abcdef"


def write_config(tmp: Path, store_url: str, upstream: str) -> Path:
    cfg = tmp / "swapsafe.toml"
    cfg.write_text(
        textwrap.dedent(f"""
        [store]
        url = "{store_url}"
        [models.old]
        provider = "openai-compatible"
        model = "old-model"
        base_url = "{upstream}"
        [models.new]
        provider = "openai-compatible"
        model = "new-model"
        base_url = "{upstream}"
        [workloads.support]
        baseline = "old"
        candidate = "new"
        [shadow]
        max_concurrency = 64
        [gateway]
        admin_token = "env::BENCH_ADMIN_TOKEN"
        """)
    )
    return cfg


def gateway_cmd(cfg: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "swapsafe",
        "gateway",
        "-c",
        str(cfg),
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]


def admin(url: str, path: str, body: dict[str, object]) -> None:
    r = httpx.post(f"{url}{path}", json=body, headers={"authorization": f"Bearer {ADMIN}"})
    r.raise_for_status()


def served_by(client: httpx.Client, url: str) -> str:
    r = client.post(
        f"{url}/v1/chat/completions",
        json=chat_body("support", False),
        headers={"x-swapsafe-user": "probe"},
    )
    return r.headers["x-swapsafe-served-by"]


def shadow_overhead(tmp: Path, upstream: str, seconds: float) -> tuple[dict, dict]:  # type: ignore[type-arg]
    cfg = write_config(tmp, f"sqlite:///{tmp}/shadow.db", upstream)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"BENCH_ADMIN_TOKEN": ADMIN}
    with process(gateway_cmd(cfg, port), f"{url}/healthz", core=0, env=env):
        endpoint = f"{url}/v1/chat/completions"
        off = asyncio.run(
            load(
                "pass-through",
                endpoint,
                chat_body("support", False),
                {},
                concurrency=64,
                seconds=seconds,
            )
        )
        admin(url, "/admin/workloads/support/route", {"mode": "shadow", "reason": "bench"})
        time.sleep(1.0)
        on = asyncio.run(
            load(
                "shadow on",
                endpoint,
                chat_body("support", False),
                {},
                concurrency=64,
                seconds=seconds,
            )
        )
        metrics = httpx.get(f"{url}/metrics").text
    skipped = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("swapsafe_shadow_skipped_total{")
    )
    shadow_ok = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("swapsafe_requests_total{") and 'role="shadow"' in line
    )
    print(f"  shadow calls made {shadow_ok:.0f}, skipped (cap/budget/sample) {skipped:.0f}")
    return off.row(), on.row()


def propagation(tmp: Path, pg: str, upstream: str, flips: int) -> list[float]:
    import psycopg
    from sqlalchemy import make_url

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    libpq = make_url(pg).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        store_url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
        cfg = write_config(tmp, store_url.render_as_string(hide_password=False), upstream)
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
                path = "/admin/workloads/support/" + ("route" if promote else "rollback")
                body = {"mode": "promoted", "reason": "bench"} if promote else {"reason": "bench"}
                t0 = time.perf_counter()
                admin(a, path, body)
                while served_by(client, b) != want:
                    if time.perf_counter() - t0 > 10:
                        raise RuntimeError("replica B did not follow within 10 s")
                times.append(time.perf_counter() - t0)
        return times
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--flips", type=int, default=20)
    args = parser.parse_args()
    up_port = free_port()
    upstream = f"http://127.0.0.1:{up_port}/v1"
    fake = [
        sys.executable,
        "-m",
        "swapsafe.testing",
        "--flavor",
        "openai",
        "--port",
        str(up_port),
        "--uvloop",
    ]
    print(f"versions: {versions()}")
    with tempfile.TemporaryDirectory() as tmp, process(fake, f"{upstream}/models", core=1):
        off, on = shadow_overhead(Path(tmp), upstream, 5 if args.quick else 10)
        print(f"\n{'':<16}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}")
        for row in (off, on):
            print(f"{row['name']:<16}{row['p50']:>9.2f}{row['p99']:>9.2f}{row['rps']:>9.0f}")
        print(f"served p99 shadow / pass-through: {on['p99'] / off['p99']:.2f}x (target <= 1.10)")
        times = propagation(Path(tmp), args.pg, upstream, args.flips)
        ms = [t * 1000 for t in times]
        print(
            f"\nrollback propagation across 2 replicas on PostgreSQL, {len(ms)} flips: "
            f"median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms (target median < 200)"
        )


if __name__ == "__main__":
    main()
