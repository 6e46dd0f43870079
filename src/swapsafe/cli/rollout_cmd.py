"""``swapsafe rollout start|status|pause|resume|promote|abort|health-check``, plus the
``swapsafe rollback rehearse``, ``swapsafe retire`` and ``swapsafe controller`` commands."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from swapsafe.cli.common import (
    CliContext,
    cli_context,
    config_option,
    fail,
    handle_errors,
    load_or_exit,
)
from swapsafe.config import Config
from swapsafe.rollout.controller import Controller
from swapsafe.rollout.heartbeat import controller_seen
from swapsafe.rollout.operations import Rollouts
from swapsafe.rollout.rehearsal import rehearse
from swapsafe.rollout.retention import health_check, retire
from swapsafe.store import open_store
from swapsafe.store.protocol import Store

rollout_app = typer.Typer(
    help="Canary rollout: start, watch, pause, resume, promote or abort.\n\n"
    "Example: swapsafe rollout start support && swapsafe rollout status support",
    no_args_is_help=True,
)
console = Console()
_reason = typer.Option("", "--reason", "-r", help="Why (written to the audit log).")
_force = typer.Option(False, "--force", help="Skip the checks (needs --reason).")


def _actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except Exception:  # no user name in some containers
        return "cli:unknown"


@contextlib.contextmanager
def _open(
    config: Path, context: CliContext = CliContext()
) -> Iterator[tuple[Config, Store, Rollouts]]:
    cfg = load_or_exit(config)
    store = open_store(cfg.store.url)
    try:
        yield cfg, store, Rollouts(cfg, store, gates=context.gates)
    finally:
        store.close()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    d, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m = rest // 60
    return f"{d}d {h}h" if d else f"{h}h {m:02d}m" if h else f"{m}m"


def _sequential_line(name: str, seq: dict[str, Any]) -> str:
    """One sequential check: verdict, canary vs baseline, the always-valid interval, margin."""
    what = "latency (share slower than baseline p95)" if "latency" in name else "error rate"
    lo, hi = seq["interval_pt"]
    return (
        f"{what}: {seq['verdict']} - canary {100 * seq['canary_rate']:.1f}% vs baseline "
        f"{100 * seq['baseline_rate']:.1f}%, {100 * seq['confidence']:g}% CS "
        f"[{lo:+.2f}, {hi:+.2f}] pt, margin {seq['margin_pt']:g} pt, look {seq['look']}"
    )


def _when(iso: str | None) -> str:
    return "-" if not iso else datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")


def _metrics_rows(last: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    if not last or "canary" not in last:
        return []
    rows = []
    for label, key, fmt in (
        ("requests", "requests", "{:.0f}"),
        ("error rate", "error_rate", "{:.2%}"),
        ("p95 latency ms", "p95_ms", "{:.0f}"),
        ("cost / request $", "cost_per_request", "{:.6f}"),
        ("shadow agreement", "agreement", "{:.1%}"),
        ("online score", "online_score", "{:.3f}"),
    ):
        cells = []
        for cohort in ("canary", "baseline"):
            value = (last.get(cohort) or {}).get(key)
            cells.append("-" if value is None else fmt.format(value))
        rows.append((label, cells[0], cells[1]))
    return rows


def print_status(s: dict[str, Any]) -> None:
    if s["status"] == "none":
        console.print(f"{s['workload']}: no rollout yet (routing: {s['routing_words']})")
        console.print(f"controller: {s['controller']['words']}", markup=False)
        return
    table = Table(
        title=f"rollout of {s['workload']}: {s['baseline']} → {s['candidate']}", show_header=False
    )
    table.add_column("", style="bold")
    table.add_column("")
    steps = " → ".join(f"{x['weight']:g}%" for x in s["steps"])
    table.add_row("status", s["status_words"])
    table.add_row("step", f"{s['step']} of {len(s['steps'])} ({s['weight']:g}%): {steps}")
    table.add_row("routing", s["routing_words"])
    table.add_row("controller", s["controller"]["words"])
    if s["status"] in ("running", "paused"):
        table.add_row(
            "hold",
            f"{_duration(s['hold_seconds'])}, "
            f"{_duration(s['hold_left_seconds'])} left (ends {_when(s['hold_ends_at'])})",
        )
    if s["pause_reason"]:
        table.add_row("why", s["pause_reason"])
    last = s["last_analysis"] or {}
    if last:
        table.add_row(
            "last analysis",
            f"{_when(s['last_analysis_at'])}: "
            f"{last.get('outcome', 'error')} - {last.get('summary') or last.get('error')}",
        )
    for check in last.get("checks") or []:
        seq = check.get("sequential")
        if seq:
            table.add_row("vs baseline", _sequential_line(check["name"], seq))
    if s["analysis_failures"]:
        table.add_row("analysis failures", str(s["analysis_failures"]))
    if s["promoted_at"]:
        table.add_row("promoted", _when(s["promoted_at"]))
        table.add_row("old model kept until", _when(s["retain_until"]))
        check = s["retention"]
        table.add_row(
            "last health check",
            "none yet"
            if not check
            else f"{_when(check.get('at'))}: {'ok' if check.get('ok') else 'FAILED'} "
            f"({check.get('latency_ms')} ms)",
        )
    if s["retired_at"]:
        table.add_row("retired", _when(s["retired_at"]))
    console.print(table)
    rows = _metrics_rows(last)
    if rows:
        metrics = Table(title="cohorts (current hold)")
        for col in ("metric", "canary", "baseline"):
            metrics.add_column(col)
        for row in rows:
            metrics.add_row(*row)
        console.print(metrics)


@rollout_app.command("start")
@handle_errors
def start(
    ctx: typer.Context,
    workload: str = typer.Argument(..., help="Workload to roll out."),
    force: bool = _force,
    reason: str = _reason,
    config: Path = config_option,
) -> None:
    """Start the canary rollout of WORKLOAD; refused unless its pre-cutover gates pass.

    Follows [rollout] steps (default 1% for 48 h, 10% / 24 h, 50% / 24 h, 100%); the
    controller (swapsafe serve, or swapsafe controller) advances it.

    Example:

        swapsafe rollout start support-triage
        swapsafe rollout start support-triage --force --reason "gates checked by hand, JIRA-12"
    """
    if force and not reason.strip():
        raise fail("--force needs --reason: say why the gates are skipped")
    with _open(config, cli_context(ctx)) as (_cfg, _store, ro):
        record = ro.start(workload, actor=_actor(), force=force, reason=reason)
        console.print(f"[green]rollout of {workload} started at {record.weight:g}%[/green]")
        seen = controller_seen(ro.store, ro.clock.now())
        if seen.state != "running":
            console.print(f"warning: {seen.words}", style="yellow", markup=False)
        print_status(ro.status(workload))


@rollout_app.command("status")
@handle_errors
def status(
    workload: str = typer.Argument(None, help="Workload (default: every workload)."),
    config: Path = config_option,
) -> None:
    """Show the rollout: step, time left in the hold, last analysis, retention.

    Example:

        swapsafe rollout status support-triage
    """
    with _open(config) as (cfg, _store, ro):
        for name in [workload] if workload else sorted(cfg.workloads):
            print_status(ro.status(name))


def _simple(action: str, workload: str, config: Path, **kw: Any) -> None:
    with _open(config) as (_cfg, _store, ro):
        result = getattr(ro, action)(workload, actor=_actor(), **kw)
        if action == "abort":
            ro.notify_blocking(ro.event("abort", result, kw.get("reason") or "aborted"))
        print_status(ro.status(workload))


@rollout_app.command("pause")
@handle_errors
def pause(
    workload: str = typer.Argument(...), reason: str = _reason, config: Path = config_option
) -> None:
    """Pause the rollout: routing stays as it is, the controller does not advance.

    Example:

        swapsafe rollout pause support-triage --reason "investigating ticket 123"
    """
    _simple("pause", workload, config, reason=reason)


@rollout_app.command("resume")
@handle_errors
def resume(
    workload: str = typer.Argument(...), reason: str = _reason, config: Path = config_option
) -> None:
    """Resume a paused rollout; the hold continues from when the step started.

    Example:

        swapsafe rollout resume support-triage
    """
    _simple("resume", workload, config, reason=reason)


@rollout_app.command("promote")
@handle_errors
def promote(
    workload: str = typer.Argument(...),
    force: bool = _force,
    reason: str = _reason,
    config: Path = config_option,
) -> None:
    """Go to the next step now; needs a passing analysis, or --force --reason.

    Example:

        swapsafe rollout promote support-triage
        swapsafe rollout promote support-triage --force --reason "low traffic, reviewed by hand"
    """
    if force and not reason.strip():
        raise fail("--force needs --reason: say why the analysis is skipped")
    _simple("promote", workload, config, force=force, reason=reason)


@rollout_app.command("abort")
@handle_errors
def abort(
    workload: str = typer.Argument(...), reason: str = _reason, config: Path = config_option
) -> None:
    """Stop the rollout and serve only the baseline again (mode baseline).

    Example:

        swapsafe rollout abort support-triage --reason "postponed"
    """
    _simple("abort", workload, config, reason=reason)


@rollout_app.command("health-check")
@handle_errors
def health_check_cmd(workload: str = typer.Argument(...), config: Path = config_option) -> None:
    """Send the old (baseline) model a 1-token request now and record the result.

    Example:

        swapsafe rollout health-check support-triage
    """
    with _open(config) as (cfg, store, _ro):
        result = asyncio.run(health_check(cfg, store, workload, actor=_actor()))
    if not result["ok"]:
        raise fail(f"{workload}: old model {result['model']} failed: {result.get('error')}")
    console.print(
        f"[green]{workload}: old model {result['model']} ok ({result['latency_ms']} ms)[/green]"
    )


@handle_errors
def rehearse_command(
    workload: str = typer.Argument(..., help="Workload to rehearse the rollback of."),
    gateway: list[str] = typer.Option(
        None,
        "--gateway",
        "-g",
        help="Gateway replica URL (repeat for each replica; default: [gateway] listen).",
    ),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds each replica may take."),
    config: Path = config_option,
) -> None:
    """Rehearse a rollback under live traffic and measure the time until every replica
    serves only the baseline; records the timing in the audit log.

    Example:

        swapsafe rollback rehearse support-triage --gateway http://10.0.0.5:8787 \\
            --gateway http://10.0.0.6:8787
    """
    if timeout <= 0:
        raise fail("--timeout must be above 0 seconds")
    cfg = load_or_exit(config)
    urls = list(gateway or []) or [f"http://{cfg.gateway.listen}"]
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise fail(f"--gateway {url!r} is not a URL; use e.g. http://127.0.0.1:8787")
    store = open_store(cfg.store.url)
    try:
        with console.status(f"rehearsing the rollback of {workload} on {len(urls)} replica(s)"):
            result = asyncio.run(rehearse(cfg, store, workload, urls, limit=timeout))
    finally:
        store.close()
    table = Table(title=f"rollback rehearsal of {workload}")
    table.add_column("replica")
    table.add_column("time to baseline")
    for t in result.replicas:
        table.add_row(t.url, f"{t.ms:.0f} ms" if t.ms is not None else f"[red]{t.error}[/red]")
    console.print(table)
    if not result.ok:
        raise fail(f"rehearsal failed: {result.message}")
    console.print(f"[green]{result.message}; routing restored[/green]")


@handle_errors
def retire_command(
    workload: str = typer.Argument(..., help="Workload whose old model to retire."),
    reason: str = _reason,
    config: Path = config_option,
) -> None:
    """Retire the old model after the retention window ([rollout] retain_old_for); refused
    before then, with the date it becomes allowed.

    Example:

        swapsafe retire support-triage
    """
    cfg = load_or_exit(config)
    store = open_store(cfg.store.url)
    try:
        record = retire(cfg, store, workload, actor=_actor(), reason=reason)
    finally:
        store.close()
    model = cfg.workloads[workload].baseline
    console.print(
        f"[green]{workload}: old model {model} retired "
        f"({_when(record.retired_at.isoformat() if record.retired_at else None)}). "
        f"You may now remove [models.{model}] from the config.[/green]"
    )


@handle_errors
def controller_command(
    once: bool = typer.Option(False, "--once", help="Run one pass and exit."),
    config: Path = config_option,
) -> None:
    """Run the rollout controller alone (one is active across replicas; others wait).

    Example:

        swapsafe controller --config swapsafe.toml
    """
    cfg = load_or_exit(config)
    store = open_store(cfg.store.url)
    try:
        controller = Controller(cfg, store)
    except BaseException:
        store.close()
        raise
    try:
        if once:
            if not controller.try_activate():
                raise fail("another rollout controller is active; nothing to do")
            for event in asyncio.run(controller.tick()):
                console.print(f"{event['workload']}: {event['event']} - {event.get('reason')}")
        else:
            console.print("rollout controller running (Ctrl-C to stop)")
            asyncio.run(controller.run_forever())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop_now()
        store.close()
