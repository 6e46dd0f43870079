"""Soak: N minutes at a fixed request rate through shadow mode with a candidate that fails 30%
of its calls. Reports RSS growth after warm-up, shadow tasks and recorder queue over time, and
served-side errors (must be zero).

    python bench/soak.py                      # 10 minutes at 200 requests/s
    python bench/soak.py --minutes 1 --rps 100
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from common import chat_body, free_port, process, rss_mb

from swapsafe.testing import FakeUpstream

ADMIN = "soak-admin-token-0123456789abcdef"


class Flaky:
    """ASGI wrapper: answers 500 for a share of requests, else delegates to the fake."""

    def __init__(self, app: FakeUpstream, failure_rate: float) -> None:
        self.app, self.failure_rate = app, failure_rate

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and random.random() < self.failure_rate:
            while (await receive()).get("more_body"):
                pass
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send(
                {
                    "type": "http.response.body",
                    "body": b'{"error": {"message": "injected", "type": "server_error"}}',
                }
            )
            return
        await self.app(scope, receive, send)


def gauge(metrics: str, name: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return float("nan")


async def drive(
    url: str, rps: float, seconds: float, samples: list[dict[str, float]], pid: int
) -> tuple[int, int]:
    ok = errors = 0
    interval = 1.0 / rps
    body = chat_body("support", False)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=512)) as session:

        async def one(i: int) -> None:
            nonlocal ok, errors
            try:
                async with session.post(
                    f"{url}/v1/chat/completions",
                    json=body,
                    headers={"x-swapsafe-user": f"u{i % 1000}"},
                ) as r:
                    await r.read()
                    if r.status == 200:
                        ok += 1
                    else:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1

        tasks: set[asyncio.Task[None]] = set()
        start = time.perf_counter()
        next_sample = start
        i = 0
        while (now := time.perf_counter()) - start < seconds:
            if now >= next_sample:
                m = (await (await session.get(f"{url}/metrics")).read()).decode()
                samples.append(
                    {
                        "t": now - start,
                        "rss": rss_mb(pid),
                        "shadow_in_flight": gauge(m, "swapsafe_shadow_in_flight"),
                        "queue": gauge(m, "swapsafe_recorder_queue_depth"),
                    }
                )
                next_sample += 10
            t = asyncio.create_task(one(i))
            tasks.add(t)
            t.add_done_callback(tasks.discard)
            i += 1
            await asyncio.sleep(max(0.0, start + i * interval - time.perf_counter()))
        await asyncio.gather(*tasks)
    return ok, errors


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rps", type=float, default=200)
    parser.add_argument("--failure-rate", type=float, default=0.3)
    args = parser.parse_args()
    old = FakeUpstream("openai")
    new = Flaky(FakeUpstream("openai"), args.failure_rate)
    from swapsafe.testing.loopback import serve_in_thread

    with (
        old.serve_in_thread() as old_url,
        serve_in_thread(new) as new_base,  # type: ignore[arg-type]
        tempfile.TemporaryDirectory() as tmp,
    ):
        cfg = Path(tmp) / "swapsafe.toml"
        cfg.write_text(
            textwrap.dedent(f"""
            [store]
            url = "sqlite:///{tmp}/soak.db"
            [models.old]
            provider = "openai-compatible"
            model = "old-model"
            base_url = "{old_url}"
            [models.new]
            provider = "openai-compatible"
            model = "new-model"
            base_url = "{new_base}/v1"
            [workloads.support]
            baseline = "old"
            candidate = "new"
            [gateway]
            admin_token = "env::SOAK_ADMIN"
        """)
        )
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        cmd = [
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
        with process(cmd, f"{url}/healthz", env={"SOAK_ADMIN": ADMIN}) as gw:
            httpx.post(
                f"{url}/admin/workloads/support/route",
                headers={"authorization": f"Bearer {ADMIN}"},
                json={"mode": "shadow", "reason": "soak"},
            ).raise_for_status()
            time.sleep(1.0)
            samples: list[dict[str, float]] = []
            ok, errors = asyncio.run(drive(url, args.rps, args.minutes * 60, samples, gw.pid))
            metrics = httpx.get(f"{url}/metrics").text
    shadow_err = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("swapsafe_requests_total{")
        and 'role="shadow"' in line
        and 'status="error"' in line
    )
    print(f"{'t (s)':>7}{'RSS MB':>9}{'shadow in flight':>18}{'recorder queue':>16}")
    for s in samples:
        print(f"{s['t']:>7.0f}{s['rss']:>9.1f}{s['shadow_in_flight']:>18.0f}{s['queue']:>16.0f}")
    warm = samples[min(1, len(samples) - 1)]["rss"]
    last = samples[-1]["rss"]
    print(
        f"\nserved: {ok} ok, {errors} errors (target 0); shadow errors recorded: "
        f"{shadow_err:.0f} (~{args.failure_rate:.0%} injected)"
    )
    print(
        f"RSS after warm-up {warm:.1f} MB -> end {last:.1f} MB: {(last / warm - 1) * 100:+.1f}% "
        f"(target <= 10%)"
    )


if __name__ == "__main__":
    main()
