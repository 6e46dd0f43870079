"""``swapsafe scenarios``: common migration scenarios and the cost change of a model pair."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from swapsafe.cli.common import config_option, fail, handle_errors
from swapsafe.cli.plan_cmd import plan_config
from swapsafe.plan.adaptation import SCENARIO_CHANGES, adaptation
from swapsafe.plan.outlook import Outlook, outlook
from swapsafe.plan.scenarios import SCENARIOS, Volume, volume_text
from swapsafe.plan.service import utcnow
from swapsafe.store import open_store

console = Console()


@handle_errors
def scenarios(
    from_model: str | None = typer.Option(
        None, "--from", help="Old model: config name or upstream id."
    ),
    to_model: str | None = typer.Option(
        None, "--to", help="New model: config name or upstream id."
    ),
    requests_per_day: float | None = typer.Option(None, min=0, help="Requests per day to price."),
    input_tokens: float | None = typer.Option(
        None, min=0, help="Average input tokens per request."
    ),
    output_tokens: float | None = typer.Option(
        None, min=0, help="Average output tokens per request."
    ),
    config: Path = config_option,
) -> None:
    """Common migration scenarios, their risk, and the cost change for your model pair.

    Without a volume, the cost is projected at the old model's traffic of the last 7 days.

    Example:

        swapsafe scenarios --from gpt-4o --to claude-sonnet-4-5

        swapsafe scenarios --from gpt-4o --to gpt-4o-mini --requests-per-day 20000
        --input-tokens 1200 --output-tokens 300
    """
    table = Table(title="migration scenarios")
    for col in ("scenario", "example", "typical risk", "what matters most", "request changes"):
        table.add_column(col)
    for s in SCENARIOS:
        table.add_row(s.title, s.example, s.risk, s.matters, escape(SCENARIO_CHANGES[s.key]))
    console.print(table)
    if from_model is None and to_model is None:
        return
    if not from_model or not to_model:
        raise fail("give both --from and --to to project your own pair")
    volume = _volume(requests_per_day, input_tokens, output_tokens)
    cfg, url = plan_config(config)
    store = open_store(url) if volume is None else None
    try:
        look = outlook(
            store, cfg, from_model=from_model, to_model=to_model, now=utcnow(), volume=volume
        )
    finally:
        if store is not None:
            store.close()
    _print_fit(look, from_model, to_model)
    if look.projection is None:
        raise fail(look.problem or "no projection")
    console.print(f"projected cost: {look.projection.line()}")
    console.print(f"[dim]at {volume_text(look.projection.volume)}[/dim]")


def _print_fit(look: Outlook, from_model: str, to_model: str) -> None:
    """The scenarios that fit the pair, and the request adapter its new model needs."""
    fits = ", ".join(s.title.lower() for s in look.scenarios)
    console.print(
        f"[bold]{from_model} → {to_model}[/bold] ({look.old.vendor} → {look.new.vendor}): {fits}"
    )
    for s in look.scenarios:
        console.print(f"  • {s.title}: {s.matters}")
    console.print(f"  • request adapter: {escape(adaptation(look.new).line())}", soft_wrap=True)


def _volume(
    requests_per_day: float | None, input_tokens: float | None, output_tokens: float | None
) -> Volume | None:
    """The volume given on the command line: all three numbers, or none (the store's)."""
    if requests_per_day is not None and input_tokens is not None and output_tokens is not None:
        return Volume(requests_per_day, input_tokens, output_tokens, source="given")
    if any(v is not None for v in (requests_per_day, input_tokens, output_tokens)):
        raise fail("give all three: --requests-per-day N --input-tokens N --output-tokens N")
    return None
