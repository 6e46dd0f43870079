"""Gateway benchmark: direct vs swapsafe vs the LiteLLM proxy, against one instant fake upstream.

Chat Completions and the Responses API side by side: the Responses rows are direct to the
fake's /v1/responses, swapsafe forwarding natively to it (an openai model), and swapsafe
translating a Responses client to a chat-only model's /chat/completions.

Layout (2 cores): the proxy under test is pinned to core 0; the fake upstream and this load
generator run on core 1. Every number is measured in the same run, so ratios are comparable.

    python bench/gateway.py                 # full run (LiteLLM from .bench-venv-litellm if present)
    python bench/gateway.py --quick         # shorter run
    python bench/gateway.py --no-litellm    # skip LiteLLM

LiteLLM is installed on demand into .bench-venv-litellm (pip install 'litellm[proxy]==1.108.7').
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    Result,
    body_for,
    chat_body,
    free_port,
    load,
    print_table,
    process,
    rss_mb,
    versions,
)

ROOT = Path(__file__).resolve().parent.parent
LITELLM_VENV = ROOT / ".bench-venv-litellm"
LITELLM_VERSION = "1.108.7"
KEY = "sk-bench-0123456789abcdef0123456789abcdef"  # both proxies authenticate clients
AUTH = {"authorization": f"Bearer {KEY}"}
ROUNDS = 5  # concurrency-1 runs alternate direct and swapsafe this many times


def ensure_litellm() -> Path | None:
    exe = LITELLM_VENV / "bin" / "litellm"
    if exe.exists():
        return exe
    print(f"installing litellm[proxy]=={LITELLM_VERSION} into {LITELLM_VENV} ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(LITELLM_VENV)], check=True)
        subprocess.run(
            [
                str(LITELLM_VENV / "bin" / "pip"),
                "install",
                "-q",
                f"litellm[proxy]=={LITELLM_VERSION}",
            ],
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        print(f"could not install LiteLLM ({exc}); skipping it")
        return None
    return exe


Target = tuple[str, str, str, dict[str, str]]  # name, url, model, headers


async def concurrency_one(targets: list[Target], *, quick: bool) -> dict[str, dict[str, Any]]:
    """Concurrency 1, non-streaming and streaming, alternating the targets round by round.

    The machine drifts between minutes; alternating keeps direct and swapsafe under the same
    conditions, and the added latency is the median over rounds of the per-round difference.
    """
    n = (300 if quick else 2000) // ROUNDS
    out: dict[str, dict[str, Any]] = {
        name: {"c1": Result(name), "s1": Result(name), "rounds": []} for name, *_ in targets
    }
    for _ in range(ROUNDS):
        for name, url, model, headers in targets:
            c1 = await load(
                name, url, body_for(url, model, False), headers, concurrency=1, requests=n
            )
            s1 = await load(
                name, url, body_for(url, model, True), headers, concurrency=1, requests=n // 2
            )
            for key, res in (("c1", c1), ("s1", s1)):
                out[name][key].latencies += res.latencies
                out[name][key].ttfb += res.ttfb
                out[name][key].errors += res.errors
            out[name]["rounds"].append((c1.row(), s1.row()))
    for name in out:
        for key in ("c1", "s1"):
            rows = [r[0 if key == "c1" else 1] for r in out[name]["rounds"]]
            out[name][key].rps = statistics.median(r["rps"] for r in rows)
    return out


async def concurrency_64(name: str, url: str, model: str, headers: dict[str, str], secs: float):
    c64 = await load(name, url, body_for(url, model, False), headers, concurrency=64, seconds=secs)
    s64 = await load(name, url, body_for(url, model, True), headers, concurrency=64, seconds=secs)
    return {"c64": c64, "s64": s64}


def gateway_config(directory: Path, upstream: str, journal: str | None = None) -> Path:
    """One model behind workload "support", the store in ``directory`` (and, given, the trace
    journal's interval)."""
    cfg = directory / "swapsafe.toml"
    journal_line = f'journal_interval = "{journal}"' if journal is not None else ""
    cfg.write_text(
        textwrap.dedent(f"""
        [store]
        url = "sqlite:///{directory}/bench.db"
        {journal_line}
        [models.old]
        provider = "openai-compatible"
        model = "old-model"
        base_url = "{upstream}"
        [models.native]
        provider = "openai"
        model = "old-model"
        base_url = "{upstream}"
        [workloads.support]
        baseline = "old"
        [workloads.responses]
        baseline = "native"
        [gateway]
        client_keys = ["env::BENCH_CLIENT_KEY"]
    """)
    )
    return cfg


def fake_upstream(port: int) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """The instant fake OpenAI upstream on ``port``, on core 1."""
    cmd = [sys.executable, "-m", "swapsafe.testing", "--flavor", "openai"]
    cmd += ["--port", str(port), "--uvloop"]
    return process(cmd, f"http://127.0.0.1:{port}/healthz", core=1)


def gateway(cfg: Path, port: int) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """``swapsafe gateway`` with ``cfg`` on ``port``, on core 0."""
    cmd = [sys.executable, "-m", "swapsafe", "gateway", "-c", str(cfg)]
    cmd += ["--port", str(port), "--log-level", "warning"]
    return process(cmd, f"http://127.0.0.1:{port}/healthz", core=0, env={"BENCH_CLIENT_KEY": KEY})


def added(rounds: list[Any], base: list[Any], key: int, q: str) -> float:
    """Median over rounds of (target minus base) for quantile ``q`` of row ``key`` (0:
    non-streaming, 1: streaming): the added latency, under the same conditions each round."""
    pairs = zip(rounds, base, strict=True)
    return float(statistics.median(r[key][q] - b[key][q] for r, b in pairs))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--no-litellm", action="store_true", help="do not run LiteLLM")
    parser.add_argument(
        "--memory-requests",
        type=int,
        default=100_000,
        help="requests for the RSS growth check (default 100,000)",
    )
    args = parser.parse_args()
    up_port, gw_port = free_port(), free_port()
    upstream = f"http://127.0.0.1:{up_port}/v1"
    secs = 5 if args.quick else 10
    with tempfile.TemporaryDirectory() as tmp, fake_upstream(up_port):
        cfg = gateway_config(Path(tmp), upstream)
        gw_url = f"http://127.0.0.1:{gw_port}"
        with gateway(cfg, gw_port) as gw:
            targets: list[Target] = [
                ("direct", f"{upstream}/chat/completions", "old-model", {}),
                ("swapsafe", f"{gw_url}/v1/chat/completions", "support", AUTH),
                ("direct responses", f"{upstream}/responses", "old-model", {}),
                ("swapsafe responses", f"{gw_url}/v1/responses", "responses", AUTH),
                ("swapsafe resp->chat", f"{gw_url}/v1/responses", "support", AUTH),
            ]
            results = asyncio.run(concurrency_one(targets, quick=args.quick))
            for name, url, model, headers in targets:
                results[name].update(asyncio.run(concurrency_64(name, url, model, headers, secs)))
            mem = memory_growth(
                gw.pid,
                f"{gw_url}/v1/chat/completions",
                args.memory_requests // (10 if args.quick else 1),
            )
        exe = None if args.no_litellm else ensure_litellm()
        if exe is not None:
            results.update(run_litellm(exe, Path(tmp), upstream, secs))
    report(results, mem)


def run_litellm(exe: Path, tmp: Path, upstream: str, secs: float) -> dict[str, dict[str, Any]]:
    """The LiteLLM proxy in front of the same upstream, on core 0: chat completions at
    concurrency 1 and 64, and its /v1/responses at concurrency 64."""
    ll_port = free_port()
    ll_cfg = tmp / "litellm.yaml"
    ll_cfg.write_text(
        textwrap.dedent(f"""
        model_list:
          - model_name: support
            litellm_params:
              model: openai/old-model
              api_base: {upstream}
              api_key: sk-fake
    """)
    )
    ll_cmd = [str(exe), "--config", str(ll_cfg), "--port", str(ll_port), "--num_workers", "1"]
    env = {"LITELLM_LOG": "ERROR", "DISABLE_SCHEMA_UPDATE": "true", "LITELLM_MASTER_KEY": KEY}
    health = f"http://127.0.0.1:{ll_port}/health/liveliness"
    with process(ll_cmd, health, env=env, core=0, timeout=180):
        ll_url = f"http://127.0.0.1:{ll_port}/v1/chat/completions"
        ll = asyncio.run(concurrency_one([("litellm", ll_url, "support", AUTH)], quick=True))
        ll["litellm"].update(asyncio.run(concurrency_64("litellm", ll_url, "support", AUTH, secs)))
        ll_resp = f"http://127.0.0.1:{ll_port}/v1/responses"
        ll["litellm responses"] = asyncio.run(
            concurrency_64("litellm responses", ll_resp, "support", AUTH, secs)
        )
        return ll


def memory_growth(pid: int, url: str, total: int) -> tuple[float, float, int]:
    first = max(total // 10, 1)
    asyncio.run(load("mem", url, chat_body("support", False), AUTH, concurrency=64, requests=first))
    rss_a = rss_mb(pid)
    asyncio.run(
        load("mem", url, chat_body("support", False), AUTH, concurrency=64, requests=total - first)
    )
    return rss_a, rss_mb(pid), total


def report(results: dict[str, dict[str, Any]], mem: tuple[float, float, int]) -> None:
    print(f"\nversions: {versions()}; litellm {LITELLM_VERSION if 'litellm' in results else '-'}")
    print(f"cores: {os.cpu_count()} (proxy on core 0; upstream + load generator on core 1)")
    for key, title in (
        ("c1", "non-streaming, concurrency 1"),
        ("s1", "streaming, concurrency 1"),
        ("c64", "non-streaming, concurrency 64"),
        ("s64", "streaming, concurrency 64"),
    ):
        print_table(title, [r[key].row() for r in results.values() if key in r])
    d, s = results["direct"], results["swapsafe"]
    rounds, base = s["rounds"], d["rounds"]
    print(f"\nswapsafe overhead (gateway minus direct), concurrency 1, median of {ROUNDS} rounds:")
    print(
        f"  added latency p50 {added(rounds, base, 0, 'p50'):.2f} ms (target <= 0.5), "
        f"p99 {added(rounds, base, 0, 'p99'):.2f} ms (target <= 2)"
    )
    per_round = ", ".join(
        f"{sw[0]['p50'] - di[0]['p50']:.2f}"
        for sw, di in zip(s["rounds"], d["rounds"], strict=True)
    )
    print(f"  added p50 per round: {per_round} ms")
    ttfb = added(rounds, base, 1, "ttfb_p50")
    print(f"  added streaming time-to-first-byte p50 {ttfb:.2f} ms (target <= 1)")
    if "litellm" in results:
        ll = results["litellm"]
        for key, label in (("c64", "non-streaming"), ("s64", "streaming")):
            ratio = s[key].rps / max(ll[key].rps, 1e-9)
            print(
                f"  throughput vs LiteLLM, {label}, c=64: {s[key].rps:.0f} / "
                f"{ll[key].rps:.0f} req/s = {ratio:.1f}x (target >= 10x)"
            )
        ll_add = ll["c1"].row()["p50"] - d["c1"].row()["p50"]  # pooled: LiteLLM runs later
        print(f"  LiteLLM added latency p50 {ll_add:.2f} ms")
    responses_report(results)
    a, b, n = mem
    print(
        f"  RSS after {n // 10:,} requests {a:.1f} MB, after {n:,}: {b:.1f} MB "
        f"({(b / a - 1) * 100:+.1f}%, target within 10%)"
    )


def responses_report(results: dict[str, dict[str, Any]]) -> None:
    """The Responses API next to Chat Completions: added latency over the matching direct call,
    and throughput as a ratio of swapsafe's Chat Completions throughput, in the same run."""
    chat_added = results["swapsafe"]["c1"].row()["p50"] - results["direct"]["c1"].row()["p50"]
    direct = results["direct responses"]["c1"].row()["p50"]
    print("\nResponses API vs Chat Completions (same run):")
    print(f"  chat completions pass-through: added p50 {chat_added:.2f} ms")
    for name in ("swapsafe responses", "swapsafe resp->chat", "litellm responses"):
        if name not in results:
            continue
        r = results[name]
        if "c1" in r:
            print(f"  {name}: added p50 {r['c1'].row()['p50'] - direct:.2f} ms (c=1)")
        for key, label in (("c64", "non-streaming"), ("s64", "streaming")):
            ratio = r[key].rps / max(results["swapsafe"][key].rps, 1e-9)
            print(
                f"  {name}, {label}, c=64: {r[key].rps:.0f} req/s = {ratio:.2f}x "
                "swapsafe's chat completions"
            )


if __name__ == "__main__":
    main()
