"""Instructions per gateway request, counted by valgrind's callgrind: a before/after comparison
that the machine's other load cannot move (the count is the same whatever else runs).

The gateway of each source tree serves one workload in front of the instant fake upstream
(``python -m swapsafe.testing``); callgrind's instrumentation is switched on after a warm-up,
``N`` requests are sent one at a time (JSON, then streaming, each separately), and the
instructions the gateway process executed, less what its timers and pollers spend in the same
time (measured idle just before), are divided by ``N``. Prints each tree's count and
the ratio against the baseline tree.

    git worktree add /tmp/swapsafe-old REV
    python bench/instructions.py --baseline /tmp/swapsafe-old/src [--requests 400]

Needs valgrind (Debian package ``valgrind``). Each row takes about a minute.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import free_port

from gateway import gateway_config

KEY = "k-bench-0123456789"
IDLE = 10.0  # seconds of idle gateway counted, to take the timers' instructions out
SRC = Path(__file__).resolve().parent.parent / "src"


def _wait_ready(client: httpx.Client, url: str, body: dict[str, object]) -> None:
    for _ in range(600):  # the gateway starts slowly under valgrind
        try:
            if client.post(url, json=body, headers={"authorization": f"Bearer {KEY}"}).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit("the gateway did not answer under valgrind")


def count(src: Path, stream: bool, n: int) -> float:
    """Instructions per request of the gateway in source tree ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src), "BENCH_CLIENT_KEY": KEY}
    up, gw = free_port(), free_port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "swapsafe.testing", "--flavor", "openai", "--port", str(up)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        gateway = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
             sys.executable, "-m", "swapsafe", "gateway", "-c", str(gateway_config(Path(tmp), f"http://127.0.0.1:{up}/v1")),
             "--port", str(gw), "--log-level", "warning"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://127.0.0.1:{gw}/v1/chat/completions"
        body = {"model": "support", "messages": [{"role": "user", "content": "hi"}]}
        body["stream"] = stream
        headers = {"authorization": f"Bearer {KEY}"}
        try:
            with httpx.Client(timeout=60) as client:
                _wait_ready(client, url, body)
                for _ in range(50):  # warm-up
                    client.post(url, json=body, headers=headers).raise_for_status()
                _control("-i", "on", gateway.pid)
                time.sleep(IDLE)  # what the gateway does with no request: timers, pollers
                _control("-d", "idle", gateway.pid)
                started = time.monotonic()
                for _ in range(n):
                    client.post(url, json=body, headers=headers).raise_for_status()
                busy = time.monotonic() - started
                _control("-d", "requests", gateway.pid)
                _control("-i", "off", gateway.pid)
        finally:
            gateway.send_signal(signal.SIGINT)
            gateway.wait(120)
            fake.terminate()
        idle, requests = (_total(p) for p in sorted(Path(tmp).glob("callgrind.out.*"))[:2])
        # the timers' share scales with wall time, which valgrind and the machine's load stretch
        return (requests - idle / IDLE * busy) / n


def _control(option: str, arg: str, pid: int) -> None:
    command = ["callgrind_control", option, *([arg] if option == "-i" else []), str(pid)]
    subprocess.run(command, check=True, capture_output=True)


def _total(path: Path) -> int:
    lines = path.read_text(errors="replace").splitlines()
    return max(int(ln.split()[1]) for ln in lines if ln.startswith(("summary:", "totals:")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the older tree's src/")
    parser.add_argument("--requests", type=int, default=400, help="requests counted per row")
    args = parser.parse_args()
    print(f"{'request':<10} {'this tree':>14} {'baseline':>14} {'ratio':>7}")
    for stream in (False, True):
        now = count(SRC, stream, args.requests)
        before = count(args.baseline.resolve(), stream, args.requests)
        name = "streaming" if stream else "JSON"
        print(f"{name:<10} {now:>14,.0f} {before:>14,.0f} {now / before:>6.3f}x", flush=True)


if __name__ == "__main__":
    main()
