"""Eval runner benchmark: wall time against a slow upstream, runner CPU per case, dataset import.

1. 1,000 cases x 2 models against a fake OpenAI upstream (separate process, loopback) that
   answers every request after 50 ms, concurrency 64. Target: wall time <= 1.5x the
   concurrency-bound minimum (2,000 x 50 ms / 64 = 1.56 s).
2. Runner CPU per case x model with a 0-latency upstream: in-process ScriptedProvider (runner
   overhead alone: request build, scoring, result batching, SQLite writes) and the fake upstream
   over HTTP (runner + HTTP client). Target: <= 1 ms CPU per case.
3. Reading a 10,000-case golden JSONL (load_cases) and converting a 10,000-sample OpenAI evals
   file (import + atomic write). Target: <= 2 s each.

    python bench/evals.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import free_port, process

from swapsafe.config import load_config
from swapsafe.evals.cases import Assertion, Case
from swapsafe.evals.datasets import load_cases, write_cases
from swapsafe.evals.importers import import_openai_evals
from swapsafe.evals.runner import EvalJob, run_eval
from swapsafe.store import open_store
from swapsafe.testing import ScriptedProvider

LATENCY = 0.05
CONCURRENCY = 64


def config(tmp: Path, base_url: str) -> Path:
    path = tmp / "swapsafe.toml"
    models = "".join(
        f'[models.{m}]\nprovider = "openai-compatible"\nmodel = "{m}"\nbase_url = "{base_url}"\n'
        f"price = {{ input = 1.0, output = 2.0 }}\n"
        for m in ("old", "new")
    )
    path.write_text(
        f'[store]\nurl = "sqlite:///{tmp / "bench.db"}"\n{models}'
        '[workloads.support]\nbaseline = "old"\ncandidate = "new"\n'
    )
    return path


def cases(n: int) -> list[Case]:
    return [
        Case(
            id=f"case-{i:05d}",
            input=f"Ticket {i}: I was charged twice for my invoice, please help.",
            ideal=["charged"],
            assertions=[
                Assertion(type="contains", value="charged"),
                Assertion(type="regex", value=r"\d+"),
            ],
        )
        for i in range(n)
    ]


async def timed_run(
    cfg_path: Path, n: int, providers: dict[str, ScriptedProvider] | None
) -> tuple[float, float, int]:
    cfg = load_config(cfg_path)
    store = open_store(cfg.store.url)
    items = cases(n)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    job = EvalJob("support", items, concurrency=CONCURRENCY, tag="bench")
    run_id = await run_eval(cfg, store, job, providers=providers)  # type: ignore[arg-type]
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    rows = store.eval_results(run_id)
    assert len(rows) == 2 * n and all(r.passed for r in rows), "every pair must pass"
    store.close()
    return wall, cpu, len(rows)


def upstream(port: int, latency: float):  # type: ignore[no-untyped-def]
    cmd = [sys.executable, "-m", "swapsafe.testing", "--port", str(port), "--latency", str(latency)]
    return process(cmd, f"http://127.0.0.1:{port}/v1/models", core=1)


def bench_import(tmp: Path, n: int) -> tuple[float, float]:
    golden = tmp / "golden.jsonl"
    write_cases(golden, cases(n))
    t0 = time.perf_counter()
    loaded = load_cases(golden)
    load_s = time.perf_counter() - t0
    assert len(loaded) == n
    samples = tmp / "samples.jsonl"
    samples.write_bytes(
        b"".join(
            orjson.dumps(
                {
                    "input": [
                        {"role": "system", "content": "Answer briefly."},
                        {"role": "user", "content": f"Question {i}?"},
                    ],
                    "ideal": [f"A{i}", f"a{i}"],
                }
            )
            + b"\n"
            for i in range(n)
        )
    )
    t0 = time.perf_counter()
    write_cases(tmp / "converted.jsonl", import_openai_evals(samples, "includes"))
    return load_s, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 cases instead of 1,000")
    args = parser.parse_args()
    n = 200 if args.quick else 1000
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        port = free_port()
        with upstream(port, LATENCY):
            (tmp / "a").mkdir()
            cfg = config(tmp / "a", f"http://127.0.0.1:{port}/v1")
            asyncio.run(timed_run(cfg, 50, None))  # warm up connections and imports
            wall, cpu, pairs = asyncio.run(timed_run(cfg, n, None))
        floor = pairs * LATENCY / CONCURRENCY
        rows.append(
            (
                f"{n} cases x 2 models, 50 ms upstream, c={CONCURRENCY}: wall",
                f"{wall:.2f} s",
                f"{wall / floor:.2f}x of {floor:.2f} s floor",
                "<= 1.5x",
            )
        )
        rows.append(
            (
                "  process CPU during that run",
                f"{cpu:.2f} s",
                f"{1000 * cpu / pairs:.3f} ms/pair",
                "",
            )
        )

        (tmp / "b").mkdir()
        cfg_b = config(tmp / "b", "http://127.0.0.1:9/v1")
        providers = {"old": ScriptedProvider("old"), "new": ScriptedProvider("new")}
        asyncio.run(timed_run(cfg_b, 50, providers))
        providers = {"old": ScriptedProvider("old"), "new": ScriptedProvider("new")}
        wall0, cpu0, pairs0 = asyncio.run(timed_run(cfg_b, n, providers))
        rows.append(
            (
                "runner CPU per case x model, in-process scripted (0 ms)",
                f"{1000 * cpu0 / pairs0:.3f} ms",
                f"{cpu0:.2f} s CPU / {wall0:.2f} s wall",
                "<= 1 ms",
            )
        )

        port = free_port()
        (tmp / "c").mkdir()
        with upstream(port, 0.0):
            cfg_c = config(tmp / "c", f"http://127.0.0.1:{port}/v1")
            asyncio.run(timed_run(cfg_c, 50, None))
            wall1, cpu1, pairs1 = asyncio.run(timed_run(cfg_c, n, None))
        rows.append(
            (
                "runner + HTTP client CPU per case x model, fake upstream (0 ms)",
                f"{1000 * cpu1 / pairs1:.3f} ms",
                f"{cpu1:.2f} s CPU / {wall1:.2f} s wall",
                "(info)",
            )
        )

        load_s, import_s = bench_import(tmp, 10_000)
        rows.append(
            (
                "load 10,000-case golden JSONL",
                f"{load_s:.3f} s",
                f"{load_s / 2:.2f}x of budget",
                "<= 2 s",
            )
        )
        rows.append(
            (
                "import 10,000 OpenAI-evals samples + write",
                f"{import_s:.3f} s",
                f"{import_s / 2:.2f}x of budget",
                "<= 2 s",
            )
        )

    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'value':>10}  {'ratio / detail':<36}  target")
    for name, value, ratio, target in rows:
        print(f"{name.ljust(width)}  {value:>10}  {ratio:<36}  {target}")


if __name__ == "__main__":
    main()
