"""Phases 1-4 of the demo: models, llama.cpp servers, the config, and shadow replay."""

from __future__ import annotations

import asyncio
import os
import statistics
from collections.abc import Mapping

from swapsafe.demo import replay as replay_mod
from swapsafe.demo import workspace
from swapsafe.demo.context import DemoContext
from swapsafe.demo.gateway_thread import GatewayThread
from swapsafe.demo.servers import ServerGroup, ServerSpec, free_ports
from swapsafe.demo.workspace import NEW_ALIAS, OLD_ALIAS
from swapsafe.routing.service import RoutingService
from swapsafe.store import open_store
from swapsafe.store.records import TraceQuery


def locate(ctx: DemoContext) -> None:
    ui = ctx.ui
    ws = workspace.prepare(ctx.options.dir)
    ctx.values["workspace"] = ws
    ui.step(f"working directory {ws.root}")
    source = ctx.options.models
    source.require()
    old = source.old()
    ui.step(f"old: {old.label}  {old.path.name}  sha256 {old.sha256[:12]}… (package RECORD) ok")
    ui.info(f"{old.path}")
    new = source.new(ctx.options.cache_dir)
    ui.step(f"new: {new.label}  {new.path.name}  sha256 {new.sha256[:12]}… (published) ok")
    ui.info(f"assembled from 4 part packages into {new.path}")
    ctx.values["models"] = (old, new)


def start_servers(ctx: DemoContext) -> None:
    ui, profile = ctx.ui, ctx.profile
    old, new = ctx.get("models")
    ws = ctx.get("workspace")
    ws.logs.mkdir(parents=True, exist_ok=True)
    threads = max(1, (os.cpu_count() or 2) // 2)  # two servers answer at once in shadow mode
    ports = free_ports(3)
    # the old model twice: once as the old model, once for the second candidate (prompt v2)
    roles = ((old, ports[0], "old"), (new, ports[1], "new"), (old, ports[2], "v2"))
    specs = [
        ServerSpec(
            name=f"{role} ({m.label})",
            argv=ctx.options.models.server_argv(
                m.path,
                port=port,
                alias=m.served_name,
                n_ctx=profile.n_ctx,
                n_threads=threads,
                chat_format=m.chat_format,
            ),
            port=port,
            log_path=ws.logs / f"{role}-server.log",
        )
        for m, port, role in roles
    ]
    group = ServerGroup(specs)
    ctx.servers = group  # stopped by run_demo's finally, whatever happens next
    for spec in specs:
        ui.info(f"$ python {' '.join(spec.argv[1:])}")
    group.start(
        profile.server_timeout,
        on_ready=lambda spec, waited: ui.step(
            f"{spec.name} ready at {spec.base_url} in {waited:.1f}s"
        ),
    )
    for m in (old, new):
        how = f"--chat_format {m.chat_format}" if m.chat_format else "embedded in its GGUF"
        ui.info(f"{m.label} chat template: {how}")
    ui.info(f"{threads} thread(s) per server; logs in {ws.logs}")
    ctx.values["urls"] = tuple(spec.base_url for spec in specs)


def write_config(ctx: DemoContext) -> None:
    ui, profile = ctx.ui, ctx.profile
    ws = ctx.get("workspace")
    old_url, new_url, tuned_url = ctx.get("urls")
    settings = workspace.Settings(
        old_base_url=old_url,
        new_base_url=new_url,
        tuned_base_url=tuned_url,
        min_samples=profile.min_samples,
    )
    config = workspace.write(ws, settings, golden_limit=profile.golden_limit)
    ctx.values["settings"] = settings
    ctx.values["config"] = config
    ui.step(f"wrote {ws.config_path}")
    for name, wl in config.workloads.items():
        cases = (
            sum(1 for line in wl.golden.read_text().splitlines() if line.strip())
            if wl.golden
            else 0
        )
        prompt = wl.system_prompt.name if wl.system_prompt else "-"
        ui.info(f"workload {name}: {cases} golden cases, system prompt {prompt}")
    ctx.values["system_prompts"] = {
        alias: wl.system_prompt_text() or ""
        for wl in config.workloads.values()
        for alias in wl.aliases
    }


def shadow(ctx: DemoContext) -> None:
    config = ctx.get("config")
    store = open_store(config.store.url)
    ctx.values["store"] = store
    start_gateway(ctx)
    service = RoutingService(
        store, {n: w.candidate is not None for n, w in config.workloads.items()}
    )
    ctx.values["routing"] = service
    for name in config.workloads:
        service.set(name, mode="shadow", actor="swapsafe demo", reason="demo: start shadow mode")
    ctx.get("gateway").reload_routing()
    ctx.ui.step(
        f"shadow mode on for {len(config.workloads)} workloads: "
        f"{OLD_ALIAS} serves, {NEW_ALIAS} answers in shadow"
    )
    replay_shadow(ctx, ctx.profile.traffic)


def start_gateway(ctx: DemoContext) -> GatewayThread:
    """Serve the gateway of the current config in-process (stopping the one before, if any)."""
    previous = ctx.values.pop("gateway", None)
    if previous is not None:
        previous.stop()
    gateway = GatewayThread(ctx.get("config"))
    ctx.values["gateway"] = gateway
    gateway.start()
    ctx.ui.step(f"gateway (swapsafe.gateway.app) on {gateway.url}/v1, provider openai-compatible")
    return gateway


def replay_shadow(ctx: DemoContext, counts: Mapping[str, int]) -> None:
    """Replay ``counts[alias]`` requests of each workload's bundled traffic through the gateway
    with the openai SDK, then wait for their shadow pairs."""
    ui, profile, store, gateway = ctx.ui, ctx.profile, ctx.get("store"), ctx.get("gateway")
    rows = replay_mod.load_traffic(workspace.data_dir() / "traffic.jsonl")
    chosen = replay_mod.pick(rows, counts)
    requests = [
        replay_mod.prepare(b, ctx.get("system_prompts"), profile.max_tokens) for b in chosen
    ]
    shadow_state = gateway.runtime.gateway.shadow
    with ui.progress("replaying application traffic (openai SDK)", len(requests)) as advance:
        result = asyncio.run(
            replay_mod.replay(
                f"{gateway.url}/v1",
                requests,
                concurrency=2,
                backpressure=lambda: shadow_state.in_flight >= 2,
                on_done=advance,
            )
        )
    ui.step(
        f"{result.ok}/{result.sent} answered ({result.streamed} streamed with include_usage)"
        + (f"; errors: {result.errors}" if result.errors else "")
    )
    if result.latencies_ms:
        ui.info(f"median latency seen by the app: {statistics.median(result.latencies_ms):.0f} ms")
    for alias, question, answer in result.samples[:3]:
        ui.info(f"[{alias}] {question[:60]!r} → {answer.strip()[:60]!r}")
    if not gateway.settle(timeout=max(60.0, len(requests) * 5.0)):
        ui.warn("some shadow calls were still running; their pairs are missing")
    served = store.count_traces(TraceQuery(role="served"))
    shadow_rows = store.query_traces(TraceQuery(role="shadow", limit=100_000))
    shadowed, ok = len(shadow_rows), sum(r.status == "ok" for r in shadow_rows)
    ui.step(f"recorded {served} served and {shadowed} shadow traces in all ({ok} shadow ok)")
    ctx.values["replay"] = result
