"""Shared benchmark plumbing: processes pinned to cores, an aiohttp load generator, stats."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(cmd: Sequence[str], core: int | None) -> list[str]:
    if core is not None and shutil.which("taskset") and (os.cpu_count() or 1) > core:
        return ["taskset", "-c", str(core), *cmd]
    return list(cmd)


@contextlib.contextmanager
def process(
    cmd: Sequence[str],
    health_url: str,
    *,
    env: dict[str, str] | None = None,
    core: int | None = None,
    timeout: float = 90,
) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        pinned(cmd, core),
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
                raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}: {err}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(health_url, timeout=1).status_code < 500:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(cmd)} did not become healthy")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q / 100 * len(s)))]


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds
    ttfb: list[float] = field(default_factory=list)
    rps: float = 0.0
    errors: int = 0

    def row(self) -> dict[str, Any]:
        ms = [x * 1000 for x in self.latencies]
        return {
            "name": self.name,
            "p50": pct(ms, 50),
            "p95": pct(ms, 95),
            "p99": pct(ms, 99),
            "rps": self.rps,
            "ttfb_p50": pct([x * 1000 for x in self.ttfb], 50) if self.ttfb else float("nan"),
            "errors": self.errors,
        }


def chat_body(model: str, stream: bool) -> dict[str, Any]:
    return {
        "model": model,
        "stream": stream,
        "messages": [{"role": "user", "content": "Summarise the ticket in one line."}],
    }


def responses_body(model: str, stream: bool) -> dict[str, Any]:
    """The same request for the OpenAI Responses API."""
    return {"model": model, "stream": stream, "input": "Summarise the ticket in one line."}


def body_for(url: str, model: str, stream: bool) -> dict[str, Any]:
    """The request body for ``url``: the Responses API or Chat Completions."""
    return (responses_body if url.endswith("/responses") else chat_body)(model, stream)


async def _one(
    session: aiohttp.ClientSession,
    url: str,
    body: dict[str, Any],
    headers: dict[str, str],
    res: Result,
) -> None:
    t0 = time.perf_counter()
    try:
        async with session.post(url, json=body, headers=headers) as resp:
            if body.get("stream"):
                first = True
                async for _ in resp.content.iter_any():
                    if first:
                        res.ttfb.append(time.perf_counter() - t0)
                        first = False
            else:
                await resp.read()
            if resp.status != 200:
                res.errors += 1
                return
    except aiohttp.ClientError:
        res.errors += 1
        return
    res.latencies.append(time.perf_counter() - t0)


async def load(
    name: str,
    url: str,
    body: dict[str, Any],
    headers: dict[str, str],
    *,
    concurrency: int,
    requests: int | None = None,
    seconds: float | None = None,
) -> Result:
    res = Result(name)
    conn = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=conn) as session:
        for _ in range(min(50, requests or 50)):  # warm-up
            await _one(session, url, body, headers, Result("warmup"))
        done = 0
        stop_at = time.perf_counter() + (seconds or 1e9)

        async def worker() -> None:
            nonlocal done
            while (requests is None or done < requests) and time.perf_counter() < stop_at:
                done += 1
                await _one(session, url, body, headers, res)

        t0 = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        res.rps = len(res.latencies) / (time.perf_counter() - t0)
    return res


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{title}")
    print(
        f"{'':<22}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>10}{'TTFB p50':>10}{'errors':>8}"
    )
    for r in rows:
        print(
            f"{r['name']:<22}{r['p50']:>9.2f}{r['p95']:>9.2f}{r['p99']:>9.2f}"
            f"{r['rps']:>10.0f}{r['ttfb_p50']:>10.2f}{r['errors']:>8}"
        )


def versions() -> str:
    import importlib.metadata as md

    parts = [f"python {sys.version.split()[0]}"]
    for pkg in ("swapsafe", "starlette", "uvicorn", "aiohttp", "orjson"):
        with contextlib.suppress(md.PackageNotFoundError):
            parts.append(f"{pkg} {md.version(pkg)}")
    return ", ".join(parts)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")
