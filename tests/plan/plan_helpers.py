"""Builders for planner tests: facts by hand, a fixed clock, and a CLI app holding the commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import typer

from swapsafe.config import GateConfig, TriggerConfig
from swapsafe.plan.facts import AuditFacts, GateFacts, MigrationFacts, WorkloadFacts

START = datetime(2026, 12, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # week 1, day 2


def at(days: float, hours: float = 0) -> datetime:
    return START + timedelta(days=days, hours=hours)


def gate_facts(explicit: bool = False) -> GateFacts:
    return GateFacts(
        gates=GateConfig().model_dump(),
        triggers=TriggerConfig().model_dump(),
        gates_explicit=explicit,
        triggers_explicit=explicit,
    )


def facts(*names: str, audit: list[AuditFacts] | None = None, **kw: Any) -> MigrationFacts:
    return MigrationFacts(
        from_models=frozenset({"old"}),
        to_models=frozenset({"new"}),
        since=START,
        workloads={n: WorkloadFacts(name=n) for n in names or ("support", "search")},
        audit=audit or [],
        **kw,
    )


_ids = iter(range(1, 10_000))


def audit(action: str, workload: str | None, ts: datetime, **after: Any) -> AuditFacts:
    return AuditFacts(next(_ids), ts, action, workload, after)


def cli_app() -> typer.Typer:
    """The plan and scenarios commands as the lead registers them in cli/app.py."""
    from swapsafe.cli import plan_cmd, scenarios_cmd

    app = typer.Typer()
    app.add_typer(plan_cmd.plan_app, name="plan")
    app.command("scenarios")(scenarios_cmd.scenarios)
    return app
