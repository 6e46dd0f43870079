"""``swapsafe route show|set``, ``swapsafe rollback`` and ``swapsafe audit``: routing from the CLI.

All changes go through ``swapsafe.routing.RoutingService``: state + audit entry + notification in
one store transaction; every gateway replica follows within a second.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from swapsafe.cli.common import config_option, handle_errors, load_or_exit
from swapsafe.cli.rollout_cmd import rehearse_command
from swapsafe.config import Config
from swapsafe.rollout.words import routing_words
from swapsafe.routing.service import RoutingService
from swapsafe.routing.transitions import shadow_rule
from swapsafe.store import open_store
from swapsafe.store.protocol import Store
from swapsafe.store.records import TraceQuery

route_app = typer.Typer(
    help="Show and change how each workload's traffic is routed.\n\n"
    "Example: swapsafe route set support --mode shadow --reason 'start shadowing'",
    no_args_is_help=True,
)
console = Console()


def _actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except Exception:  # no user name in some containers
        return "cli:unknown"


def _service(cfg: Config) -> tuple[Store, RoutingService]:
    store = open_store(cfg.store.url)
    return store, RoutingService(
        store, {name: wl.candidate is not None for name, wl in cfg.workloads.items()}
    )


@route_app.command("show")
@handle_errors
def show(config: Path = config_option) -> None:
    """Show every workload's routing state and its traffic in the last 5 minutes.

    Example:

        swapsafe route show --config swapsafe.toml
    """
    cfg = load_or_exit(config)
    store, service = _service(cfg)
    since = datetime.now(UTC) - timedelta(minutes=5)
    table = Table(title="routing state")
    for col in (
        "workload",
        "mode",
        "weight %",
        "shadow",
        "baseline → candidate",
        "served by candidate (5 min)",
        "shadow calls (5 min)",
        "changed",
    ):
        table.add_column(col)
    try:
        for name, state in service.states().items():
            wl = cfg.workloads[name]
            served = store.count_traces(TraceQuery(workload=name, role="served", since=since))
            on_candidate = (
                store.count_traces(
                    TraceQuery(workload=name, role="served", since=since, model=wl.candidate)
                )
                if wl.candidate
                else 0
            )
            shadows = store.count_traces(TraceQuery(workload=name, role="shadow", since=since))
            share = f"{100 * on_candidate / served:.1f}% of {served}" if served else "no traffic"
            changed = (
                f"{state.updated_at:%Y-%m-%d %H:%M} by {state.updated_by}"
                if state.updated_at
                else "never"
            )
            table.add_row(
                name,
                state.mode,
                f"{state.weight:g}",
                "on" if state.shadow else "off",
                f"{wl.baseline} → {wl.candidate or '(none)'}",
                share,
                str(shadows),
                changed,
            )
    finally:
        store.close()
    console.print(table)


@route_app.command("set")
@handle_errors
def set_route(
    workload: str = typer.Argument(..., help="Workload name from swapsafe.toml."),
    mode: str = typer.Option(..., help="baseline | shadow | canary | promoted | rolled_back"),
    weight: float | None = typer.Option(None, help="Candidate share in percent (0-100)."),
    shadow: bool | None = typer.Option(
        None,
        "--shadow/--no-shadow",
        help="Shadow the non-serving model. Default: off for baseline, on for shadow, "
        "unchanged for canary and promoted.",
    ),
    reason: str = typer.Option(..., help="Why: written to the audit log."),
    config: Path = config_option,
) -> None:
    """Change a workload's routing state (validated; nothing is written when refused).

    --mode baseline serves the baseline only: shadowing stops unless --shadow is given.

    Example:

        swapsafe route set support --mode canary --weight 1 --shadow --reason "start canary"
    """
    cfg = load_or_exit(config)
    store, service = _service(cfg)
    try:
        state = service.set(
            workload, mode=mode, weight=weight, shadow=shadow, actor=_actor(), reason=reason
        )
    finally:
        store.close()
    console.print(
        f"{workload}: mode {state.mode}, weight {state.weight:g}%, "
        f"shadow {'on' if state.shadow else 'off'} (version {state.version})"
        + ("" if shadow is not None else f"; {shadow_rule(state.mode)}"),
        soft_wrap=True,
    )


@handle_errors
def rollback(
    workload: str = typer.Argument(..., help="Workload name from swapsafe.toml."),
    reason: str = typer.Option(..., help="Why: written to the audit log."),
    config: Path = config_option,
) -> None:
    """Roll a workload back in one action: mode rolled_back, weight 0, shadow off.

    Every gateway replica serves 100% baseline within a second.

    Example:

        swapsafe rollback support --reason "error rate spike on the candidate"
    """
    cfg = load_or_exit(config)
    store, service = _service(cfg)
    try:
        state = service.rollback(workload, actor=_actor(), reason=reason)
    finally:
        store.close()
    console.print(
        f"[bold]{workload} rolled back[/bold]: 100% {cfg.workloads[workload].baseline}, "
        f"shadow off (version {state.version})"
    )


@handle_errors
def audit(
    workload: str | None = typer.Option(None, help="Only this workload."),
    limit: int = typer.Option(50, min=1, help="How many entries, newest first."),
    config: Path = config_option,
) -> None:
    """List routing changes: who, when, from → to, and why.

    Example:

        swapsafe audit --workload support
    """
    cfg = load_or_exit(config)
    store = open_store(cfg.store.url)
    try:
        entries = store.list_audit(workload=workload, limit=limit)
    finally:
        store.close()
    table = Table(title="audit log")
    for col in ("when (UTC)", "who", "action", "workload", "from", "to", "reason"):
        table.add_column(col)

    def brief(d: dict[str, Any] | None) -> str:
        """A routing state in words; a rollout entry (no mode) by its weight."""
        if not d:
            return "-"
        if d.get("mode") is not None:
            return routing_words(d)
        weight = d.get("weight")
        return f"rollout step {float(weight):g} %" if isinstance(weight, int | float) else "-"

    for e in entries:
        table.add_row(
            f"{e.ts:%Y-%m-%d %H:%M:%S}",
            e.actor,
            e.action,
            e.workload or "-",
            brief(e.before),
            brief(e.after),
            e.reason,
        )
    console.print(table)


class _RollbackGroup(TyperGroup):
    """`rollback WORKLOAD ...` rolls back; `rollback rehearse ...` rehearses the rollback."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["now", *args]
        return super().parse_args(ctx, args)


def rollback_app() -> typer.Typer:
    """The ``rollback`` command group (a plain rollback unless the first word is ``rehearse``)."""
    group = typer.Typer(
        cls=_RollbackGroup,
        help="Roll a workload back in one action, or rehearse the rollback under live traffic.\n\n"
        "Example: swapsafe rollback support --reason 'error rate above trigger'\n\n"
        "Example: swapsafe rollback rehearse support --gateway http://127.0.0.1:8787",
        no_args_is_help=True,
    )
    group.command("now", hidden=True)(rollback)
    group.command("rehearse")(rehearse_command)
    return group
