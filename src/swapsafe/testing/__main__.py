"""Run a fake upstream from the command line (used by benchmarks and manual tests).

``python -m swapsafe.testing --flavor openai --port 8400`` prints the base URL and serves
until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from swapsafe.gateway.app import tune_worker_process
from swapsafe.testing.fake_upstream import FakeUpstream
from swapsafe.testing.faults import Fault
from swapsafe.testing.loopback import LoopbackServer


async def _serve(flavor: str, host: str, port: int, reply: str | None, latency: float) -> None:
    fake = FakeUpstream("anthropic" if flavor == "anthropic" else "openai", reply=reply)
    if latency:
        fake.fault = Fault(latency=latency)
    server = LoopbackServer(fake, host=host, port=port)
    await server.start()
    tune_worker_process()  # a benchmark's fake must not add collector pauses to what it measures
    suffix = "/v1" if flavor == "openai" else ""
    print(f"{server.url}{suffix}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m swapsafe.testing", description=__doc__)
    parser.add_argument("--flavor", choices=["openai", "anthropic"], default="openai")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--reply", default=None, help="fixed reply text (default: echo)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before answering")
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop if installed")
    args = parser.parse_args()
    if args.uvloop:
        with contextlib.suppress(ImportError):
            import uvloop  # optional: the faster event loop when installed

            uvloop.install()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.flavor, args.host, args.port, args.reply, args.latency))


if __name__ == "__main__":
    main()
