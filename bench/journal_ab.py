"""What the trace journal costs on the request path: the gateway with ``journal_interval``
0.1 s and with the journal off, against the same fake upstream, in the same run.

Concurrency 1 alternates direct / journal on / journal off round by round (as
``bench/gateway.py`` does); concurrency 64 runs each gateway for the same time.

    python bench/journal_ab.py            # full run
    python bench/journal_ab.py --quick    # shorter run
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import free_port, print_table

from gateway import (
    AUTH,
    ROUNDS,
    Target,
    added,
    concurrency_64,
    concurrency_one,
    fake_upstream,
    gateway,
    gateway_config,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    args = parser.parse_args()
    up_port = free_port()
    upstream = f"http://127.0.0.1:{up_port}/v1"
    secs = 5 if args.quick else 10
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        stack.enter_context(fake_upstream(up_port))
        targets: list[Target] = [("direct", f"{upstream}/chat/completions", "old-model", {})]
        for name, journal in (("journal-0.1s", "0.1s"), ("journal-off", "0")):
            port = free_port()
            directory = Path(tmp) / name
            directory.mkdir()
            stack.enter_context(gateway(gateway_config(directory, upstream, journal), port))
            url = f"http://127.0.0.1:{port}"
            targets.append((name, f"{url}/v1/chat/completions", "support", AUTH))
        results: dict[str, dict[str, Any]] = asyncio.run(concurrency_one(targets, quick=args.quick))
        for name, url, model, headers in targets[1:]:
            results[name].update(asyncio.run(concurrency_64(name, url, model, headers, secs)))
    report(results)


def report(results: dict[str, dict[str, Any]]) -> None:
    print_table("non-streaming, concurrency 1", [r["c1"].row() for r in results.values()])
    print_table("streaming, concurrency 1", [r["s1"].row() for r in results.values()])
    gateways = [n for n in results if n != "direct"]
    print_table("non-streaming, concurrency 64", [results[n]["c64"].row() for n in gateways])
    print_table("streaming, concurrency 64", [results[n]["s64"].row() for n in gateways])
    direct = results["direct"]["rounds"]
    print(f"\nadded latency (gateway minus direct), concurrency 1, median of {ROUNDS} rounds:")
    for name in gateways:
        rounds = results[name]["rounds"]
        print(
            f"  {name:<14} p50 {added(rounds, direct, 0, 'p50'):.3f} ms, "
            f"p99 {added(rounds, direct, 0, 'p99'):.3f} ms, "
            f"stream TTFB p50 {added(rounds, direct, 1, 'ttfb_p50'):.3f} ms"
        )


if __name__ == "__main__":
    main()
