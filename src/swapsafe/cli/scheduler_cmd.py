"""``swapsafe scheduler``: the nightly golden evals, one scheduler per store."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import typer

from swapsafe.cli.common import config_option, handle_errors, load_or_exit
from swapsafe.cli.eval_cmd import _judge, _judge_option, cli_store, closes_stores
from swapsafe.cli.eval_views import console
from swapsafe.evals.scheduler import NightlyScheduler, TickResult, nightly_runner
from swapsafe.store.leader import leader_lock


@handle_errors
@closes_stores
def scheduler(
    once: bool = typer.Option(False, "--once", help="Do what is due now, then exit."),
    judge: str | None = _judge_option,
    config: Path = config_option,
) -> None:
    """Run nightly golden evals ([evals] schedule, cron, in UTC) for every workload with a
    candidate.

    One scheduler per store: a second one (another replica, an overlapping cron job) stands
    by until the first stops (the same leader lock as the rollout controller). Missed nights
    (the process was down) are recorded and shown by swapsafe eval list. On a store with no
    nightly history, a night scheduled within the last hour is due.

    Example:

        swapsafe scheduler --config swapsafe.toml
        swapsafe scheduler --once        # from cron, e.g. 5 2 * * * (UTC)
    """
    cfg = load_or_exit(config)
    store = cli_store(cfg)
    sched = NightlyScheduler(
        cfg,
        store,
        run=nightly_runner(cfg, store, judge=_judge(cfg, judge)),
        lock=leader_lock(cfg.store.url, "scheduler"),
    )
    console.print(
        f"scheduler: '{cfg.evals.schedule}' (UTC) for "
        f"{', '.join(sched.workloads()) or 'no workload with a candidate'}"
    )
    try:
        if once:
            result = asyncio.run(sched.tick())
            console.print(_tick_line(result))
            return
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(sched.run_forever())
    finally:
        sched.release()


def _tick_line(result: TickResult) -> str:
    if result.standby:
        return "another scheduler holds this store's lock: standing by, nothing run"
    return f"ran {len(result.ran)}, missed {len(result.missed)}, failed {len(result.failed)}"
